"""Sources: where does each claim come from, how well is it sourced, and is it disputed?"""

import streamlit as st

from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_header
from components.tables import show_table
from parley.aggregate import checks_of, codebook_entries, sources_by_use
from parley.filters import sources_cited_by
from parley.text import definitions
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
view = apply_view(ds, f)
# The cited rows of the table sorted and shortened once per dataset, not the full table sorted on every rerun.
sources = sources_cited_by(sources_by_use(ds.sources), view.talks, view.items, view.positions, view.reactions)
show_header("Sources", "Where does each record come from, and how far can it be trusted?", filters_text(ds, f), ds)
if sources.empty:
    show_empty("sources")
    st.stop()

st.caption("Source types: " + definitions(codebook_entries(ds.codebook, "source_type")))
show_table(
    sources,
    page="sources",
    name="sources",
    ds=ds,
    key="sources.table",
    columns={
        "source_id": "Id",
        "outlet": "Outlet",
        "title": "Title",
        "published": "Published",
        "reliability_notes": "Reliability notes",
        "fact_check": "Fact-check verdicts",
        "source_type": "Type",
        "n_records": "Records",
        "records": "Supports",
        "url": "URL",
    },
    column_config={"URL": st.column_config.LinkColumn("URL")},
)

checks = checks_of(ds.fact_checks, sources)
if not checks.empty:
    st.subheader("Fact checks of article claims")
    st.caption(
        "Claims of an article checked one by one against other sources; contradicted and unconfirmed "
        "claims are flagged on the records that carry them."
    )
    show_table(
        checks,
        page="sources",
        name="fact checks",
        ds=ds,
        key="sources.checks",
        columns={
            "check_id": "Check",
            "outlet": "Article",
            "claim": "Claim",
            "verdict": "Verdict",
            "note": "What other sources say",
            "record_ids": "Records",
            "check_source_ids": "Checked against",
        },
        links={"outlet": "source_id"},
    )
