"""Streamlit building blocks shared by the pages: data access, filters, tables, charts, layout."""
