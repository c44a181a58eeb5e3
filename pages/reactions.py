"""International reactions: how did third states and organisations react, and who lines up where?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.registry import page_at
from components.sections import render_sections
from components.tables import show_table
from parley.aggregate import (
    actor_ranking,
    count_by,
    counted_reactions,
    counting_note,
    monthly_counts,
    off_map,
    reactions_by_state,
)
from parley.charts import actor_ranking_chart, monthly_chart, stance_counts_chart
from parley.geo import drawable_numeric_ids, iso3_to_numeric, world_topology
from parley.map_charts import AREAS, OUTLINES_URL, WORLD, reaction_map_chart, states_outside, with_outlines
from parley.palette import REACTION_STANCE_COLOURS
from parley.text import escape_markdown
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
reactions = apply_view(ds, f).reactions
# Page state, not the link: the shared filter object carries no page-only switches (see the caption below).
include_flagged = st.session_state.get("reactions.include_flagged", False)
described = f"{filters_text(ds, f, issue_applies=False)}; {counting_note(include_flagged)}"
show_header(
    "International reactions",
    "How did third states and organisations react, and who lines up where?",
    described,
    ds,
)
if reactions.empty:
    show_empty("reactions")
    st.stop()

st.toggle(
    "Include disputed and low-confidence reactions",
    key="reactions.include_flagged",
    help="Off: the map, counts and rankings rest on confirmed reactions only; flagged ones stay visible on the map "
    "(hollow, or marked when newer) and in the table. On: they count too, and a state takes its latest reaction "
    "whatever its flags (still drawn hollow when that reaction is flagged).",
)
stances = ds.labels["reaction_stance"]
section, body = render_sections(page_at("reactions"))
with body:
    if section == "map":
        by_actor = reactions_by_state(reactions, iso3_to_numeric, include_flagged)
        map_column, beside = st.columns([3, 1])
        with map_column:
            area = st.segmented_control("Map", list(AREAS), format_func=AREAS.get, default=WORLD, key="reactions.area")
            area = area or WORLD  # a click on the chosen option clears it: keep a map
            # The browser reads the outlines from the app's own static files; images get them inside the spec.
            chart = reaction_map_chart(by_actor, OUTLINES_URL, stances, area)
            show_chart(
                chart,
                title=f"Where reacting states stand ({AREAS[area]})",
                page="reactions",
                ds=ds,
                filters_text=described,
                key="reactions.map",
                export=lambda: with_outlines(chart, world_topology()),
            )
            st.caption(
                "A state is filled with its latest confirmed reaction in the window; one whose reactions are all "
                "disputed or low confidence has only a dashed outline, and a triangle marks a newer flagged reaction. "
                "Tiny states are dots. Hover for the statement. Outlines: Natural Earth 1:110m, shipped with the app."
            )
            outside = states_outside(by_actor, area)
            if outside:
                st.caption("Reacting states outside this view: " + escape_markdown(", ".join(outside)) + ".")
        with beside:
            st.subheader("Not on the map")
            st.caption("Organisations and blocs, with the stance the map rule gives them.")
            show_table(
                off_map(by_actor, drawable_numeric_ids()),
                page="reactions",
                name="reactions not on the map",
                ds=ds,
                key="reactions.offmap",
                columns={
                    "actor_name": "Actor",
                    "stance_label": "Stance shown",
                    "basis": "Based on",
                    "newer_flagged": "Newer flagged reaction",
                    "count": "Reactions",
                    "n_flagged": "Of them flagged",
                },
                links={"actor_name": "actor_id"},
            )
    elif section == "counts":
        counted = counted_reactions(reactions, include_flagged)
        if counted.empty:
            st.info(
                "Every reaction in the window is disputed or low confidence: switch on 'Include disputed and "
                "low-confidence reactions' to count them.",
                icon=":material/filter_alt:",
            )
        else:
            left, right = st.columns(2)
            with left:
                show_chart(
                    stance_counts_chart(count_by(counted, "stance"), stances, REACTION_STANCE_COLOURS),
                    title="Reactions by stance",
                    page="reactions",
                    ds=ds,
                    filters_text=described,
                    key="reactions.stance",
                )
            with right:
                show_chart(
                    actor_ranking_chart(actor_ranking(counted), stances),
                    title="Who reacted most",
                    page="reactions",
                    ds=ds,
                    filters_text=described,
                    key="reactions.ranking",
                )
            show_chart(
                monthly_chart(
                    monthly_counts(counted, "date", "stance"),
                    "stance",
                    stances,
                    REACTION_STANCE_COLOURS,
                    title="Reactions",
                ),
                title="Reactions over time",
                page="reactions",
                ds=ds,
                filters_text=described,
                key="reactions.monthly",
            )
    else:
        st.subheader("Reactions")
        st.caption("Every reaction in the window, flagged ones included, with their confidence and flags.")
        show_table(
            reactions,
            page="reactions",
            name="reactions",
            ds=ds,
            key="reactions.table",
            columns={
                "reaction_id": "Record",
                "date": "Date",
                "actor_name": "Actor",
                "stance_label": "Stance",
                "confidence": "Confidence",
                "disputed": "Disputed",
                "summary": "Summary",
                "speaker_name": "Speaker",
                "event": "Answers",
                "talk_title": "Round",
                "n_sources": "Sources",
                "notes": "Provenance notes",
                "source_ids": "Source ids",
                "origin": "Origin",
            },
        )
    show_flag_legend()
