"""Positions: what does each party demand, offer, accept or reject on each issue, and how has that moved?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.tables import show_table
from parley.aggregate import codebook_entries, count_by, latest_stances, newest_first, stance_moves, statement_marks
from parley.charts import party_counts_chart, stance_matrix_chart, stance_timeline_chart
from parley.text import definitions
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
positions = apply_view(ds, f).positions
described = filters_text(ds, f)
show_header(
    "Positions",
    "What does each party demand, offer, accept or reject on each issue, and how has it moved?",
    described,
    ds,
)
if positions.empty:
    show_empty("positions")
    st.stop()

stances = ds.labels["position_stance"]
st.caption("Stances: " + definitions(codebook_entries(ds.codebook, "position_stance")))
show_chart(
    stance_matrix_chart(latest_stances(positions), stances),
    title="Latest stance by party and issue",
    page="positions",
    ds=ds,
    filters_text=described,
    key="positions.matrix",
)
st.caption(
    "Each cell is the party's most recent coded stance on the issue inside the window; '!' marks a "
    "disputed or low-confidence record. Hover a cell for the statement."
)

show_chart(
    stance_timeline_chart(statement_marks(positions), stances),
    title="Stances over time",
    page="positions",
    ds=ds,
    filters_text=described,
    key="positions.timeline",
)

st.subheader("What moved")
moves = stance_moves(positions, stances)
if moves.empty:
    st.caption("No party changed its stance on an issue inside the window.")
else:
    show_table(
        moves,
        page="positions",
        name="stance changes",
        ds=ds,
        key="positions.moves",
        columns={
            "date": "Date",
            "actor_name": "Party",
            "issue_label": "Issue",
            "previous_label": "Before",
            "stance_label": "Now",
            "summary": "Summary",
            "flags": "Flags",
        },
    )

show_chart(
    party_counts_chart(count_by(positions, "actor_id"), ds.labels["actor"], title="Statements"),
    title="Statements per party",
    page="positions",
    ds=ds,
    filters_text=described,
    key="positions.counts",
)

st.subheader("Statements")
show_table(
    newest_first(positions, "date"),
    page="positions",
    name="statements",
    ds=ds,
    key="positions.table",
    columns={
        "date": "Date",
        "actor_name": "Party",
        "speaker_name": "Speaker",
        "issue_label": "Issue",
        "stance_label": "Stance",
        "summary": "Summary",
        "conditions": "Conditions",
        "talk_title": "Round",
        "confidence": "Confidence",
        "disputed": "Disputed",
        "n_sources": "Sources",
        "notes": "Provenance notes",
        "source_ids": "Source ids",
        "origin": "Origin",
    },
)
show_flag_legend()
