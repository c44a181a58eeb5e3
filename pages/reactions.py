"""International reactions: how did third states and organisations react, and who lines up where?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.tables import show_table
from parley.aggregate import actor_ranking, count_by, monthly_counts
from parley.charts import actor_ranking_chart, monthly_chart, stance_counts_chart
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
    reactions.sort_values("date", ascending=False),
    page="reactions",
    name="reactions",
    ds=ds,
    key="reactions.table",
    columns={
        "date": "Date",
        "actor_name": "Actor",
        "speaker_name": "Speaker",
        "event": "Answers",
        "stance_label": "Stance",
        "summary": "Summary",
        "confidence": "Confidence",
        "disputed": "Disputed",
        "n_sources": "Sources",
        "notes": "Provenance notes",
        "source_ids": "Source ids",
    },
)
show_flag_legend()
