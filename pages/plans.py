"""Peace plans: where does each plan put itself on every issue, and how far apart are two plans?"""

import streamlit as st

from components.charts import show_chart
from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_flag_legend, show_header
from components.plans import render_plan_pair
from components.registry import page_at
from components.sections import render_sections
from components.tables import show_table
from parley.plan_charts import comparison_view, matrix_view
from parley.plans import plans_in_view

ds = get_dataset()
f = current_filters(ds)
view = plans_in_view(ds, f)
described = filters_text(ds, f)
show_header(
    "Peace plans",
    "Where does each plan put itself on every issue, and how far apart are two plans?",
    described,
    ds,
)
if f.formats:
    st.caption("The talk-format filter does not apply to plans: a plan is a text, not a round of talks.")
if ds.plans.empty:
    st.info(
        "No peace plans match the current filters: this dataset has no plans coded yet (they come with a data "
        "release), so widening the filters will not help.",
        icon=":material/description:",
    )
    st.stop()
if view.is_empty:
    show_empty("peace plans")
    st.stop()

issue_order = ds.issues["label"].astype(str).tolist()  # the matrix and the comparison chart
section, body = render_sections(page_at("plans"))
with body:
    if section == "matrix":
        matrix = matrix_view(ds, view, issue_order)
        if matrix is None:
            st.info(
                "No point of the plans in view matches the filters (issue, confidence), so there is no matrix to draw.",
                icon=":material/search:",
            )
        else:
            show_chart(
                matrix,
                title="Where each plan stands, issue by issue",
                page="plans",
                ds=ds,
                filters_text=described,
                key="plans.matrix",
            )
            st.caption(
                "Each cell is the plan's point on the issue, coloured by its place on the issue's scale, from "
                "Ukraine's stated end (blue) to Russia's (red); the ranks give an order, not a distance. Where a plan "
                "has several points on one issue, the lowest-numbered point that fits an option decides the colour "
                "and all are listed on hover. White: the point fits no option on the scale. '!' and a dashed outline: "
                "a low-confidence or disputed point."
            )
    elif section == "compare":
        if len(view.plans) < 2:
            st.info(
                "Only one plan is in view, so there is nothing to compare it with. Widen the filters.",
                icon=":material/search:",
            )
        else:
            plan_a, plan_b = render_plan_pair(ds, view)
            if plan_a == plan_b:
                st.info("Choose two different plans.", icon=":material/compare_arrows:")
            else:
                comparison, chart = comparison_view(ds, view, plan_a, plan_b, issue_order)
                st.caption(
                    "One row per issue either plan has a point on. Steps count places on the issue's scale from A's "
                    "option to B's: toward Ukraine's end or toward Russia's."
                )
                show_table(
                    comparison,
                    page="plans",
                    name="comparison",
                    ds=ds,
                    key="plans.comparison",
                    # The verdict right after the issue: on a phone only the first columns are in view.
                    columns={
                        "issue_label": "Issue",
                        "verdict": "B against A",
                        "option_a": "Option in A",
                        "option_b": "Option in B",
                        "rank_a": "Rank in A",
                        "rank_b": "Rank in B",
                        "steps": "Steps (B − A)",
                        "scale_size": "Options on the scale",
                        "summary_a": "A's points",
                        "summary_b": "B's points",
                        "flags_a": "Flags A",
                        "flags_b": "Flags B",
                    },
                )
                if chart is not None:
                    show_chart(
                        chart,
                        title="The two plans on each issue's scale",
                        page="plans",
                        ds=ds,
                        filters_text=described,
                        key="plans.comparison_chart",
                    )
    elif section == "provisions":
        show_table(
            view.provisions,
            page="plans",
            name="provisions",
            ds=ds,
            key="plans.provisions",
            columns={
                "plan_title": "Plan",
                "presented": "Presented",
                "point": "Point",
                "issue_label": "Issue",
                "option_label": "Option",
                "option_rank": "Rank",
                "summary": "Summary",
                "confidence": "Confidence",
                "flags": "Flags",
                "n_sources": "Sources",
                "notes": "Provenance notes",
                "source_ids": "Source ids",
            },
        )
    else:
        show_table(
            view.plans,
            page="plans",
            name="plans",
            ds=ds,
            key="plans.plans",
            columns={
                "title": "Plan",
                "proposer_names": "Proposed by",
                "presented": "Presented",
                "status_label": "Status",
                "superseded_by_title": "Superseded by",
                "n_provisions": "Points coded",
                "confidence": "Confidence",
                "flags": "Flags",
                "n_sources": "Sources",
                "notes": "Provenance notes",
                "source_ids": "Source ids",
            },
        )
    show_flag_legend()  # every section shows flags: marks on the matrix, a Flags column in the tables
