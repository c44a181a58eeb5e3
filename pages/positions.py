"""Positions: what does each party demand, offer, accept or reject on each issue, and how has that moved?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.gaps import show_gaps
from components.layout import show_empty, show_flag_legend, show_header
from components.registry import page_at
from components.sections import render_sections
from components.tables import show_table
from parley import gaps
from parley.aggregate import codebook_entries, count_by, latest_stances, stance_moves
from parley.charts import MATRIX_COLUMNS, party_counts_chart, stance_matrix_chart
from parley.gap_charts import option_path_chart
from parley.plans import plans_in_view
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

section, body = render_sections(page_at("positions"))
with body:
    if section == "stand":
        stances = ds.labels["position_stance"]
        st.caption("Stances: " + definitions(codebook_entries(ds.codebook, "position_stance")))
        show_chart(
            stance_matrix_chart(latest_stances(positions, MATRIX_COLUMNS), stances),
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
    elif section == "gap":
        st.caption(
            "Each issue has a scale of the settlements parties and plans have put forward, from Ukraine's end to "
            "Russia's (the Codebook page lists them). A statement is placed on the scale where its source supports "
            "an option."
        )
        placed = gaps.placed(positions, ds.issue_options)
        show_gaps(ds, f, placed, described, key="positions.gap")
    elif section == "path":
        placed = gaps.placed(positions, ds.issue_options)
        path, binned = gaps.option_path(placed)
        if path.empty:
            st.caption("No statement in this view is placed on an issue scale.")
        else:
            drawn = {a: ds.actor_name(a) for a in dict.fromkeys(path["actor_id"])}
            show_chart(
                option_path_chart(
                    path, gaps.plan_marks(plans_in_view(ds, f).provisions), ds.issue_options, drawn, binned=binned
                ),
                title="Options over time",
                page="positions",
                ds=ds,
                filters_text=described,
                key="positions.path",
            )
            st.caption(
                "Each party's option on each issue over time: a step is a statement that moved it; a line runs on "
                "until the party's next placed statement. Black diamonds are peace plans presented in the window. "
                "Hollow marks rest on a disputed or low-confidence record."
                + (
                    " Too many statements to draw one by one: each point is a party's last option in a month."
                    if binned
                    else ""
                )
            )
    elif section == "moves":
        moves = stance_moves(positions, ds.labels["position_stance"])
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
                    "position_id": "Record",
                    "date": "Date",
                    "actor_name": "Party",
                    "issue_label": "Issue",
                    "previous_label": "Before",
                    "stance_label": "Now",
                    "summary": "Summary",
                    "flags": "Flags",
                },
            )
    else:
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
            positions,
            page="positions",
            name="statements",
            ds=ds,
            key="positions.table",
            columns={
                "position_id": "Record",
                "date": "Date",
                "actor_name": "Party",
                "issue_label": "Issue",
                "stance_label": "Stance",
                "confidence": "Confidence",
                "disputed": "Disputed",
                "summary": "Summary",
                "conditions": "Conditions",
                "speaker_name": "Speaker",
                "talk_title": "Round",
                "n_sources": "Sources",
                "notes": "Provenance notes",
                "source_ids": "Source ids",
                "origin": "Origin",
            },
        )
    show_flag_legend()
