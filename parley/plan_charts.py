"""Peace-plan charts: the issue x plan matrix and the two-plan comparison, as plain Vega-Lite specs.

Colour means one thing here: the place on the issue's scale, from Ukraine's end (rank 1) to Russia's end (highest
rank), in palette.SCALE_COLOURS. A point that fits no option is drawn hollow; a disputed or low-confidence cell gets
a dashed dark outline and a "!" before its text, so it is never drawn as plain fact.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd

from parley import palette
from parley.charts import _CONFIG, FIT_WIDTH, PADDING, SCHEMA, _field, _tooltip, _values, container_share
from parley.filters import dates_text
from parley.loading import Dataset
from parley.plans import PlanView, compare_plans, comparison_marks, once_per_view, plan_matrix

# Below this width per plan column, option labels cannot be read: the cell shows its rank ("2/5") instead; below
# MIN_RANK_BAND (a phone) not even that, and only the "!" of a doubtful cell stays.
MIN_LABEL_BAND = 84
MIN_RANK_BAND = 30
CAUTION_MARK = "! "
OFF_SCALE_TEXT = "off the scale"
_DARK = "datum.share != null && (datum.share <= 0.2 || datum.share >= 0.8)"  # white text on the saturated ends


def scale_legend(title: str = "Place on the issue's scale") -> dict:
    """A gradient from Ukraine's end to Russia's end; the ends are named, the middle only marked."""
    return {
        "title": title,
        "values": [0, 0.5, 1],
        # Our own words only: no data text ever goes into an expression.
        "labelExpr": "datum.value == 0 ? \"Ukraine's end\" : datum.value == 1 ? \"Russia's end\" : 'middle'",
        "gradientLength": 180,
    }


def _share_colour(title: str = "Place on the issue's scale") -> dict:
    return _field(
        "share",
        "Q",
        title,
        scale={"domain": [0, 1], "range": list(palette.SCALE_COLOURS)},
        legend=scale_legend(title),
    )


def _unique_labels(titles: list[str], months: list[str], ids: list[str]) -> list[str]:
    """Column names for the plans: title and month; two plans that would share one get their id added."""
    per_plan: dict[str, str] = {}
    for title, month, plan in zip(titles, months, ids, strict=True):
        per_plan.setdefault(plan, f"{title} ({month})")
    taken = Counter(per_plan.values())
    unique = {plan: label if taken[label] == 1 else f"{label} [{plan}]" for plan, label in per_plan.items()}
    return [unique[plan] for plan in ids]


def _matrix_frame(cells: pd.DataFrame) -> pd.DataFrame:
    """The chart's rows, built in Python: plans x issues cells, where each pandas step cost more than the row."""
    caution = [bool(c) for c in cells["caution"].tolist()]
    ranks, sizes = cells["option_rank"].tolist(), cells["scale_size"].tolist()
    presented = pd.Series(cells["presented"].to_numpy(), dtype=cells["presented"].dtype)
    ranked = [not pd.isna(r) for r in ranks]
    rank_text = [f"{_count_text(r)}/{_count_text(n)}" for r, n in zip(ranks, sizes, strict=True)]
    labels = [str(v) if k else OFF_SCALE_TEXT for v, k in zip(cells["option_label"].tolist(), ranked, strict=True)]
    prefix = [CAUTION_MARK if c else "" for c in caution]
    ids = [str(v) for v in cells["plan_id"].tolist()]
    titles = [str(v) for v in cells["plan_title"].tolist()]
    months = [str(m) for m in dates_text(presented, "%b %Y").tolist()]
    text = {c: [str(v) for v in cells[c].tolist()] for c in ("issue_label", "summaries", "confidence", "flags")}
    return pd.DataFrame(
        {
            "plan": pd.Series(_unique_labels(titles, months, ids), dtype="str"),
            "plan_title": pd.Series(titles, dtype="str"),
            "when": dates_text(presented),
            "issue_label": pd.Series(text["issue_label"], dtype="str"),
            "option": pd.Series(labels, dtype="str"),
            "rank_text": pd.Series([t if k else "—" for t, k in zip(rank_text, ranked, strict=True)], dtype="str"),
            "share": cells["share"].astype("Float64").reset_index(drop=True),
            "summaries": pd.Series(text["summaries"], dtype="str"),
            "confidence": pd.Series(text["confidence"], dtype="str"),
            "flags": pd.Series(text["flags"], dtype="str"),
            "caution": pd.Series(caution, dtype=bool),
            "text": pd.Series([p + label for p, label in zip(prefix, labels, strict=True)], dtype="str"),
            "short": pd.Series(
                [p + (t if k else "–") for p, t, k in zip(prefix, rank_text, ranked, strict=True)], dtype="str"
            ),
            "mark": pd.Series(["!" if c else "" for c in caution], dtype="str"),
        }
    )


def _count_text(value: object) -> str:
    """An Int64 cell as text, as pandas writes it (a missing one as <NA>)."""
    return "<NA>" if pd.isna(value) else str(int(value))


def plan_matrix_chart(cells: pd.DataFrame, issue_order: list[str] | None = None) -> dict:
    """Issue x plan grid: each cell coloured by where the plan's point sits on the issue's scale.

    `cells` is parley.plans.plan_matrix (at most plans x issues rows); `issue_order` lists issue labels top down."""
    frame = _matrix_frame(cells)
    # Oldest plan on the left: the grid reads as the texts followed one another.
    order = pd.to_datetime(cells["presented"]).reset_index(drop=True).argsort(kind="stable")
    plan_order = list(dict.fromkeys(frame["plan"].iloc[order]))
    issues = issue_order or list(dict.fromkeys(frame["issue_label"]))
    n_plans = max(len(plan_order), 1)
    axes = {
        "x": _field(
            "plan",
            "N",
            None,
            sort=plan_order,
            # Upright labels take no width beside the grid (slanted ones did, and squeezed it on a phone).
            axis={"orient": "top", "labelAngle": -90, "labelLimit": 150, "grid": False, "labelAlign": "left"},
        ),
        "y": _field("issue_label", "N", None, sort=issues, axis={"grid": False, "labelLimit": 130}),
    }
    tooltip = _tooltip(
        ("plan_title", "Plan", "N"),
        ("when", "Presented", "N"),
        ("issue_label", "Issue", "N"),
        ("option", "Option", "N"),
        ("rank_text", "Rank (1 = Ukraine's end)", "N"),
        ("summaries", "Provisions", "N"),
        ("confidence", "Confidence", "N"),
        ("flags", "Flags", "N"),
    )
    # A dashed dark outline on every cell a reader must not take at face value, whatever its fill.
    # (strokeDash as an encoding channel is dropped for rect marks, so it is a per-datum mark expression.)
    outline = {"stroke": {"condition": {"test": "datum.caution", "value": "#222222"}, "value": "white"}}
    dashed = {"expr": "datum.caution ? [5, 3] : [1, 0]"}
    ranked_cells = {
        "transform": [{"filter": "datum.share != null"}],
        "mark": {"type": "rect", "strokeWidth": 2, "strokeDash": dashed},
        "encoding": {**axes, "color": _share_colour(), "tooltip": tooltip, **outline},
    }
    off_scale_cells = {
        "transform": [{"filter": "datum.share == null"}],
        "mark": {"type": "rect", "strokeWidth": 2, "fill": palette.OFF_SCALE, "strokeDash": dashed},
        "encoding": {
            **axes,
            "tooltip": tooltip,
            "stroke": {"condition": {"test": "datum.caution", "value": "#222222"}, "value": "#999999"},
        },
    }
    band = f"width / {n_plans}"
    wide, mid = f"{band} >= {MIN_LABEL_BAND}", f"{band} >= {MIN_RANK_BAND} && {band} < {MIN_LABEL_BAND}"
    text_colour = {"condition": {"test": _DARK, "value": "white"}, "value": "#222222"}

    def text_layer(field: str, show_when: str) -> dict:
        return {
            "mark": {
                "type": "text",
                "fontSize": 10,
                "limit": {"expr": f"max(width / {n_plans} - 8, 0)"},
                "opacity": {"expr": f"{show_when} ? 1 : 0"},
            },
            "encoding": {**axes, "text": _field(field, "N", None), "color": text_colour, "tooltip": tooltip},
        }

    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": 34},
        "data": {"values": _values(frame)},
        "layer": [
            ranked_cells,
            off_scale_cells,
            text_layer("text", wide),
            text_layer("short", mid),
            text_layer("mark", f"{band} < {MIN_RANK_BAND}"),
        ],
    }


def comparison_chart(marks: pd.DataFrame, title_a: str, title_b: str, issue_order: list[str] | None = None) -> dict:
    """Where plans A and B sit on each shared issue's scale (0 = Ukraine's end, 1 = Russia's end): a line from A's
    point (hollow) to B's (filled). `marks` is parley.plans.comparison_marks: one row per plan on a scale."""
    frame = marks[["issue_label", "side", "option_label", "rank", "scale_size", "share", "flags", "verdict"]].copy()
    frame["plan"] = frame["side"].map({"A": f"A: {title_a}", "B": f"B: {title_b}"})
    frame["rank_text"] = (
        frame["rank"].astype("Int64").astype(str) + "/" + frame["scale_size"].astype("Int64").astype(str)
    )
    frame["caution"] = marks["caution"].astype(bool)
    frame["share"] = frame["share"].astype("Float64")
    issues = [i for i in (issue_order or list(dict.fromkeys(frame["issue_label"]))) if i in set(frame["issue_label"])]
    x = _field(
        "share",
        "Q",
        None,
        scale={"domain": [0, 1]},
        axis={
            "values": [0, 0.5, 1],
            "labelExpr": "datum.value == 0 ? \"Ukraine's end\" : datum.value == 1 ? \"Russia's end\" : 'middle'",
            "grid": True,
        },
    )
    y = _field("issue_label", "N", None, sort=issues, axis={"grid": False, "labelLimit": 130})
    tooltip = _tooltip(
        ("plan", "Plan", "N"),
        ("issue_label", "Issue", "N"),
        ("option_label", "Option", "N"),
        ("rank_text", "Rank (1 = Ukraine's end)", "N"),
        ("verdict", "B against A", "N"),
        ("flags", "Flags", "N"),
    )
    plans = [f"A: {title_a}", f"B: {title_b}"]
    # A a little above B in each issue's row: two plans on the same option stay two visible points.
    offset = _field("side", "N", None, scale={"domain": ["A", "B"], "paddingOuter": 0.8})
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": 38 * max(len(issues), 1),  # a fixed height per issue: a step would count the A/B offsets
        "autosize": FIT_WIDTH,  # the legend below adds to that height instead of squeezing the rows
        "data": {"values": _values(frame)},
        "layer": [
            {
                "mark": {"type": "line", "color": "#888888", "strokeWidth": 2},
                "encoding": {"x": x, "y": y, "yOffset": offset, "detail": _field("issue_label", "N", None)},
            },
            {
                "mark": {
                    "type": "point",
                    "filled": True,
                    "opacity": 1,
                    "size": 110,
                    "strokeWidth": 2,
                    "stroke": "#222222",
                },
                "encoding": {
                    "x": x,
                    "y": y,
                    "yOffset": offset,
                    # Hollow for A, filled for B: the legend below names them, and colour stays free for the scale.
                    "fill": _field(
                        "plan",
                        "N",
                        None,
                        scale={"domain": plans, "range": ["white", "#222222"]},
                        # One plan per line: two long titles side by side would be wider than a phone.
                        # On a phone the titles are cut shorter: the legend starts where the plot does, after
                        # the issue names (the whole titles are in the tooltips and the page's plan choosers).
                        legend={
                            "orient": "bottom",
                            "direction": "vertical",
                            "columns": 1,
                            "labelLimit": container_share(0.55, 120, 230, 230),
                        },
                    ),
                    "tooltip": tooltip,
                },
            },
            {
                "transform": [{"filter": "datum.caution"}],
                "mark": {"type": "text", "text": "!", "dy": -12, "fontWeight": "bold", "color": "#222222"},
                "encoding": {"x": x, "y": y, "yOffset": offset},
            },
        ],
    }


def matrix_view(ds: Dataset, view: PlanView, issue_order: list[str]) -> dict | None:
    """The matrix chart of the plans in view (None when no point is left to draw); built once per set of points in
    view (parley.plans.once_per_view), shared: callers must not change it."""

    def build() -> dict | None:
        cells = plan_matrix(view.provisions, ds.issue_options)
        return None if cells.empty else plan_matrix_chart(cells, issue_order)

    return once_per_view(ds, view, ("matrix", tuple(issue_order)), build)


def comparison_view(
    ds: Dataset, view: PlanView, plan_a: str, plan_b: str, issue_order: list[str]
) -> tuple[pd.DataFrame, dict | None]:
    """Plans A and B compared issue by issue and their chart on each scale (None when neither is on a scale);
    built once per set of points in view and pair, shared: callers must not change them."""

    def build() -> tuple[pd.DataFrame, dict | None]:
        comparison = compare_plans(view.provisions, plan_a, plan_b, ds.issue_options)
        marks = comparison_marks(comparison)
        if marks.empty:
            return comparison, None
        titles = dict(zip(view.plans["plan_id"], view.plans["title"].astype(str), strict=True))
        return comparison, comparison_chart(marks, titles[plan_a], titles[plan_b], issue_order)

    return once_per_view(ds, view, ("comparison", plan_a, plan_b, tuple(issue_order)), build)
