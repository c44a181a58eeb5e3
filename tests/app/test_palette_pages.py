"""On every page, each meaning (party, stance, format, status, ...) keeps its own colours: read from the charts the
page actually draws on the bundled data, no colour is shared between two meanings."""

from __future__ import annotations

import itertools
import json

import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from components.registry import PAGES
from parley import palette
from parley.commitment_charts import PARTS, status_legend_text
from tests.app.conftest import assert_clean, each_section

IDS = [p.url_path for p in PAGES]
COLOUR_CHANNELS = ("color", "fill", "stroke")


def classify(domain: list, field: str, title: object, ds) -> str:
    """The meaning of a colour scale, from what its legend lists."""
    names = set(map(str, domain))
    known = {
        "position stance": set(ds.labels["position_stance"].values()),
        "reaction stance": set(ds.labels["reaction_stance"].values()),
        "talk format": set(ds.labels["talk_format"].values()),
        "party": set(ds.labels["actor"].values()),
        "commitment status": {status_legend_text(c, t) for c, t in ds.labels["commitment_status"].items()}
        | {p[1] for p in PARTS},
    }
    for meaning, labels in known.items():
        if names and names <= labels:
            return meaning
    if field == "share":
        return "place on a scale"
    if field == "count":
        return "records per month"
    if names and all(n.startswith(("A: ", "B: ")) for n in names):
        return "plan in a comparison"
    return f"unclassified: {field} / {title}"  # still checked against every other meaning on the page


def vega_colours(spec: dict, ds, found: dict[str, set[str]]) -> None:
    def walk(node: object) -> None:
        if isinstance(node, dict):
            mark = node.get("mark")
            if isinstance(mark, dict) and str(mark.get("color", "")).upper() == palette.PLAN_COLOUR:
                found.setdefault("plan", set()).add(palette.PLAN_COLOUR)
            for name in COLOUR_CHANNELS:
                channel = (node.get("encoding") or {}).get(name)
                scale = channel.get("scale") if isinstance(channel, dict) else None
                if isinstance(scale, dict) and isinstance(scale.get("range"), list):
                    meaning = classify(scale.get("domain", []), channel.get("field", ""), channel.get("title"), ds)
                    found.setdefault(meaning, set()).update(str(c).upper() for c in scale["range"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)


def plotly_colours(fig: dict, ds, found: dict[str, set[str]]) -> None:
    formats = set(ds.labels["talk_format"].values())
    for trace in fig["data"]:
        colour = trace.get("marker", {}).get("color")
        colours = colour if isinstance(colour, list) else [colour]
        # Lanes are named by format (shortened to fit); the highlighted round keeps its format's colour.
        meaning = "talk format" if trace.get("name") in formats or trace.get("name") == "highlighted" else None
        found.setdefault(meaning or f"unclassified: {trace.get('name')}", set()).update(
            str(c).upper() for c in colours if c
        )


def colours_by_meaning(at, ds) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for element in at.get("vega_lite_chart"):
        vega_colours(json.loads(element.proto.spec), ds, found)
    for element in at.get("plotly_chart"):
        plotly_colours(json.loads(element.proto.spec), ds, found)
    found = {meaning: colours - {"#FFFFFF", "WHITE"} for meaning, colours in found.items()}
    return found


@pytest.fixture(scope="module")
def bundled_ds():
    from components.data import get_dataset

    return get_dataset()


# What each page must be found to draw, so the rule below cannot pass by reading nothing.
EXPECTED = {
    "overview": {"talk format", "records per month"},
    "timeline": {"talk format"},
    "positions": {"party", "position stance", "plan"},
    "plans": {"place on a scale"},
    "commitments": {"commitment status"},
    "reactions": {"reaction stance"},
}


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_no_colour_is_shared_between_meanings_on_a_page(on_bundled, bundled_ds, page):
    at = on_bundled(page)
    assert_clean(at)
    found: dict[str, set[str]] = {}
    for _ in each_section(at, page):  # the page's colours, whichever of its sections draws them
        assert_clean(at)
        for meaning, colours in colours_by_meaning(at, bundled_ds).items():
            found.setdefault(meaning, set()).update(colours)
    assert EXPECTED.get(page.url_path, set()) <= set(found), found
    for (a, ca), (b, cb) in itertools.combinations(found.items(), 2):
        assert not ca & cb, f"{page.url_path}: {a} and {b} share {ca & cb}"


def test_codebook_shows_every_palette_with_its_colours_and_labels(on_bundled, bundled_ds):
    at = on_bundled(next(p for p in PAGES if p.url_path == "codebook"))
    assert_clean(at)
    legends = []
    for element in at.get("vega_lite_chart"):
        # Streamlit moves a chart's inline rows out of the spec into an Arrow table beside it.
        if not element.proto.HasField("data"):
            continue
        rows = convert_arrow_bytes_to_pandas_df(element.proto.data.data)
        if {"colour", "label"} <= set(rows.columns):
            legends.append(
                list(zip(rows.sort_values("order")["label"], rows.sort_values("order")["colour"], strict=True))
            )
    assert len(legends) == len(palette.MEANINGS)
    labels = bundled_ds.labels
    for _meaning, scheme, colours in palette.MEANINGS:  # laid out in columns: matched by content, not position
        words = labels.get(scheme, {}) if scheme else {}
        assert [(words.get(code, code), colour) for code, colour in colours.items()] in legends
    stances = next(dict(drawn) for drawn in legends if labels["position_stance"]["reject"] in dict(drawn))
    assert list(stances)[0] == labels["position_stance"]["reject"]  # ordered from reject ...
    assert list(stances)[-1] == labels["position_stance"]["accept"]  # ... to accept


COUNT_FIELDS = {"count", "n"}  # the fields that hold a number of records in the chart builders' aggregates
DAY_TOKENS = ("%d", "%-d", "%e")
PERIOD_TOKENS = {"day": DAY_TOKENS, "week": DAY_TOKENS, "month": ("%b", "%B", "%m"), "year": ("%Y", "%y")}


def positional_encodings(spec: dict):
    def walk(node: object):
        if isinstance(node, dict):
            for name, channel in (node.get("encoding") or {}).items():
                if name in ("x", "y") and isinstance(channel, dict):
                    yield channel
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    yield from walk(spec)


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_count_axes_are_whole_and_time_axes_name_each_period_once(on_bundled, page):
    at = on_bundled(page)
    for element in at.get("vega_lite_chart"):
        for channel in positional_encodings(json.loads(element.proto.spec)):
            axis = channel.get("axis") or {}
            if channel.get("type") == "quantitative" and channel.get("field") in COUNT_FIELDS:
                assert axis.get("tickMinStep") == 1 and axis.get("format") == "d", (page.url_path, channel)
            if channel.get("type") == "temporal" and channel.get("axis") is not None:
                interval = axis["tickCount"]["interval"]  # ticks on whole periods, labelled in that period's format
                assert any(t in axis["format"] for t in PERIOD_TOKENS[interval]), (page.url_path, channel)
