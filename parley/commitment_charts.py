"""Commitment charts as plain Vega-Lite specs: each commitment's road from agreement to implementation (or breach),
and the share carried out in full per round or per party.

Colour means the status: light to dark blue up the 0-3 scale, red for violated, orange for lapsed; the two broken
statuses also get their own point shape, so they never rely on colour alone. A low-confidence event is drawn hollow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from parley import palette
from parley.charts import _CONFIG, PADDING, SCHEMA, _field, _values, container_share, count_axis, time_axis
from parley.commitments import latest_in_view, open_steps_in_view, share_by_party, share_by_round
from parley.recent import once_per_selection, per_selection, selected
from parley.schema import COMMITMENT_BROKEN, COMMITMENT_LEVELS

STATUS_COLOURS = palette.STATUS_COLOURS
STATUS_SHAPES: dict[str, str] = {"violated": "cross", "lapsed": "square"}  # every other status: a circle
STATUS_ORDER = (*COMMITMENT_LEVELS, *COMMITMENT_BROKEN)
ROW_STEP = 22  # pixels per commitment: one thin bar and its event points
# Room for a commitment's label: most of a wide chart, only the id and a word or two at phone width (the whole text
# is in the tooltip).
LABEL_LIMIT = container_share(0.4, 70, 360, 340)
PARTS = (  # the three parts of a share bar: (key, legend text, colour)
    ("full", "carried out in full", STATUS_COLOURS["full"]),
    ("open", "not started or under way", STATUS_COLOURS["minimal"]),
    ("broken", "violated or lapsed", STATUS_COLOURS["violated"]),
)


def status_legend_text(status: str, label: str) -> str:
    """'2 intermediate' on the scale, the bare label off it: the legend shows the level beside each status."""
    level = COMMITMENT_LEVELS.get(status)
    return f"{level} {label}" if level is not None else label


def _status_scale(labels: dict[str, str]) -> dict:
    return {
        "domain": [status_legend_text(c, labels.get(c, c)) for c in STATUS_ORDER],
        "range": [STATUS_COLOURS[c] for c in STATUS_ORDER],
    }


def commitment_steps_chart(steps: pd.DataFrame, status_labels: dict[str, str]) -> dict:
    """One row per commitment, in the order given: a bar for each status from its event until the next one, and a
    point at each event (hollow when low confidence; a cross for violated, a square for lapsed)."""
    frame = steps.assign(
        legend=[status_legend_text(s, status_labels.get(s, s)) for s in steps["status"].astype(str)],
        shape=steps["status"].astype(str).map(lambda s: STATUS_SHAPES.get(s, "circle")),
    )
    order = list(dict.fromkeys(frame["label"].astype(str)))
    y = _field("label", "N", None, sort=order, axis={"labelLimit": LABEL_LIMIT})
    colour = _field("legend", "N", "Status (level 0–3)", scale=_status_scale(status_labels))
    tooltip = [
        _field("label", "N", "Commitment"),
        _field("date", "T", "Date", format="%-d %b %Y"),
        _field("legend", "N", "Status"),
        _field("confidence", "N", "Confidence"),
        _field("note", "N", "Note"),
    ]
    x = _field("date", "T", None, axis=time_axis(frame["date"].min(), frame["until"].max()))

    def points(low: bool) -> dict:
        # Two point layers on the one colour scale (so one legend): confident events filled, doubtful ones hollow.
        return {
            "transform": [{"filter": "datum.is_low" if low else "!datum.is_low"}],
            "mark": {"type": "point", "size": 70, "strokeWidth": 2, "filled": not low, "opacity": 1}
            | ({"fill": "white"} if low else {}),
            "encoding": {
                "x": x,
                "y": y,
                "color": colour,
                "shape": {"field": "shape", "type": "nominal", "scale": None},
                "tooltip": tooltip,
            },
        }

    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": ROW_STEP},
        "data": {"values": _values(frame)},
        "layer": [
            {
                "mark": {"type": "bar", "height": 8, "opacity": 0.85},
                "encoding": {"x": x, "x2": {"field": "until"}, "y": y, "color": colour, "tooltip": tooltip},
            },
            points(low=False),
            points(low=True),
        ],
    }


def share_chart(shares: pd.DataFrame, group: str, title: str) -> dict:
    """One bar per group (a round or a party, in the order given) split into its commitments carried out in full,
    still open and broken; the bar's length is the number of commitments, the tooltip gives the share in full."""
    rows = []
    for rec in shares.itertuples(index=False):
        counts = {
            "full": int(rec.n_full),
            "broken": int(rec.n_broken),
            "open": int(rec.n_commitments) - int(rec.n_full) - int(rec.n_broken),
        }
        for place, (key, text, _colour) in enumerate(PARTS):
            rows.append(
                {
                    "group": str(getattr(rec, group)),
                    "part": text,
                    "order": place,
                    "n": counts[key],
                    "total": int(rec.n_commitments),
                    "share_full": float(rec.share_full),
                }
            )
    frame = pd.DataFrame(rows, columns=["group", "part", "order", "n", "total", "share_full"])
    order = list(dict.fromkeys(frame["group"]))
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": {"step": ROW_STEP},
        "data": {"values": _values(frame)},
        "mark": {"type": "bar"},
        "encoding": {
            # A round's or party's name takes at most 40% of a phone's width: the legend below starts where the
            # bars do, and ran off the right edge behind 260-pixel names.
            "y": _field("group", "N", None, sort=order, axis={"labelLimit": container_share(0.4, 90, 260, 260)}),
            "x": _field("n", "Q", "Commitments", stack="zero", axis=count_axis("Commitments")),
            "color": _field(
                "part",
                "N",
                title,
                scale={"domain": [p[1] for p in PARTS], "range": [p[2] for p in PARTS]},
                sort=[p[1] for p in PARTS],
            ),
            "order": {"field": "order", "type": "quantitative"},
            "tooltip": [
                _field("group", "N", "Of"),
                _field("part", "N", "Part"),
                _field("n", "Q", "Commitments"),
                _field("total", "Q", "All commitments"),
                _field("share_full", "Q", "Share in full", format=".0%"),
            ],
        },
    }


# ---- once per selection of events: a filter change that keeps the same events (most do) reuses them ----------------
# `events` are rows of the dataset's `ledger` (parley.commitments.apply_commitments); the answers are shared
# (parley.recent) and callers must not change them.
def steps_chart_in_view(
    ledger: pd.DataFrame, events: pd.DataFrame, until: pd.Timestamp, status_labels: dict[str, str]
) -> dict:
    """The chart of each commitment's status over time, up to `until`: commitment_steps_chart of the steps closed at
    `until`. The chart of the open steps is built once per selection of events; each rerun only closes its last
    bars at `until` (the window's end moves with every change of the date filter, the events seldom do)."""
    return _closed_at(_open_steps_chart(open_steps_in_view(ledger, events), status_labels), until)


@per_selection
def _open_steps_chart(steps: pd.DataFrame, status_labels: dict[str, str]) -> dict:
    """commitment_steps_chart of open steps: a commitment's last bar has no end yet (`until` missing)."""
    return commitment_steps_chart(steps, status_labels)


def _closed_at(spec: dict, until: pd.Timestamp) -> dict:
    """The chart with each bar ending no earlier than its event and each open bar at `until`, as steps_until closes
    them, and the time axis fitted to the closed bars. A new spec: `spec` is shared and left as it is."""
    end = _iso(until)
    rows = [_closed(row, end) for row in spec["data"]["values"]]
    dates = [row["date"] for row in rows if row["date"] is not None]
    ends = [row["until"] for row in rows if row["until"] is not None]
    axis = time_axis(min(dates) if dates else None, max(ends) if ends else None)
    layers = [
        {**layer, "encoding": {**layer["encoding"], "x": {**layer["encoding"]["x"], "axis": axis}}}
        for layer in spec["layer"]
    ]
    return {**spec, "data": {**spec["data"], "values": rows}, "layer": layers}


def _closed(row: dict, end: str | None) -> dict:
    until, day = row["until"] if row["until"] is not None else end, row["date"]
    if until is not None and day is not None:
        until = max(until, day)  # ISO text: compared as text, it compares as dates
    return row if until == row["until"] else {**row, "until": until}


def _iso(day: pd.Timestamp) -> str | None:
    """A day as the chart rows write dates (parley.charts._values)."""
    if pd.isna(day):
        return None
    return str(np.datetime_as_string(pd.Timestamp(day).to_datetime64().astype("datetime64[s]"), unit="s"))


def by_round_in_view(ledger: pd.DataFrame, events: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The share carried out in full per round, and its chart."""

    def build() -> tuple[pd.DataFrame, dict]:
        rounds = share_by_round(latest_in_view(ledger, events))
        return rounds, share_chart(rounds, "talk_title", "Commitments of the round")

    return once_per_selection(ledger, selected((ledger, events)), "by-round", build)


def by_party_in_view(
    ledger: pd.DataFrame, events: pd.DataFrame, names: dict[str, str], parties: tuple[str, ...]
) -> tuple[pd.DataFrame, dict]:
    """The share carried out in full per party at the table (only `parties` when given), and its chart."""

    def build() -> tuple[pd.DataFrame, dict]:
        shares = share_by_party(latest_in_view(ledger, events), names, parties)
        return shares, share_chart(shares, "party_name", "Commitments of rounds the party sat at")

    what = ("by-party", tuple(parties), tuple(names.items()))
    return once_per_selection(ledger, selected((ledger, events)), what, build)
