"""Chart builders give valid specs with the expected fields and colours; exports are safe and exact."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from parley import palette
from parley.aggregate import actor_ranking, count_by, latest_stances, monthly_counts, round_marks
from parley.charts import (
    actor_ranking_chart,
    monthly_chart,
    party_counts_chart,
    stamped,
    stance_counts_chart,
    stance_matrix_chart,
    timeline_chart,
    timeline_figure,
)
from parley.export import chart_png, chart_svg, file_name, for_export, neutralise, table_csv_bytes, to_csv_bytes


def _valid(spec: dict) -> dict:
    """The spec, after checking it against the Vega-Lite schema (the app draws specs without re-validating)."""
    validate_jsonschema(spec, load_schema())
    return spec


def _fields(spec: dict) -> set[str]:
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "field" in node and isinstance(node["field"], str):
                found.add(node["field"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return found


def _scale_of(spec: dict, channel: str) -> dict:
    layers = spec.get("layer", [spec])
    for layer in layers:
        enc = layer.get("encoding", {})
        if channel in enc and "scale" in enc[channel]:
            return enc[channel]["scale"]
    raise AssertionError(f"no {channel} scale")


def test_stance_matrix_spec(mini):
    stances = mini.labels["position_stance"]
    spec = _valid(stance_matrix_chart(latest_stances(mini.positions), stances))
    assert {"actor_name", "issue_label", "stance_label", "summary"} <= _fields(spec)
    scale = _scale_of(spec, "color")
    assert (
        dict(zip(scale["domain"], scale["range"], strict=True))["demand"] == palette.POSITION_STANCE_COLOURS["demand"]
    )


def test_timeline_specs(mini):
    formats = mini.labels["talk_format"]
    spec = _valid(timeline_chart(round_marks(mini.talks), formats))
    assert {"start_date", "format_label", "title", "parties"} <= _fields(spec)
    fig = timeline_figure(round_marks(mini.talks), formats, highlight={"2025-05-16-istanbul"})
    assert {t.name for t in fig.data} == {"direct bilateral", "US–Ukraine", "highlighted"}
    direct = next(t for t in fig.data if t.name == "direct bilateral")
    assert direct.marker.color == palette.FORMAT_COLOURS["direct_bilateral"]
    assert direct.marker.symbol == "circle"
    # the highlighted round stands out: a diamond in its own lane, in its format's colour
    big = next(t for t in fig.data if t.name == "highlighted")
    assert big.marker.symbol == "diamond" and [row[0] for row in big.customdata] == ["2025-05-16-istanbul"]
    assert list(big.y) == ["direct bilateral"]
    assert list(big.marker.color) == [palette.FORMAT_COLOURS["direct_bilateral"]]
    assert fig.layout.template.layout.paper_bgcolor is not None  # a real template: exports are not black


def test_party_colours_are_the_same_everywhere(mini):
    spec = _valid(party_counts_chart(count_by(mini.positions, "actor_id"), mini.labels["actor"]))
    scale = _scale_of(spec, "color")
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        "Ukraine": palette.PARTY_COLOURS["UKR"],
        "Russia": palette.PARTY_COLOURS["RUS"],
    }
    assert palette.party_colour("ZZZ") == palette.party_colour("ZZZ")  # stable fallback


def test_reaction_chart_specs(mini):
    stances = mini.labels["reaction_stance"]
    for chart, fields in (
        (
            stance_counts_chart(count_by(mini.reactions, "stance"), stances, palette.REACTION_STANCE_COLOURS),
            {"stance_label", "count"},
        ),
        (actor_ranking_chart(actor_ranking(mini.reactions), stances), {"actor_name", "count", "stance_label"}),
        (
            monthly_chart(
                monthly_counts(mini.reactions, "date", "stance"), "stance", stances, palette.REACTION_STANCE_COLOURS
            ),
            {"month", "count", "label"},
        ),
    ):
        spec = _valid(chart)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert fields <= _fields(spec)


def test_png_and_svg_export_are_real_images_with_stamp(mini):
    chart = stamped(
        for_export(timeline_chart(round_marks(mini.talks), mini.labels["talk_format"])),
        "Rounds",
        ["Filters: parties: Russia", "Parley data version test.1"],
    )
    png = chart_png(chart)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    svg = chart_svg(chart).decode()
    assert svg.startswith("<svg") and "Filters: parties: Russia" in svg and "test.1" in svg


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value):
    assert neutralise(value) == "'" + value


def test_csv_has_exactly_the_rows_given_and_is_safe(mini):
    frame = mini.positions[["position_id", "date", "summary", "n_sources"]].iloc[[1, 4]]
    raw = to_csv_bytes(frame)
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str)
    assert back["position_id"].tolist() == ["pos-0002", "pos-0005"]
    assert back["date"].tolist() == ["2025-05-16", "2025-06-05"]
    assert back["summary"].iloc[1].startswith("'=HYPERLINK")
    assert back["n_sources"].tolist() == ["2", "1"]


def test_file_names_carry_page_version_and_date():
    assert file_name("Positions", "Latest stance by party", "2026.11.25", date(2026, 11, 25), "csv") == (
        "parley_positions_latest-stance-by-party_v2026.11.25_2026-11-25.csv"
    )


def test_timeline_hover_shows_markup_as_text(mini):
    talks = mini.talks.copy()
    talks["title"] = "<b>Bold</b> <a href='http://evil.example'>link</a> " + "long " * 100
    fig = timeline_figure(round_marks(talks), mini.labels["talk_format"])
    hovers = [row[1] for trace in fig.data for row in trace.customdata]
    assert hovers and all("<b>Bold" not in h and "<a " not in h and "&lt;b&gt;Bold" in h for h in hovers)
    assert all(len(h) < 1500 for h in hovers)  # shortened: a hover never grows thousands of pixels wide


def test_many_rounds_are_binned_under_the_cap(bundled):
    from parley.aggregate import MAX_POINTS

    talks = pd.concat([bundled.talks] * (MAX_POINTS // len(bundled.talks) + 1), ignore_index=True)
    marks = round_marks(talks)
    assert marks.binned and len(marks.frame) <= MAX_POINTS and marks.frame["n"].sum() == len(talks)


def test_csv_of_categories_booleans_and_missing_values():
    frame = pd.DataFrame(
        {
            "code": pd.Categorical(["=cmd", "ok", "ok"]),
            "flag": [True, False, True],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "text": ["-1", None, "plain"],
        }
    )
    back = pd.read_csv(io.BytesIO(to_csv_bytes(frame)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert back.to_dict("list") == {
        "code": ["'=cmd", "ok", "ok"],
        "flag": ["True", "False", "True"],
        "n": ["1", "", "3"],
        "text": ["'-1", "", "plain"],
    }


@pytest.mark.parametrize("chunk", [None, 1, 7])
def test_csv_of_a_selection_equals_the_csv_of_its_frame(bundled, chunk, monkeypatch):
    """A table's download reads the shared table's columns at the selected rows, never a frame of them, a chunk of
    rows at a time; the bytes must be exactly those of the frame the screen shows, formula cells and missing values
    included, however the rows are chunked."""
    import numpy as np

    from parley import export
    from parley.selection import Rows, as_frame

    if chunk is not None:
        monkeypatch.setattr(export, "CSV_CHUNK_ROWS", chunk)

    columns = {c: c.replace("_", " ").title() for c in bundled.positions.columns}
    positions = bundled.positions.copy()
    positions["summary"] = positions["summary"].where(positions.index % 3 != 0, "=HYPERLINK(1)")
    for picked in (np.arange(len(positions))[::-1], np.array([5, 2, 40, 2]), np.array([], dtype=np.int64)):
        rows = Rows(positions, picked)
        expected = to_csv_bytes(as_frame(rows, list(columns)).rename(columns=columns))
        assert table_csv_bytes(rows, columns) == expected
    assert b"'=HYPERLINK(1)" in table_csv_bytes(Rows.all(positions), columns)


def test_inline_rows_are_json_with_nulls_for_missing_values():
    import json

    import numpy as np

    from parley.charts import _values

    frame = pd.DataFrame(
        {
            "when": pd.to_datetime(["2025-05-16", None]),
            "n": pd.array([1, None], dtype="Int64"),
            "share": [0.5, np.nan],
            "code": pd.Categorical(["a", None]),
            "text": ["x", None],
            "flag": [True, False],
        }
    )
    rows = _values(frame)
    assert rows == [
        {"when": "2025-05-16T00:00:00", "n": 1, "share": 0.5, "code": "a", "text": "x", "flag": True},
        {"when": None, "n": None, "share": None, "code": None, "text": None, "flag": False},
    ]
    json.dumps(rows, allow_nan=False)  # a NaN would make the browser's JSON parser fail


def test_no_chart_shows_a_raw_field_name_as_a_title(mini):
    """An axis or legend without a title must say nothing, not 'actor_name'."""
    stances = mini.labels["position_stance"]
    reaction_stances = mini.labels["reaction_stance"]
    specs = [
        stance_matrix_chart(latest_stances(mini.positions), stances),
        party_counts_chart(count_by(mini.positions, "actor_id"), mini.labels["actor"]),
        stance_counts_chart(count_by(mini.reactions, "stance"), reaction_stances, palette.REACTION_STANCE_COLOURS),
        actor_ranking_chart(actor_ranking(mini.reactions), reaction_stances),
        monthly_chart(
            monthly_counts(mini.reactions, "date", "stance"),
            "stance",
            reaction_stances,
            palette.REACTION_STANCE_COLOURS,
        ),
        timeline_chart(round_marks(mini.talks), mini.labels["talk_format"]),
    ]

    def encodings(spec):
        for layer in spec.get("layer", [spec]):
            yield from layer.get("encoding", {}).values()

    for spec in specs:
        for channel in encodings(spec):
            if isinstance(channel, dict) and "field" in channel:
                assert "title" in channel, channel
