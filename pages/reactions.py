"""International reactions: how did third states and organisations react, and who lines up where?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.tables import show_table
from parley.aggregate import actor_ranking, count_by, monthly_counts, newest_first, off_map, reactions_by_state
from parley.charts import actor_ranking_chart, monthly_chart, reaction_map_chart, stance_counts_chart
from parley.geo import drawable_numeric_ids, iso3_to_numeric, world_topology
from parley.palette import REACTION_STANCE_COLOURS
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
reactions = apply_view(ds, f).reactions
described = filters_text(ds, f, issue_applies=False)
show_header(
    "International reactions",
    "How did third states and organisations react, and who lines up where?",
    described,
    ds,
)
if reactions.empty:
    show_empty("reactions")
    st.stop()

stances = ds.labels["reaction_stance"]
by_actor = reactions_by_state(reactions, iso3_to_numeric)
map_column, beside = st.columns([3, 1])
with map_column:
    show_chart(
        reaction_map_chart(by_actor, world_topology(), stances),
        title="Where reacting states stand",
        page="reactions",
        ds=ds,
        filters_text=described,
        key="reactions.map",
    )
    st.caption(
        "Each state takes the colour of its latest reaction in the window; hover for the statement. "
        "Outlines: Natural Earth 1:110m, shipped with the app."
    )
with beside:
    st.subheader("Not on the map")
    st.caption("Organisations, blocs and states too small to draw at this scale.")
    show_table(
        off_map(by_actor, drawable_numeric_ids()),
        page="reactions",
        name="reactions not on the map",
        ds=ds,
        key="reactions.offmap",
        columns={"actor_name": "Actor", "stance_label": "Latest stance", "count": "Reactions", "flags": "Flags"},
        links={"actor_name": "actor_id"},
    )
left, right = st.columns(2)
with left:
    show_chart(
        stance_counts_chart(count_by(reactions, "stance"), stances, REACTION_STANCE_COLOURS),
        title="Reactions by stance",
        page="reactions",
        ds=ds,
        filters_text=described,
        key="reactions.stance",
    )
with right:
    show_chart(
        actor_ranking_chart(actor_ranking(reactions), stances),
        title="Who reacted most",
        page="reactions",
        ds=ds,
        filters_text=described,
        key="reactions.ranking",
    )

show_chart(
    monthly_chart(
        monthly_counts(reactions, "date", "stance"),
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

st.subheader("Reactions")
show_table(
    newest_first(reactions, "date"),
    page="reactions",
    name="reactions",
    ds=ds,
    key="reactions.table",
    columns={
        "reaction_id": "Record",
        "date": "Date",
        "actor_name": "Actor",
        "speaker_name": "Speaker",
        "event": "Answers",
        "talk_title": "Round",
        "stance_label": "Stance",
        "summary": "Summary",
        "confidence": "Confidence",
        "disputed": "Disputed",
        "n_sources": "Sources",
        "notes": "Provenance notes",
        "source_ids": "Source ids",
        "origin": "Origin",
    },
)
show_flag_legend()
