"""Overview: where do the talks stand in the chosen window?"""

import streamlit as st

from components.briefing import cite, show_metric
from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.registry import page_at
from components.sections import render_sections
from components.tables import show_table
from parley import coverage, gaps
from parley.aggregate import key_figures, round_marks
from parley.charts import timeline_chart
from parley.commitments import apply_commitments
from parley.digest import changes_since, since_choices
from parley.filters import format_date
from parley.plans import plans_in_view
from parley.recent import shared_frame
from parley.records import LINK_DISPLAY
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

record_end = coverage.last_day(ds)
figures = key_figures(view.talks, view.items, view.positions, view.reactions, record_end)
c1, c2, c3, c4, c5 = st.columns([1, 1.5, 1, 1.3, 1.3])
show_metric(
    c1,
    "Rounds held",
    figures.rounds_held,
    help="Rounds, summits and envoy meetings that took place in the window.",
)
show_metric(
    c2,
    "Latest round",
    format_date(figures.latest_date),
    help="No round in the window.",
    detail=figures.latest_title or "",
)
show_metric(
    c3,
    "Days since",
    "—" if figures.days_since_latest is None else f"{figures.days_since_latest:,}",
    help=f"Days from the end of the latest round in the window to the last date in the record "
    f"({format_date(record_end)}), not to today: the record is coded from news and ends there.",
)
show_metric(
    c4,
    "Prisoners agreed per side",
    f"{figures.prisoners_per_side:,}",
    help="Sum of prisoner exchanges agreed at rounds in the window, counted per side (bodies excluded).",
)
show_metric(
    c5,
    "Positions · reactions",
    f"{figures.positions} · {figures.reactions}",
    help="Coded party positions and international reactions in the window.",
)
cite(view.talks, view.items, view.positions, view.reactions)  # the briefing pack cites what the figures count
if figures.latest_title:
    st.caption("Latest round: " + escape_markdown(figures.latest_title))

section, body = render_sections(page_at("overview"))
with body:
    if section == "gap":
        st.subheader("How far apart: Russia and Ukraine on the core issues")
        placed = gaps.placed(view.positions, ds.issue_options)
        now = gaps.reference_day(placed, f.end)
        table = gaps.gap_table(placed, ds.issue_options, ("RUS", "UKR"), now, gaps.days_before(now, 90))
        lines = gaps.core_summary(table, ds.labels["issue"])
        show_table(
            lines,
            page="overview",
            name="gap on the core issues",
            ds=ds,
            key="overview.gaps",
            columns={
                "issue_label": "Issue",
                "gap": "Gap",
                "change": "Change over 90 days",
                "a_option": "Russia's latest option",
                "b_option": "Ukraine's latest option",
                "caution": "Flag",
            },
        )
        st.caption(
            f"As of {format_date(now) if now is not None else '—'}: each side's latest statement placed on the "
            "issue's scale (the Positions page shows the scales, the statements and the gap over time). A gap counts "
            "the steps between the two options on a scale of ordered options, not a distance."
        )
    elif section == "changes":
        st.subheader("What changed")
        choices = since_choices(view.talks, record_end)
        if choices:
            since_label = st.radio("Since", list(choices), horizontal=True, key="overview.since")
            since = choices[since_label]
            changes = changes_since(
                view.talks,
                view.positions,
                view.reactions,
                plans_in_view(ds, f).plans,
                since,
                shared_frame(ds.commitments, apply_commitments(ds.commitments, f)),
            )
            if changes.empty:
                st.caption(f"Nothing in this view is dated after {format_date(since)}.")
            else:
                show_table(
                    changes,
                    page="overview",
                    name="changes",
                    ds=ds,
                    key="overview.changes",
                    columns={
                        "date": "Date",
                        "kind": "Kind",
                        "who": "Who",
                        "what": "What",
                        "before": "Before",
                        "after": "Now",
                        "flags": "Flags",
                        "record": "Record",
                    },
                    column_config={
                        "Record": st.column_config.LinkColumn("Record", display_text=LINK_DISPLAY, alignment="left")
                    },
                )
                st.caption(
                    f"Dated after {format_date(since)}: new rounds, positions that open a party's record on an "
                    "issue or change its stance or option (before → now), reactions, plans, and commitments whose "
                    "status changed. Restatements are left out."
                )
            show_flag_legend()
    elif section == "activity":
        if not view.talks.empty:
            show_chart(
                timeline_chart(round_marks(view.talks), ds.labels["talk_format"]),
                title="Rounds over time",
                page="overview",
                ds=ds,
                filters_text=described,
                key="overview.timeline",
            )
        show_chart(
            coverage.monthly_chart(ds),
            title="Records per month",
            page="overview",
            ds=ds,
            filters_text="the whole record (filters do not apply)",
            key="overview.coverage",
        )
        st.caption(
            "How many records the data holds per month, whatever the filters: "
            + escape_markdown(coverage.spans_text(ds))
            + ". An empty stretch means nothing was coded then, not that nothing happened."
        )
