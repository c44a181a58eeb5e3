"""Parley core: schema, loading, filters, aggregations, charts and exports. Never imports streamlit."""
