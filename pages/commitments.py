"""Commitments: was what they agreed actually done, round by round and party by party?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_header
from components.registry import page_at
from components.sections import render_sections
from components.tables import show_table
from parley.commitment_charts import by_party_in_view, by_round_in_view, steps_chart_in_view
from parley.commitments import apply_commitments, as_of, history_in_view, latest_in_view
from parley.filters import format_date

ds = get_dataset()
f = current_filters(ds)
events = apply_commitments(ds.commitments, f)
described = filters_text(ds, f)
show_header(
    "Commitments",
    "Was what they agreed actually done? Each agreed item followed from the round to its latest reported status.",
    described,
    ds,
)
if ds.commitments.empty:
    st.info(
        "No commitments are coded in this dataset yet: they come with a data release.", icon=":material/description:"
    )
    st.stop()
if events.empty:
    show_empty("commitments")
    st.stop()

latest = latest_in_view(ds.commitments, events)
until = as_of(ds.date_span[1], f)
st.caption(
    f"Status as of {format_date(until)}, on the Peace Accords Matrix scale: 0 not started, 1 minimal, "
    "2 intermediate, 3 full; violated and lapsed lie off it. A step past 'not started' is recorded only where a "
    "source reports it; with no report the commitment stays 'not started'."
)
cols = st.columns(4)
cols[0].metric("Commitments in view", f"{len(latest):,}")
cols[1].metric("Carried out in full", f"{int(latest['is_full'].sum()):,}")
cols[2].metric("Share in full", f"{latest['is_full'].mean():.0%}")
cols[3].metric("Violated or lapsed", f"{int(latest['is_broken'].sum()):,}")

section, body = render_sections(page_at("commitments"))
with body:
    if section == "status":
        show_chart(
            steps_chart_in_view(ds.commitments, events, until, ds.labels.get("commitment_status", {})),
            title="Each commitment's status over time",
            page="commitments",
            ds=ds,
            filters_text=described,
            key="commitments.steps",
        )
        st.caption(
            "One row per commitment, oldest round first. Each bar runs from a reported status to the next; darker "
            "blue is further up the scale, red (a cross) violated, orange (a square) lapsed. A hollow point is a "
            "low-confidence event."
        )
    elif section == "by-round":
        rounds, chart = by_round_in_view(ds.commitments, events)
        show_chart(
            chart,
            title="Commitments carried out in full, by round",
            page="commitments",
            ds=ds,
            filters_text=described,
            key="commitments.by_round",
        )
        show_table(
            rounds,
            page="commitments",
            name="by_round",
            ds=ds,
            key="commitments.by_round_table",
            columns={
                "talk_title": "Round",
                "round_date": "Date",
                "n_commitments": "Commitments",
                "n_full": "In full",
                "n_broken": "Violated or lapsed",
                "share_full": "Share in full",
            },
            column_config={"Share in full": st.column_config.NumberColumn("Share in full", format="percent")},
        )
    elif section == "by-party":
        parties, chart = by_party_in_view(ds.commitments, events, ds.labels.get("actor", {}), f.parties)
        st.caption("A commitment counts for every party at its round's table (mediators and hosts are not parties).")
        show_chart(
            chart,
            title="Commitments carried out in full, by party at the table",
            page="commitments",
            ds=ds,
            filters_text=described,
            key="commitments.by_party",
        )
        show_table(
            parties,
            page="commitments",
            name="by_party",
            ds=ds,
            key="commitments.by_party_table",
            columns={
                "party_name": "Party",
                "n_commitments": "Commitments",
                "n_full": "In full",
                "n_broken": "Violated or lapsed",
                "share_full": "Share in full",
            },
            column_config={"Share in full": st.column_config.NumberColumn("Share in full", format="percent")},
        )
    elif section == "list":
        show_table(
            latest,
            page="commitments",
            name="commitments",
            ds=ds,
            key="commitments.table",
            # Ids and round names link to their record pages (show_table does it for every id column).
            columns={
                "item_id": "Item",
                "summary": "Commitment",
                "talk_title": "Round",
                "round_date": "Agreed",
                "issue_label": "Issue",
                "party_names": "Parties",
                "status_label": "Status",
                "level": "Level (0–3)",
                "date": "Since",
                "confidence": "Confidence",
                "n_events": "Events",
            },
        )
    else:
        show_table(
            history_in_view(ds.commitments, events),
            page="commitments",
            name="events",
            ds=ds,
            key="commitments.events",
            columns={
                "event_id": "Event",
                "item_id": "Item",
                "date": "Date",
                "status_label": "Status",
                "level": "Level (0–3)",
                "confidence": "Confidence",
                "note": "Note",
                "summary": "Commitment",
                "source_ids": "Source ids",
            },
        )
