"""Chart builders: a frame in, a chart out. Colours come from parley.palette so every chart agrees.

Altair charts are also the export path (vl-convert renders them to PNG and SVG without a browser or network);
the interactive Plotly timeline has an Altair twin for its image export.
"""

from __future__ import annotations

from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from parley import palette
from parley.aggregate import Marks
from parley.filters import DATE_FORMAT, dates_text
from parley.recent import per_selection
from parley.text import plotly_text

FONT = "Helvetica, Arial, sans-serif"
LANE_CHARS = 28
LANE_STEP = 32  # pixels per format lane in the compact timeline
DATE_AXIS = "%b %Y"  # month and year: the format of a time axis whose ticks fall on month starts (see time_axis)
# Words every count axis carries in its description: Vega writes the description into the axis's aria-label, so
# screen readers hear it and the browser tests (tests/e2e/test_layout.py) find the count axes in the SVG by it.
COUNT_AXIS_NOTE = "a count, on whole numbers"
LEGEND_LABEL_LIMIT = 160  # pixels; a longer name ends in "…" and is whole in the marks' tooltips
LEGEND_COLUMN = 180  # pixels per legend column: as many columns as fit the chart's width, then the next row
# Room around every chart. Streamlit gives a chart no padding but at the bottom, and Vega's own measure of a text
# can fall a pixel or two short of the browser's: a legend title or an axis label at the edge was cut.
PADDING = {"top": 5, "left": 5, "right": 5, "bottom": 20}
FIT_WIDTH = {"type": "fit-x", "contains": "padding"}  # as wide as the element; as tall as plot, axes and legends
NARROW = 600  # pixels: a chart in an element narrower than this is on a phone (or in a narrow column)
# The width of the element the chart is drawn in; 0 where there is none (an exported image). Limits are worked out
# from it, not from `width`: `width` is what the labels leave of the element, so a limit taken from it lagged one
# drawing behind and long labels ran past the chart's edge. `0 * width` makes Vega work it out again on a resize.
CONTAINER = "(containerSize()[0] + 0 * width)"
# Plotly's date ticks, formatted to the zoom: days when ticks are days or weeks apart, months, then years. Each
# period is named once (a month format on weekly ticks printed "Mar 2025" four times).
# Plotly's dtick ranges include both ends and the first match wins: the day format stops short of a month (in ms)
# and the month format short of a year, so monthly ticks read "Mar 2025", not "1 Mar 2025", and yearly "2025".
PLOTLY_DATE_FORMATS = [
    {"dtickrange": [None, 28 * 86_400_000], "value": "%-d %b %Y"},
    {"dtickrange": ["M1", "M11"], "value": "%b %Y"},
    {"dtickrange": ["M12", None], "value": "%Y"},
]

# Plotly's white template cut to what a figure of scatter traces uses: given by name, Plotly copies and checks the
# defaults of every trace type on each figure (about 6 ms, and 4 KB more to the browser), for the same drawing. The
# styles of colour scales and of map, polar, 3D and ternary plots go too (about 3 ms more, on every figure): a
# scatter of dates in named colours draws none of them.
_WHITE = pio.templates["plotly_white"]
_NOT_DRAWN = ("colorscale", "coloraxis", "geo", "polar", "scene", "ternary")
PLOTLY_TEMPLATE = go.layout.Template(
    layout={k: v for k, v in _WHITE.layout.to_plotly_json().items() if k not in _NOT_DRAWN},
    data={"scatter": _WHITE.data.scatter},
)

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
PALE_STANCES = ("reaffirm", "noncommittal", "propose")  # light cells of the stance scale: dark text on them


def _scale(codes: list[str], colours: dict[str, str], labels: dict[str, str] | None = None) -> dict:
    domain = [labels.get(c, c) if labels else c for c in codes]
    return {"domain": domain, "range": palette.colours_for(codes, colours)}


def _order(colours: dict[str, str]) -> tuple[str, ...]:
    """The order of an ordered palette's codes (stances), empty for a categorical one (formats keep the codebook's)."""
    if colours is palette.POSITION_STANCE_COLOURS:
        return palette.POSITION_STANCE_ORDER
    if colours is palette.REACTION_STANCE_COLOURS:
        return palette.REACTION_STANCE_ORDER
    return ()


def container_share(share: float, low: int, high: int, image: int) -> dict:
    """A label limit: `share` of the chart's element, between `low` and `high` pixels; `image` in an exported image."""
    return {"expr": f"{CONTAINER} > 0 ? clamp({CONTAINER} * {share}, {low}, {high}) : {image}"}


def when_narrow(narrow: object, wide: object) -> dict:
    """One value on a phone (an element under NARROW pixels), another on a wider screen and in an exported image."""
    return {"expr": f"{CONTAINER} > 0 && {CONTAINER} < {NARROW} ? {narrow} : {wide}"}


def count_axis(title: str) -> dict:
    """The axis of a count: never a tick at 0.5, and no decimals on the ticks there are."""
    return {"tickMinStep": 1, "format": "d", "description": f"{title}: {COUNT_AXIS_NOTE}"}


def time_axis(start: object, end: object, max_ticks: int = 8) -> dict:
    """A time axis that names each period once, in a format fitted to the span: days and months under two months,
    months (every 1, 2, 3 or 6) up to two years, years beyond. The ticks fall on the format's own periods, so two
    ticks never print the same label."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(end)
    if pd.isna(lo) or pd.isna(hi):
        return {"format": DATE_AXIS, "tickCount": {"interval": "month", "step": 1}, "labelOverlap": True}
    days = max((hi - lo).days, 1)
    if days <= 62:
        # Weeks, not every 7th day: a day step restarts each month (29 May, then 1 Jun), a week is always 7 days.
        return {
            "format": "%-d %b" if lo.year == hi.year else "%-d %b %Y",
            "tickCount": {"interval": "day", "step": 1} if days <= 10 else {"interval": "week", "step": 1},
            "labelOverlap": True,
        }
    if days <= 731:
        months = days / 30.4
        step = next((s for s in (1, 2, 3, 6) if months / s <= max_ticks), 6)
        return {"format": DATE_AXIS, "tickCount": {"interval": "month", "step": step}, "labelOverlap": True}
    years = days / 365.25
    step = next((s for s in (1, 2, 5, 10) if years / s <= max_ticks), 10)
    return {"format": "%Y", "tickCount": {"interval": "year", "step": step}, "labelOverlap": True}


# The look every chart shares, on screen and in the exported image (vl-convert does not use Streamlit's theme).
_CONFIG: dict = {
    "font": FONT,
    "background": "white",
    # Room between labels and title: a two-line title sat on the last tick label of a narrow axis.
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True, "gridColor": "#EEEEEE", "titlePadding": 6},
    # Legends below the plot, in as many columns as the width holds (one on a phone): never cut off at the side.
    "legend": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "orient": "bottom",
        "columns": {"expr": f"max(1, floor(width / {LEGEND_COLUMN}))"},
        "labelLimit": LEGEND_LABEL_LIMIT,
        # Vega spaces rows by the font size; the browser's text boxes are taller, and touched at the default 2 px.
        "rowPadding": 5,
    },
    "view": {"stroke": None},
}


def _values(frame: pd.DataFrame) -> list[dict]:
    """Rows for an inline data set: dates as ISO text, missing values as null (JSON has no NaN), numpy scalars as
    Python ones. Column lists, not pandas row conversion: these frames are small, and speed counts on every rerun."""
    columns: dict[str, list] = {}
    for name in frame.columns:
        values = frame[name]
        missing = values.isna().to_numpy() if values.hasnans else None
        if isinstance(values.dtype, np.dtype) and values.dtype.kind == "M":
            # ISO text in C (numpy), not one strftime per date; a missing date becomes null below.
            listed = np.datetime_as_string(values.to_numpy(dtype="datetime64[s]"), unit="s").tolist()
        elif pd.api.types.is_datetime64_any_dtype(values):  # with a time zone
            listed = dates_text(values, "%Y-%m-%dT%H:%M:%S").astype(object).tolist()
        elif not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            listed = values.astype(str).astype(object).tolist()
        else:
            listed = values.astype(object).tolist()
        if missing is not None:
            listed = [None if gone else v for v, gone in zip(listed, missing, strict=True)]
        columns[str(name)] = listed
    names = list(columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def _field(name: str, kind: str, title: str | list[str] | None = None, **extra: object) -> dict:
    """An encoding; a title of None shows no axis or legend title (never the raw field name)."""
    kinds = {"N": "nominal", "Q": "quantitative", "T": "temporal"}
    return {"field": name, "type": kinds[kind], "title": title, **extra}


def _tooltip(*fields: tuple[str, str, str]) -> list[dict]:
    return [_field(name, kind, title) for name, title, kind in fields]


def _chart(frame: pd.DataFrame, mark: dict, encoding: dict, height: object, **top: object) -> dict:
    """One Vega-Lite chart over inline rows, as wide as its container, in the shared look.

    Plain specs rather than Altair objects: building and copying Altair's schema objects cost 5 to 30 ms per chart
    on every rerun; the specs are checked against the Vega-Lite schema in the tests."""
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": height,
        # The height is the plot's: under Vega's 'fit' a legend below (a line per entry on a phone) took it all.
        "autosize": FIT_WIDTH,
        "data": {"values": _values(frame)},
        "mark": mark,
        "encoding": encoding,
        **top,
    }


def to_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The chart as a Vega-Lite dict (an Altair chart is converted without validating it again)."""
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


def stamped(chart: alt.TopLevelMixin | dict, title: str, lines: list[str]) -> dict:
    """Put the title, active filters, data version and date on the image itself."""
    spec = dict(to_spec(chart))
    spec["title"] = {
        "text": title,
        "subtitle": lines,
        "anchor": "start",
        "fontSize": 15,
        "subtitleFontSize": 11,
        "subtitleColor": "#444444",
    }
    return spec


# ---- timeline of talks -----------------------------------------------------------------------------
def _timeline_frame(marks: Marks, format_labels: dict[str, str]) -> pd.DataFrame:
    frame = marks.frame
    if marks.binned:
        frame = frame.copy()
        frame["format"] = frame["format"].astype(str)
        frame["format_label"] = frame["format"].map(format_labels).fillna(frame["format"])
        frame["when"] = dates_text(frame["start_date"], "%b %Y")
        frame["title"] = frame["n"].map(lambda n: f"{n:,} rounds")
        for column in ("talk_id", "place", "parties", "mediators", "delegation_heads", "flags"):
            frame[column] = ""
        return frame
    # Row by row in Python: rounds drawn one by one are at most MAX_POINTS, and the dozen pandas steps this took
    # cost more than the text itself (about 6 ms for fifty rounds).
    formats = [str(v) for v in frame["format"].tolist()]
    starts, ends = frame["start_date"].tolist(), frame["end_date"].tolist()
    when = [_span_text(a, b) for a, b in zip(starts, ends, strict=True)]
    places = [
        f"{city} ({venue})" if venue else str(city) for city, venue in zip(frame["city"], frame["venue"], strict=True)
    ]
    added = {
        "format": formats,
        "format_label": [format_labels.get(code, code) for code in formats],
        "when": when,
        "place": places,
    }
    data = {name: frame[name] for name in frame.columns if name not in added}
    data.update({name: pd.Series(values, index=frame.index, dtype="str") for name, values in added.items()})
    return pd.DataFrame(data, columns=[*frame.columns, *(n for n in added if n not in frame.columns)])


def _span_text(start: object, end: object) -> str | None:
    """A round's dates as shown: one day, or first and last day."""
    if pd.isna(start):
        return None
    text = pd.Timestamp(start).strftime(DATE_FORMAT)
    if not pd.isna(end) and end > start:
        text += " – " + pd.Timestamp(end).strftime(DATE_FORMAT)
    return text


def _lane(label: str) -> str:
    """A lane and legend name: one short line, so the plot keeps its width on a phone."""
    return plotly_text(label, limit=LANE_CHARS, width=LANE_CHARS)


_HOVER_LINES = (
    ("", "place"),
    ("Parties: ", "parties"),
    ("Mediators/hosts: ", "mediators"),
    ("Delegation heads: ", "delegation_heads"),
    ("", "flags"),
)


def _round_hover(frame: pd.DataFrame) -> list[str]:
    """One hover text per round, every piece of data text escaped and shortened (Plotly reads HTML in it).

    Built row by row in plain Python: the marks are bounded in number, and a dozen pandas string operations on a few
    dozen rows cost more than the text itself. plotly_text runs once per distinct value (formats, cities repeat)."""
    escaped: dict[str, str] = {}

    def text(value: str) -> str:
        if value not in escaped:
            escaped[value] = plotly_text(value)
        return escaped[value]

    columns = [frame[column].astype(str).tolist() for column in ("title", "when", *(c for _, c in _HOVER_LINES))]
    hovers = []
    for title, when, *rest in zip(*columns, strict=True):
        lines = [f"<b>{text(title)}</b>", text(when)]
        lines += [label + text(value) for (label, _), value in zip(_HOVER_LINES, rest, strict=True) if value != ""]
        hovers.append("<br>".join(lines))
    return hovers


def _round_trace(
    x: np.ndarray, custom: np.ndarray, name: str, lanes: np.ndarray, colour: str | np.ndarray, size: object, symbol: str
) -> dict:
    """Rounds as a scatter trace, a plain dict: the figure validates its traces once, when it is built."""
    return {
        "type": "scatter",
        "x": x,
        "y": lanes,
        "mode": "markers",
        "name": name,
        "customdata": custom,
        "marker": {"color": colour, "size": size, "symbol": symbol, "line": {"width": 1, "color": "#333333"}},
        "hovertemplate": "%{customdata[1]}<extra></extra>",
    }


@per_selection
def timeline_figure(
    marks: Marks,
    format_labels: dict[str, str],
    highlight: set[str] | None = None,
    selected: str | None = None,
    window: tuple[date, date] | None = None,
) -> go.Figure:
    """Rounds over time in one lane per format; venue, mediators and delegation heads on hover.

    Rounds in `highlight` (e.g. a city search) are drawn as large diamonds so they stand out among 50+.
    Binned marks (too many rounds to draw one by one) are circles sized by the number of rounds. `window` is the
    span shown: the zoom is chosen on the server, and dragging cannot change it, so the image equals the screen."""
    frame = _timeline_frame(marks, format_labels)
    frame["hover"] = _round_hover(frame)
    if marks.binned:
        frame["size"] = (8 + 22 * (frame["n"] / max(int(frame["n"].max()), 1)) ** 0.5).round(1)
    else:
        frame["size"] = 11.0
    stands_out = (frame["talk_id"].isin(highlight or set()) | (frame["talk_id"] == selected)).to_numpy()
    # The lanes are cut from plain arrays: a pandas selection per lane cost more than the lane's trace.
    x = frame["start_date"].to_numpy()
    custom = frame[["talk_id", "hover"]].to_numpy()
    size = frame["size"].to_numpy()
    formats = frame["format"].to_numpy()
    traces = []
    # Hover text travels in customdata, which Plotly passes through unchecked: validating thousands of strings one
    # by one would cost more than the rest of the page.
    for code, label in format_labels.items():
        keep = (formats == code) & ~stands_out
        if not keep.any():
            continue
        lane = _lane(label)
        colour = palette.FORMAT_COLOURS.get(code, palette.NO_DATA)
        lanes = np.full(int(keep.sum()), lane, dtype=object)
        traces.append(_round_trace(x[keep], custom[keep], lane, lanes, colour, size[keep], "circle"))
    if stands_out.any():
        big = frame[stands_out]
        colours = big["format"].map(palette.FORMAT_COLOURS).fillna(palette.NO_DATA).to_numpy()
        lanes = big["format_label"].map(_lane).to_numpy()
        traces.append(_round_trace(x[stands_out], custom[stands_out], "highlighted", lanes, colours, 18, "diamond"))
    layout = dict(
        template=PLOTLY_TEMPLATE,
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        # No legend: each lane is named on the axis beside it, and a legend below collided with the range slider.
        showlegend=False,
        font={"family": FONT},
        xaxis={
            "type": "date",
            "tickformatstops": PLOTLY_DATE_FORMATS,
            "fixedrange": True,
            **({"range": _padded(window)} if window else {}),
        },
        yaxis={
            "fixedrange": True,
            "categoryorder": "array",
            "categoryarray": [_lane(v) for v in format_labels.values()][::-1],
        },
        hoverlabel={"align": "left"},
    )
    # Built without Plotly's checks (about 5 ms for a few dozen rounds): the traces and layout are plain dicts this
    # module writes, and the figure's JSON is the same either way (tests/core/test_timeline_figure.py checks).
    return go.Figure(data=traces, layout=layout, _validate=False)


def _padded(window: tuple[date, date]) -> list[str]:
    """The window with a margin either side (2% of the span, at least half a day), so a round on its first or last
    day is drawn whole rather than cut by the plot's edge."""
    lo, hi = pd.Timestamp(window[0]), pd.Timestamp(window[1])
    margin = max(pd.Timedelta(hours=12), (hi - lo) * 0.02).round("h")
    return [(lo - margin).isoformat(), (hi + margin).isoformat()]


@per_selection
def timeline_chart(marks: Marks, format_labels: dict[str, str], window: tuple[date, date] | None = None) -> dict:
    """The compact Overview timeline and the image export of the Timeline page (its Plotly figure's twin, over the
    same `window`)."""
    frame = _timeline_frame(marks, format_labels)[
        ["start_date", "format", "format_label", "title", "when", "place", "parties", "flags", "n"]
    ]
    codes = [c for c in format_labels if c in set(frame["format"])] or list(format_labels)
    size = _field("n", "Q", "Rounds per month", scale={"range": [40, 600]}) if marks.binned else {"value": 110}
    lo, hi = window or (frame["start_date"].min(), frame["start_date"].max())
    encoding = {
        "x": _field(
            "start_date",
            "T",
            None,
            axis={**time_axis(lo, hi), "labelAngle": 0},
            **({"scale": {"domain": _padded(window)}} if window else {}),
        ),
        "y": _field("format_label", "N", None, sort=[format_labels[c] for c in codes]),
        "color": _field("format_label", "N", "Format", scale=_scale(codes, palette.FORMAT_COLOURS, format_labels)),
        "size": size,
        "tooltip": _tooltip(
            ("title", "Round", "N"),
            ("when", "Dates", "N"),
            ("place", "Where", "N"),
            ("parties", "Parties", "N"),
            ("flags", "Flags", "N"),
        ),
    }
    mark = {"type": "circle", "opacity": 0.9, "stroke": "#333333", "strokeWidth": 0.6, "clip": window is not None}
    # A height per lane, not for the whole chart: the legend below (a line per format on a phone) took the plot's
    # room, and the lanes' names overlapped.
    return _chart(frame, mark, encoding, {"step": LANE_STEP})


# ---- positions -------------------------------------------------------------------------------------
# The columns of latest_stances the stance matrix draws: only these are built for it.
MATRIX_COLUMNS = ("actor_name", "issue_label", "stance", "date", "summary", "flags")


@per_selection
def stance_matrix_chart(latest: pd.DataFrame, stance_labels: dict[str, str]) -> dict:
    """Party × issue grid coloured by each party's latest stance in the window."""
    stances = latest["stance"].astype(str).tolist()
    flags = latest["flags"].astype(str).tolist()
    when = dates_text(latest["date"]).astype(object)
    # Rows built directly: at most one per party and issue, and pandas steps per column cost more than the loop.
    rows = [
        {
            "actor_name": actor,
            "issue_label": issue,
            "stance_label": stance_labels.get(stance),
            "when": None if pd.isna(day) else day,
            "summary": summary,
            "flags": flag,
            # Single-source is common; the mark is kept for records an analyst must not take at face value.
            "caution": "disputed" in flag or "low confidence" in flag,
            # The "!" is dark on the pale middle of the scale and white on its saturated ends (a flag, not data).
            "pale": stance in PALE_STANCES,
        }
        for actor, issue, stance, day, summary, flag in zip(
            latest["actor_name"].astype(str).tolist(),
            latest["issue_label"].astype(str).tolist(),
            stances,
            when.tolist(),
            latest["summary"].astype(str).tolist(),
            flags,
            strict=True,
        )
    ]
    codes = palette.in_order(stance_labels, palette.POSITION_STANCE_ORDER)
    # On a phone the issue names stand upright (slanted, twelve of them overlapped in the narrow grid) and the party
    # names get less room; the full names are in every cell's tooltip.
    upright = {
        "labelAngle": when_narrow(-90, -30),
        "labelAlign": {"expr": "'right'"},
        "labelBaseline": when_narrow("'middle'", "'top'"),
    }
    axes = {
        "x": _field("issue_label", "N", None, axis={**upright, "labelLimit": 160, "grid": False}),
        "y": _field("actor_name", "N", None, axis={"grid": False, "labelLimit": container_share(0.4, 90, 220, 220)}),
    }
    cells = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
        "encoding": {
            **axes,
            "color": _field(
                "stance_label",
                "N",
                "Latest stance",
                scale=_scale(codes, palette.POSITION_STANCE_COLOURS, stance_labels),
            ),
            "tooltip": _tooltip(
                ("actor_name", "Party", "N"),
                ("issue_label", "Issue", "N"),
                ("stance_label", "Stance", "N"),
                ("when", "Date", "N"),
                ("summary", "Summary", "N"),
                ("flags", "Flags", "N"),
            ),
        },
    }
    caution = {
        "transform": [{"filter": "datum.caution"}],
        "mark": {"type": "text", "text": "!", "fontWeight": "bold", "fontSize": 13},
        "encoding": {**axes, "color": {"condition": {"test": "datum.pale", "value": "#222222"}, "value": "white"}},
    }
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": 36},
        "data": {"values": rows},
        "layer": [cells, caution],
    }


@per_selection
def party_counts_chart(
    counts: pd.DataFrame, names: dict[str, str], category: str = "actor_id", title: str = "Statements"
) -> dict:
    """Horizontal bars of counts per actor, each actor in its own colour."""
    frame = counts[[category, "count"]].copy()
    frame["name"] = frame[category].map(lambda a: names.get(a, a))
    codes = list(dict.fromkeys(frame[category]))
    scale = {"domain": [names.get(c, c) for c in codes], "range": [palette.party_colour(c) for c in codes]}
    encoding = {
        "x": _field("count", "Q", title, axis=count_axis(title)),
        "y": _field("name", "N", None, sort="-x"),
        "color": _field("name", "N", None, legend=None, scale=scale),
        "tooltip": _tooltip(("name", "Actor", "N"), ("count", title, "Q")),
    }
    return _chart(frame, {"type": "bar"}, encoding, {"step": 26})


# ---- reactions -------------------------------------------------------------------------------------
@per_selection
def stance_counts_chart(
    counts: pd.DataFrame, stance_labels: dict[str, str], colours: dict[str, str], title: str = "Reactions"
) -> dict:
    frame = counts[["stance", "count"]].copy()
    frame["stance_label"] = frame["stance"].map(stance_labels)
    codes = palette.in_order(stance_labels, _order(colours))
    # Stances in their order (one side, the middle, the other side), not by count: the scale reads as a scale.
    encoding = {
        "x": _field("count", "Q", title, axis=count_axis(title)),
        "y": _field("stance_label", "N", None, sort=[stance_labels.get(c, c) for c in codes]),
        "color": _field("stance_label", "N", None, legend=None, scale=_scale(codes, colours, stance_labels)),
        "tooltip": _tooltip(("stance_label", "Stance", "N"), ("count", title, "Q")),
    }
    return _chart(frame, {"type": "bar"}, encoding, {"step": 26})


@per_selection
def actor_ranking_chart(ranking: pd.DataFrame, stance_labels: dict[str, str]) -> dict:
    """Actors ranked by number of reactions, bars split by stance."""
    frame = ranking[["actor_id", "actor_name", "stance", "count", "total", "rank"]].copy()
    frame["stance_label"] = frame["stance"].map(stance_labels)
    order = frame.drop_duplicates("actor_id").sort_values("rank")["actor_name"].tolist()
    codes = palette.in_order(stance_labels, palette.REACTION_STANCE_ORDER)
    frame["stance_order"] = frame["stance"].map({c: i for i, c in enumerate(codes)})
    encoding = {
        "x": _field("count", "Q", "Reactions", aggregate="sum", axis=count_axis("Reactions")),
        "y": _field("actor_name", "N", None, sort=order),
        "color": _field(
            "stance_label", "N", "Stance", scale=_scale(codes, palette.REACTION_STANCE_COLOURS, stance_labels)
        ),
        "tooltip": _tooltip(
            ("actor_name", "Actor", "N"),
            ("stance_label", "Stance", "N"),
            ("count", "Reactions", "Q"),
            ("total", "All reactions", "Q"),
        ),
        "order": _field("stance_order", "Q", None),  # stacked in the legend's order
    }
    return _chart(frame, {"type": "bar"}, encoding, {"step": 24})


@per_selection
def monthly_chart(
    counts: pd.DataFrame, by: str, labels: dict[str, str], colours: dict[str, str], title: str = "Records"
) -> dict:
    """Stacked monthly bars coloured by a code column (stance, format)."""
    frame = counts[["month", by, "count"]].copy()
    frame["label"] = frame[by].map(labels).fillna(frame[by])
    frame["month_label"] = dates_text(frame["month"], "%b %Y")
    codes = palette.in_order(labels, _order(colours))
    frame["stack_order"] = frame[by].map({c: i for i, c in enumerate(codes)})
    # A month is the smallest period here: the axis never goes below months, whatever the span.
    axis = time_axis(frame["month"].min(), frame["month"].max() + pd.offsets.MonthEnd(0))
    if axis["tickCount"]["interval"] == "day":
        axis = {"format": DATE_AXIS, "tickCount": {"interval": "month", "step": 1}, "labelOverlap": True}
    encoding = {
        "x": _field("month", "T", None, timeUnit="yearmonth", axis={**axis, "labelAngle": 0}),
        "y": _field("count", "Q", title, aggregate="sum", axis=count_axis(title)),
        "color": _field("label", "N", None, scale=_scale(codes, colours, labels)),
        "order": _field("stack_order", "Q", None),
        "tooltip": _tooltip(("month_label", "Month", "N"), ("label", "Kind", "N"), ("count", title, "Q")),
    }
    return _chart(frame, {"type": "bar"}, encoding, 240)


# The reactions map lives in parley.map_charts (its honest rule for flagged reactions, points and views).


def coverage_chart(monthly: pd.DataFrame) -> dict:
    """Records per month per table over the whole record, as a heat strip: where the record is thin is visible."""
    frame = monthly.assign(when=dates_text(monthly["month"], "%b %Y"))
    order = list(dict.fromkeys(frame["table"].astype(str)))
    return _chart(
        frame,
        {"type": "rect", "stroke": "white", "strokeWidth": 0.5},
        {
            "x": _field(
                "month",
                "T",
                None,
                timeUnit="yearmonth",
                axis=time_axis(frame["month"].min(), frame["month"].max() + pd.offsets.MonthEnd(0)),
            ),
            "y": _field("table", "N", None, sort=order, axis={"grid": False}),
            "color": _field(
                "count",
                "Q",
                "Records per month",
                scale={"range": list(palette.COUNT_RAMP), "type": "sqrt"},
                legend={"format": "d"},
            ),
            "tooltip": _tooltip(("table", "Table", "N"), ("when", "Month", "N"), ("count", "Records", "Q")),
        },
        height={"step": 26},
    )
