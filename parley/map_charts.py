"""The reactions map: each reacting state in the colour of its stance, drawn only as solid fact when confirmed.

A plain Vega-Lite spec, not Altair: Altair turns every map feature into schema objects and validates them (about a
third of a second per rerun), while the outlines never change. The outlines go once at the top level; the spec
holds one row per reacting state beside them.

Encodings (the honest rule, parley.aggregate.reactions_by_state): a confirmed stance fills its state; a state
whose shown reaction is disputed or low confidence gets a dashed outline in the stance's colour and no fill; a
newer flagged reaction after the confirmed one is a black triangle above the state. States too small to see at the
chosen view (the Holy See, Malta, ... or a small outline) are also drawn as a dot at their centre, filled or hollow
by the same rule.
"""

from __future__ import annotations

import pandas as pd

from parley import palette
from parley.charts import _CONFIG, PADDING, SCHEMA
from parley.filters import DATE_FORMAT
from parley.geo import Place, place_of
from parley.recent import per_selection

WORLD, EUROPE = "world", "europe"
AREAS = {WORLD: "World", EUROPE: "Europe"}
# Europe's view, in degrees (west, south, east, north): Ireland and Portugal to Türkiye's east, Malta to Norway.
EUROPE_BOX = (-12.0, 34.0, 45.0, 71.0)
# Below this land area a state is a few pixels at the view's scale, so it also gets a dot (km²).
POINT_BELOW_KM2 = {WORLD: 60_000, EUROPE: 6_000}
MARKER = "#222222"  # the newer-flagged triangle: near black, never a stance's colour
SOLID, HOLLOW, NEWER = (
    "filled: a confirmed reaction",
    "dashed outline: disputed or low confidence only",
    "a newer disputed or low-confidence reaction",
)

_TOOLTIP = [
    ("actor_name", "State", "nominal"),
    ("stance_label", "Stance shown", "nominal"),
    ("basis", "Based on", "nominal"),
    ("when", "Date", "nominal"),
    ("summary", "Statement", "nominal"),
    ("newer_flagged", "Newer flagged reaction", "nominal"),
    ("count", "Reactions in window", "quantitative"),
    ("n_flagged", "of them disputed or low confidence", "quantitative"),
]


def in_area(place: Place | None, area: str) -> bool:
    if place is None:
        return False
    if area != EUROPE:
        return True
    west, south, east, north = EUROPE_BOX
    return west <= place.lon <= east and south <= place.lat <= north


@per_selection
def states_outside(states: pd.DataFrame, area: str) -> list[str]:
    """Names of the reacting states the chosen view leaves out (the page lists them under the map)."""
    mapped = states[states["map_id"] != ""]
    return [n for n, m in zip(mapped["actor_name"], mapped["map_id"], strict=True) if not in_area(place_of(m), area)]


_ROW_FIELDS = (
    "map_id",
    "actor_name",
    "stance_label",
    "basis",
    "solid",
    "when",
    "summary",
    "newer_flagged",
    "has_newer",
    "count",
    "n_flagged",
)


def _rows(states: pd.DataFrame, stance_labels: dict[str, str]) -> list[dict]:
    """One plain row per state on the map (a few dozen at most), in the order of `states`: built in Python, where
    a frame of them and its conversion back to rows cost more than the map's spec."""
    frame = states[states["map_id"] != ""]
    columns = ("map_id", "actor_name", "stance", "basis", "solid", "date", "summary", "newer_flagged")
    values = {c: frame[c].tolist() for c in (*columns, "count", "n_flagged")}
    rows = []
    for i in range(len(frame)):
        stance, newer, day = str(values["stance"][i]), str(values["newer_flagged"][i]), values["date"][i]
        rows.append(
            {
                "map_id": str(values["map_id"][i]),
                "actor_name": str(values["actor_name"][i]),
                "stance_label": str(stance_labels.get(stance, stance)),
                "basis": str(values["basis"][i]),
                "solid": bool(values["solid"][i]),
                "when": None if pd.isna(day) else pd.Timestamp(day).strftime(DATE_FORMAT),
                "summary": str(values["summary"][i]),
                "newer_flagged": newer if newer != "" else "none",
                "has_newer": newer != "",
                "count": int(values["count"][i]),
                "n_flagged": int(values["n_flagged"][i]),
            }
        )
    return rows


def _with_places(rows: list[dict], area: str, small_only: bool) -> list[dict]:
    """The rows with the longitude and latitude of their state's centre; with `small_only`, only states too small
    to see at the view's scale."""
    kept = []
    for row in rows:
        place = place_of(row["map_id"])
        if place is None or not in_area(place, area) or (small_only and place.area_km2 >= POINT_BELOW_KM2[area]):
            continue
        kept.append({**row, "lon": place.lon, "lat": place.lat})
    return kept


def _colour(stance_labels: dict[str, str], channel_title: str | None, legend: bool) -> dict:
    codes = palette.in_order(stance_labels, palette.REACTION_STANCE_ORDER)
    return {
        "field": "stance_label",
        "type": "nominal",
        "title": channel_title,
        "scale": {
            "domain": [stance_labels.get(c, c) for c in codes],
            "range": palette.colours_for(codes, palette.REACTION_STANCE_COLOURS),
        },
        **({} if legend else {"legend": None}),
    }


def _tooltip() -> list[dict]:
    return [{"field": f, "title": t, "type": kind} for f, t, kind in _TOOLTIP]


def _projection(area: str) -> dict:
    if area != EUROPE:
        return {"type": "equalEarth"}
    west, south, east, north = EUROPE_BOX
    middle = (west + east) / 2  # the box's edges curve on this projection: their middles bound it too
    corners = [[west, south], [middle, south], [east, south], [east, north], [middle, north], [west, north]]
    # Fitted to Europe's box whatever the width: the view follows the container on a phone and a laptop.
    return {
        "type": "azimuthalEqualArea",
        "rotate": [-middle, -(south + north) / 2, 0],
        "fit": {"type": "Feature", "geometry": {"type": "MultiPoint", "coordinates": corners}, "properties": {}},
    }


# Where the app serves the outlines (./static, server.enableStaticServing), relative to the page so that a server
# under a path prefix works too. The same file as parley/geo's (tests/core/test_static_outlines.py checks).
OUTLINES_URL = "app/static/countries-110m.json"


@per_selection
def reaction_map_chart(
    states: pd.DataFrame, topology: dict | str, stance_labels: dict[str, str], area: str = WORLD
) -> dict:
    """The map of reacting states (`states` from reactions_by_state), of the world or of Europe; `topology` is the
    outlines themselves, or the address the browser reads them from (OUTLINES_URL)."""
    # Only the states of the view: a far state would show as a sliver of colour at the edge of Europe's map.
    rows = [row for row in _rows(states, stance_labels) if in_area(place_of(row["map_id"]), area)]
    fields = [c for c in _ROW_FIELDS if c != "map_id"]
    lookup = {"lookup": "id", "from": {"data": {"values": rows}, "key": "map_id", "fields": fields}}
    clip = area == EUROPE  # outlines beyond Europe's box would spill over the page
    shape = {"type": "geoshape", "clip": clip}
    dots = _with_places(rows, area, small_only=True)
    markers = _with_places([row for row in rows if row["has_newer"]], area, small_only=False)
    at = {"longitude": {"field": "lon", "type": "quantitative"}, "latitude": {"field": "lat", "type": "quantitative"}}
    layers: list[dict] = [
        {"mark": {**shape, "fill": palette.NO_DATA, "stroke": "white", "strokeWidth": 0.4}},
        {
            "mark": {**shape, "stroke": "#555555", "strokeWidth": 0.5},
            "transform": [lookup, {"filter": "datum.solid === true"}],
            "encoding": {"color": _colour(stance_labels, "Stance", True), "tooltip": _tooltip()},
        },
        {
            "mark": {**shape, "fillOpacity": 0, "strokeWidth": 2, "strokeDash": [4, 2]},
            "transform": [lookup, {"filter": "datum.solid === false"}],
            "encoding": {"stroke": _colour(stance_labels, "Stance", True), "tooltip": _tooltip()},
        },
    ]
    if len(dots):
        layers.append(
            {
                "data": {"values": dots},
                "mark": {"type": "circle", "size": 70, "stroke": "#333333", "strokeWidth": 0.8, "clip": clip},
                "encoding": {
                    **at,
                    "color": _colour(stance_labels, "Stance", True),  # the same legend: one without would hide it
                    # Flagged-only small states: an empty ring, as their outlines are dashed and empty.
                    "fillOpacity": {"condition": {"test": "datum.solid", "value": 1}, "value": 0},
                    "strokeDash": {"condition": {"test": "datum.solid", "value": [1, 0]}, "value": [2, 1.5]},
                    "tooltip": _tooltip(),
                },
            }
        )
    if len(markers):
        layers.append(
            {
                "data": {"values": markers},
                "mark": {
                    "type": "point",
                    "shape": "triangle-up",
                    "filled": True,
                    "fill": MARKER,
                    "stroke": "white",
                    "strokeWidth": 1,
                    "size": 90,
                    "opacity": 1,
                    "yOffset": -9,  # above the state's dot, which it must not hide
                    "clip": clip,
                },
                "encoding": {**at, "tooltip": _tooltip()},
            }
        )
    layers.append(_key_layer())
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": "container",
        "height": 460 if area == EUROPE else 320,
        # The map keeps its height: under 'fit' the legends (eleven stances, a line each on a phone) took it all.
        "autosize": {"type": "fit-x", "contains": "padding"},
        "projection": _projection(area),
        # The outlines once, for every layer: Streamlit passes top-level geometry through untouched, where a copy
        # inside each layer is sent twice and re-parsed on every rerun.
        "data": {**_outlines(topology), "format": {"type": "topojson", "feature": "countries"}},
        "layer": layers,
    }


def _outlines(topology: dict | str) -> dict:
    return {"url": topology} if isinstance(topology, str) else {"values": topology}


def with_outlines(spec: dict, topology: dict) -> dict:
    """The map with its outlines inside the spec, for an image rendered on the server (which reads no address)."""
    data = {k: v for k, v in spec["data"].items() if k not in ("url", "values")}
    return {**spec, "data": {**data, "values": topology}}


# The key's symbols: a filled square, a square outline (a path with a square hole) and the triangle.
FRAME = "M-1,-1H1V1H-1Z M-0.55,-0.55V0.55H0.55V-0.55Z"


def _key_layer() -> dict:
    """A legend of the three ways a state is drawn, from invisible points (a geoshape has no legend of its own).

    Shapes only, in one dark grey: a colour scale here would merge with the stance colours."""
    keys = [SOLID, HOLLOW, NEWER]
    return {
        "data": {"values": [{"key": k, "lon": 0.0, "lat": 0.0} for k in keys]},
        "mark": {"type": "point", "opacity": 0, "filled": True, "clip": True, "color": MARKER},
        "encoding": {
            "longitude": {"field": "lon", "type": "quantitative"},
            "latitude": {"field": "lat", "type": "quantitative"},
            "shape": {
                "field": "key",
                "type": "nominal",
                "title": "How a state is drawn",
                "scale": {"domain": keys, "range": ["square", FRAME, "triangle-up"]},
                # Above the map, one entry per line on a phone: beside the stance legend it ran off the side.
                "legend": {
                    "orient": "top",
                    "columns": {"expr": "max(1, floor(width / 300))"},
                    "symbolOpacity": 1,
                    "symbolFillColor": MARKER,
                    "symbolStrokeWidth": 0,
                    "symbolSize": 120,
                    "labelLimit": 320,
                    "titleLimit": 400,
                },
            },
        },
    }
