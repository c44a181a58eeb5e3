"""Overview: where do the talks stand in the chosen window?"""

from datetime import date

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.tables import show_table
from parley.aggregate import key_figures, latest_developments, round_marks
from parley.charts import timeline_chart
from parley.filters import format_date
from parley.text import escape_markdown
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
view = apply_view(ds, f)
described = filters_text(ds, f)
show_header("Overview", "Where do the talks stand: rounds, what they agreed and what was said since.", described, ds)
if view.is_empty:
    show_empty("rounds, positions or reactions")
    st.stop()

figures = key_figures(view.talks, view.items, view.positions, view.reactions, date.today())
c1, c2, c3, c4, c5 = st.columns([1, 1.5, 1, 1.3, 1.3])
c1.metric(
    "Rounds held",
    figures.rounds_held,
    help="Rounds, summits and envoy meetings that took place in the window.",
)
c2.metric(
    "Latest round",
    format_date(figures.latest_date),
    help=escape_markdown(figures.latest_title) if figures.latest_title else "No round in the window.",
)
c3.metric(
    "Days since",
    "—" if figures.days_since_latest is None else f"{figures.days_since_latest:,}",
    help="Days from the end of the latest round to today.",
)
c4.metric(
    "Prisoners agreed per side",
    f"{figures.prisoners_per_side:,}",
    help="Sum of prisoner exchanges agreed at rounds in the window, counted per side (bodies excluded).",
)
c5.metric(
    "Positions · reactions",
    f"{figures.positions} · {figures.reactions}",
    help="Coded party positions and international reactions in the window.",
)
if figures.latest_title:
    st.caption("Latest round: " + escape_markdown(figures.latest_title))

developments = latest_developments(view.talks, view.positions, view.reactions, n=10)
st.subheader("Latest developments")
show_table(
    developments,
    page="overview",
    name="latest developments",
    ds=ds,
    key="overview.latest",
    columns={"date": "Date", "kind": "Kind", "who": "Who", "what": "What", "flags": "Flags"},
)
show_flag_legend()

if not view.talks.empty:
    show_chart(
        timeline_chart(round_marks(view.talks), ds.labels["talk_format"]),
        title="Rounds over time",
        page="overview",
        ds=ds,
        filters_text=described,
        key="overview.timeline",
    )
