"""Timeline of talks: when did the parties meet, where, in what format, who led, who mediated, what came out?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import K_ROUND, current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header, show_text
from components.record import record_link
from components.registry import page_at
from components.rounds import render_round_picker, render_zoom
from components.sections import render_sections
from components.tables import show_table
from parley.aggregate import cities_by_rounds, newest_first, round_marks, rounds_in, rounds_starting_in
from parley.charts import timeline_chart, timeline_figure
from parley.filters import Filters, format_date
from parley.round_detail import round_detail
from parley.text import escape_markdown
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
view = apply_view(ds, f)
described = filters_text(ds, f)
show_header(
    "Timeline of talks",
    "When did the parties meet, in what format, who led, who mediated and what came out of it?",
    described,
    ds,
)
if view.talks.empty:
    show_empty("rounds")
    st.stop()

formats = ds.labels["talk_format"]
city = st.selectbox(
    "Highlight a city",
    cities_by_rounds(view.talks),
    index=None,
    key="timeline.city",
    placeholder="None (e.g. Istanbul)",
    help="Rounds held in the city are drawn as large diamonds.",
)
chart_area = st.container()  # the zoom slider sits under the chart it narrows, but is read first
window = render_zoom(view.talks, key="timeline.zoom")
marks = round_marks(rounds_starting_in(view.talks, window))
with chart_area:
    event = show_chart(
        timeline_figure(
            marks,
            formats,
            highlight=rounds_in(view.talks, city),
            selected=st.session_state.get(K_ROUND),
            window=window,
        ),
        title="Rounds by format",
        page="timeline",
        ds=ds,
        filters_text=f"{described} · shown: {format_date(window[0])} – {format_date(window[1])}",
        key="timeline.chart",
        export=lambda: timeline_chart(marks, formats, window),
        on_select=True,
    )
st.caption(
    "Hover a point for venue, mediators and delegation heads; click it to open the round below. "
    "Move the zoom slider's ends to narrow the span; direct Istanbul rounds sit in the 'direct bilateral' lane."
)

talk_id = render_round_picker(ds, view.talks, event)

section, body = render_sections(page_at("timeline"))
with body:
    if section == "round":
        if talk_id is None:
            st.caption(
                "Choose a round in 'Open a round' above, or click its point on the chart, to see its participants, "
                "outcome, agreed items, linked positions and reactions, and sources."
            )
        else:
            # Everything linked to the round, whatever the other filters, but "Hide low-confidence records" holds
            # here too.
            detail = round_detail(ds, talk_id, f.hide_low)
            talk = detail.talk
            round_view = Filters(hide_low=f.hide_low, talk=talk_id)  # what the round's tables and CSV names follow
            st.header(escape_markdown(talk["title"]), anchor=False)
            st.caption(
                escape_markdown(
                    f"{format_date(talk['start_date'])} – {format_date(talk['end_date'])} · {talk['city']}"
                    f"{' · ' + talk['venue'] if talk['venue'] else ''} · {talk['format_label']} · confidence "
                    f"{talk['confidence']}{' · ' + talk['flags'] if talk['flags'] else ''}"
                )
            )
            show_text(talk["outcome"])
            record_link(
                talk_id, "Everything about this round, with every source and linked record", key_icon=":material/link:"
            )
            if talk["notes"]:
                st.caption("Note: " + escape_markdown(talk["notes"]))
            show_table(
                detail.participants,
                page="timeline",
                name=f"{talk_id} participants",
                ds=ds,
                key="timeline.participants",
                view=round_view,
                columns={
                    "actor_name": "Participant",
                    "role": "Role",
                    "head_name": "Delegation head",
                    "notes": "Notes",
                },
                links={"actor_name": "actor_id", "head_name": "delegation_head_id"},
            )
            st.subheader("Agreed items")
            if f.hide_low:
                st.caption("Low-confidence items, positions and reactions of this round are hidden (sidebar filter).")
            if detail.items.empty:
                st.caption("No agreed items recorded for this round.")
            else:
                show_table(
                    detail.items,
                    page="timeline",
                    name=f"{talk_id} agreed items",
                    ds=ds,
                    key="timeline.items",
                    view=round_view,
                    columns={
                        "item_id": "Record",
                        "issue_label": "Issue",
                        "summary": "What was agreed",
                        "quantity": "Quantity",
                        "quantity_unit": "Unit",
                        "status": "Status",
                        "confidence": "Confidence",
                    },
                )
            st.subheader("Positions and reactions linked to this round")
            show_table(
                detail.positions,
                page="timeline",
                name=f"{talk_id} positions",
                ds=ds,
                key="timeline.positions",
                view=round_view,
                columns={
                    "position_id": "Record",
                    "date": "Date",
                    "actor_name": "Party",
                    "issue_label": "Issue",
                    "stance_label": "Stance",
                    "summary": "Summary",
                    "flags": "Flags",
                },
            )
            show_table(
                detail.reactions,
                page="timeline",
                name=f"{talk_id} reactions",
                ds=ds,
                key="timeline.reactions",
                view=round_view,
                columns={
                    "reaction_id": "Record",
                    "date": "Date",
                    "actor_name": "Actor",
                    "stance_label": "Stance",
                    "summary": "Summary",
                    "flags": "Flags",
                },
            )
            st.subheader("Sources")
            show_table(
                detail.sources,
                page="timeline",
                name=f"{talk_id} sources",
                ds=ds,
                key="timeline.sources",
                view=round_view,
                columns={
                    "source_id": "Record",
                    "outlet": "Outlet",
                    "title": "Title",
                    "url": "URL",
                    "source_type": "Type",
                    "reliability_notes": "Reliability notes",
                },
                column_config={"URL": st.column_config.LinkColumn("URL")},
            )
            show_flag_legend()  # the round's caption and its positions and reactions carry flags too
    else:
        st.subheader("All rounds in the window")
        show_table(
            newest_first(view.talks, "start_date"),
            page="timeline",
            name="rounds",
            ds=ds,
            key="timeline.rounds",
            columns={
                "start_date": "Start",
                "title": "Round",
                "format_label": "Format",
                "city": "City",
                "mediators": "Mediators",
                "parties": "Parties",
                "confidence": "Confidence",
                "flags": "Flags",
                "outcome": "Outcome",
                "delegation_heads": "Delegation heads",
                "end_date": "End",
                "venue": "Venue",
                "prisoners_per_side": "Prisoners agreed per side",
                "origin": "Origin",
            },
            links={"title": "talk_id"},
        )
        show_flag_legend()
