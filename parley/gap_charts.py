"""Charts of how far apart the parties are: options over time on each issue's scale, the gap now, the gap over time.

Each builder takes an aggregate from parley.gaps and returns a plain Vega-Lite spec. Colours are the parties' own
(parley.palette), so a party looks the same here as everywhere else; plans are drawn in black, never in a party's
colour; the gap over time uses no hue at all (the page already spends hues on parties and stances). Disputed and
low-confidence records are drawn hollow: visible, never shown as solid fact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parley import palette
from parley.charts import _CONFIG, PADDING, SCHEMA, _field, _tooltip, _values, container_share, time_axis
from parley.filters import DATE_FORMAT, dates_text
from parley.memo import per_dataset
from parley.recent import per_selection

PLAN_COLOUR = palette.PLAN_COLOUR
GAP_COLOUR = "#555555"  # the gap is one quantity, drawn in one neutral colour: its thickness says how wide it is
GAP_SIZES = (2, 22)  # bar thickness in pixels for no gap and for the whole scale
ISSUE_TITLE_CHARS = 40
ROW_HEIGHT = 26
HEADING = "§"  # starts the row key of an issue's heading row: our own key, never data text; its axis label is blank
ZERO_WIDTH = "\u200b"  # added to an option's words that another scale also uses, so the two stay two rows


def _party_scale(names: dict[str, str]) -> dict:
    return {"domain": list(names.values()), "range": [palette.party_colour(a) for a in names]}


@per_dataset
def _rows(options: pd.DataFrame, issues: tuple[str, ...]) -> tuple[list[str], dict[tuple[str, str], str], list[dict]]:
    """The rows of the chart, top down: each issue's heading row, then its options from Ukraine's end to Russia's.
    Returns the row keys in order, the key of each (issue, option) and the heading rows with their issue names.
    Once per loaded table of options and set of issues drawn: shared, callers must not change it."""
    order: list[str] = []
    keys: dict[tuple[str, str], str] = {}
    headings: list[dict] = []
    for n, issue in enumerate(issues):
        scale = options[options["issue_id"].astype(str) == issue].sort_values("rank")
        heading = f"{HEADING}{n}"
        order.append(heading)
        headings.append({"row": heading, "issue_label": str(scale["issue_label"].iloc[0])[:ISSUE_TITLE_CHARS]})
        for label in scale["label"].astype(str):
            key = ZERO_WIDTH + label if label.startswith(HEADING) else label
            while key in keys.values():
                key += ZERO_WIDTH
            keys[(issue, label)] = key
            order.append(key)
    return order, keys, headings


@per_selection
def option_path_chart(
    path: pd.DataFrame,
    plan_marks: pd.DataFrame,
    options: pd.DataFrame,
    parties: dict[str, str],
    *,
    binned: bool = False,
) -> dict:
    """Each party's option over time on each issue's scale, as steps (Ukraine's end at the top of each issue), plans
    as black diamonds on the same scale. `path` comes from gaps.option_path, `plan_marks` holds plan provisions with
    an option (presented, plan_title, issue_id, option_label, summary, caution), `parties` maps the drawn actor ids
    to names in legend order.

    One chart as wide as its container, each issue a block of rows under its name: small charts side by side or one
    above the other need a fixed width, and at 520 pixels they ran off a phone's screen, legend and all."""
    path = path.assign(when=dates_text(path["date"]))
    plans = plan_marks.assign(when=dates_text(plan_marks["presented"]))
    on_path = set(path["issue_id"])
    shown_issues = [i for i in dict.fromkeys(options["issue_id"].astype(str)) if i in on_path]
    order, keys, headings = _rows(options, tuple(shown_issues))
    path["row"] = [keys.get((i, o), o) for i, o in zip(path["issue_id"], path["option_label"], strict=True)]
    plans["row"] = [keys.get((i, o), o) for i, o in zip(plans["issue_id"], plans["option_label"], strict=True)]
    plans = plans[plans["issue_id"].isin(shown_issues)]
    start = min([path["date"].min(), *([plans["presented"].min()] if len(plans) else [])])
    end = max([path["date"].max(), *([plans["presented"].max()] if len(plans) else [])])
    x_scale = {"domain": [start.strftime("%Y-%m-%d"), (end + pd.Timedelta(days=20)).strftime("%Y-%m-%d")]}
    colour = _field("actor_name", "N", "Party", scale=_party_scale(parties))
    point_tip = _tooltip(
        ("actor_name", "Party", "N"),
        ("when", "Date" if not binned else "Month", "N"),
        ("option_label", "Option", "N"),
        ("summary", "Summary", "N"),
        ("flags", "Flags", "N"),
    )
    heading_row = f"indexof(datum.value, '{HEADING}') == 0"
    y = {
        "field": "row",
        "type": "ordinal",
        "title": None,
        "scale": {"domain": order},
        "axis": {
            # An option's words take at most 45% of the width (the whole option is in the points' tooltips).
            "labelLimit": container_share(0.45, 90, 220, 220),
            "labelExpr": f"{heading_row} ? '' : datum.label",
            "grid": True,
            "gridOpacity": {"condition": {"test": heading_row, "value": 0}, "value": 1},
            "tickOpacity": {"condition": {"test": heading_row, "value": 0}, "value": 1},
        },
    }
    axis = time_axis(start, end)
    # The time axis above and below the rows: the chart is tall. Two layers carry an axis, the others none.
    x_top = _field("date", "T", None, scale=x_scale, axis={**axis, "orient": "top"})
    x_bottom = _field("date", "T", None, scale=x_scale, axis={**axis, "orient": "bottom"})
    x_plain = _field("date", "T", None, scale=x_scale, axis=None)
    layers = [
        {
            "data": {"name": "path"},
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2, "opacity": 0.7},
            "encoding": {"x": x_top, "y": y, "color": colour, "detail": [{"field": "actor_id"}, {"field": "issue_id"}]},
        },
        {
            "data": {"name": "path"},
            "transform": [{"filter": "!datum.caution"}],
            "mark": {"type": "point", "filled": True, "size": 70, "opacity": 1},
            "encoding": {"x": x_bottom, "y": y, "color": colour, "tooltip": point_tip},
        },
        {
            "data": {"name": "path"},
            "transform": [{"filter": "datum.caution"}],
            "mark": {"type": "point", "filled": False, "size": 70, "strokeWidth": 2, "fill": "white"},
            "encoding": {"x": x_plain, "y": y, "color": colour, "tooltip": point_tip},
        },
        {
            "data": {"name": "plans"},
            "mark": {"type": "point", "shape": "diamond", "size": 90, "color": PLAN_COLOUR, "strokeWidth": 1.5},
            "encoding": {
                "x": {**x_plain, "field": "presented"},
                "y": y,
                "fillOpacity": {"condition": {"test": "datum.caution", "value": 0}, "value": 1},
                "tooltip": _tooltip(
                    ("plan_title", "Plan", "N"),
                    ("when", "Presented", "N"),
                    ("option_label", "Option", "N"),
                    ("summary", "Provision", "N"),
                    ("flags", "Flags", "N"),
                ),
            },
        },
        {
            # Each issue's name on its heading row, from the left of the plot, cut to the plot's width.
            "data": {"values": headings},
            "mark": {
                "type": "text",
                "align": "left",
                "baseline": "middle",
                "fontSize": 13,
                "fontWeight": "bold",
                "color": "#222222",
                "limit": {"expr": "width"},
            },
            "encoding": {"x": {"value": 0}, "y": y, "text": {"field": "issue_label", "type": "nominal"}},
        },
    ]
    plan_columns = ("presented", "when", "plan_title", "issue_id", "row", "option_label", "summary", "flags", "caution")
    plan_frame = plans[[c for c in plan_columns if c in plans.columns]]
    path_frame = path[
        ["date", "when", "actor_id", "actor_name", "issue_id", "row", "option_label", "summary", "flags", "caution"]
    ]
    return {
        "$schema": SCHEMA,
        # The party legend above the rows (below, it would sit a long scroll away from the first issue).
        "config": {**_CONFIG, "legend": {**_CONFIG["legend"], "orient": "top"}},
        "padding": PADDING,
        "width": "container",
        "height": {"step": ROW_HEIGHT},
        "datasets": {"path": _values(path_frame), "plans": _values(plan_frame)},
        "layer": layers,
        "resolve": {"axis": {"x": "independent"}},
    }


@per_selection
def gap_now_chart(table: pd.DataFrame, names: tuple[str, str], colours: tuple[str, str]) -> dict:
    """Dumbbells: per issue, where each of the two parties stands on the issue's scale (0 = Ukraine's end, 1 =
    Russia's end) and the distance between them; widest gap first. `table` comes from gaps.gap_table."""
    rows = []
    for _, row in table.iterrows():
        size = int(row["scale_size"])
        for side, name in (("a", names[0]), ("b", names[1])):
            rank = row[f"{side}_rank"]
            if pd.isna(rank):
                continue
            rows.append(
                {
                    "issue_label": str(row["issue_label"]),
                    "party": name,
                    "place": (int(rank) - 1) / (size - 1) if size > 1 else 0.0,
                    "option": str(row[f"{side}_option"]),
                    "when": row[f"{side}_date"].strftime(DATE_FORMAT),
                    "gap": "unknown" if pd.isna(row["gap"]) else f"{int(row['gap'])} of {size - 1} step(s)",
                    "caution": bool(row[f"{side}_caution"]),
                }
            )
    frame = pd.DataFrame(rows, columns=["issue_label", "party", "place", "option", "when", "gap", "caution"])
    order = table["issue_label"].astype(str).tolist()
    y = _field("issue_label", "N", None, sort=order, axis={"labelLimit": 200, "grid": False})
    x = _field(
        "place",
        "Q",
        ["Place on the issue's scale", "0% = Ukraine's end, 100% = Russia's end"],
        scale={"domain": [0, 1]},
        axis={"format": ".0%", "values": [0, 0.25, 0.5, 0.75, 1]},
    )
    colour = _field("party", "N", "Party", scale={"domain": list(names), "range": list(colours)})
    tip = _tooltip(
        ("issue_label", "Issue", "N"),
        ("party", "Party", "N"),
        ("option", "Option", "N"),
        ("when", "Since", "N"),
        ("gap", "Gap", "N"),
    )
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": 34},
        "data": {"values": _values(frame)},
        "layer": [
            {
                "mark": {"type": "line", "color": "#999999", "strokeWidth": 3},
                "encoding": {"x": x, "y": y, "detail": {"field": "issue_label"}},
            },
            {
                "transform": [{"filter": "!datum.caution"}],
                "mark": {"type": "point", "filled": True, "size": 160, "opacity": 1},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tip},
            },
            {
                "transform": [{"filter": "datum.caution"}],
                "mark": {"type": "point", "filled": False, "size": 160, "strokeWidth": 2.5, "fill": "white"},
                "encoding": {"x": x, "y": y, "color": colour, "tooltip": tip},
            },
        ],
    }


@per_selection
def gap_over_time_chart(frame: pd.DataFrame, sizes: dict[str, int]) -> dict:
    """The gap between the two parties per issue over time: one row per issue, a bar from each change to the next
    whose thickness is the gap as a share of the issue's scale (so long and short scales compare). One neutral
    colour, no hue per issue: the row names the issue. `frame` comes from gaps.gap_over_time."""
    issues = frame["issue_id"].astype(str).tolist()
    gaps = frame["gap"].tolist()
    steps = [sizes.get(issue, 2) - 1 for issue in issues]
    days = frame["date"].to_numpy(dtype="datetime64[s]")
    # Each value holds until the issue's next change; the last ones until a little after the latest change.
    last = (pd.Timestamp(days.max()) if len(days) else pd.Timestamp("today")) + pd.Timedelta(days=15)
    codes = pd.factorize(frame["issue_id"])[0]
    by_issue = np.lexsort((np.arange(len(days)), codes))  # each issue's rows, in the frame's order
    same = codes[by_issue[1:]] == codes[by_issue[:-1]]
    until = np.full(len(days), np.datetime64(last, "s"))
    until[by_issue[:-1][same]] = days[by_issue[1:][same]]  # until the issue's next change
    # Rows built directly (a few hundred changes): pandas steps per column cost several times as much.
    rows = [
        {
            "date": day,
            "until": end,
            "when": when,
            "issue_label": label,
            "share": gap / n if n > 0 else 0,
            "steps": f"{gap} of {n}",
            "caution": caution,
        }
        for day, end, when, label, gap, n, caution in zip(
            np.datetime_as_string(days, unit="s").tolist(),
            np.datetime_as_string(until, unit="s").tolist(),
            dates_text(frame["date"]).tolist(),
            frame["issue_label"].astype(str).tolist(),
            gaps,
            steps,
            frame["caution"].astype(bool).tolist(),
            strict=True,
        )
    ]
    order = list(dict.fromkeys(row["issue_label"] for row in rows))
    x = _field("date", "T", None, axis=time_axis(frame["date"].min(), last))
    y = _field("issue_label", "N", None, sort=order, axis={"grid": False, "labelLimit": 200})
    size = _field(
        "share",
        "Q",
        "Gap (share of the issue's scale)",
        scale={"domain": [0, 1], "range": list(GAP_SIZES)},
        legend={"values": [0, 0.5, 1], "format": ".0%", "symbolType": "square"},
    )
    tip = _tooltip(("issue_label", "Issue", "N"), ("when", "From", "N"), ("steps", "Gap (steps)", "N"))
    fill = {"condition": {"test": "datum.caution", "value": "white"}, "value": GAP_COLOUR}
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": 30},
        "data": {"values": rows},
        "mark": {"type": "bar", "stroke": GAP_COLOUR, "strokeWidth": 1.5},
        "encoding": {"x": x, "x2": {"field": "until"}, "y": y, "size": size, "fill": fill, "tooltip": tip},
    }
