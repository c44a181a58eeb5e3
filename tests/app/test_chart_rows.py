"""Charts hand their rows to Streamlit as Arrow tables built by pyarrow: the same rows Streamlit's own conversion of
the row lists gives, for every chart of every page section, and the chart builders' specs are left untouched."""

from __future__ import annotations

import copy

import pandas as pd
import pyarrow as pa
import pytest
from streamlit import dataframe_util

from components import charts
from components.registry import page_visits, visit_id
from tests.app.conftest import assert_clean

VISITS = [(p, s) for p, s in page_visits() if p.url_path not in ("search", "add", "import")]


def _as_frame(data: object) -> pd.DataFrame:
    return dataframe_util.convert_arrow_bytes_to_pandas_df(dataframe_util.convert_anything_to_arrow_bytes(data))


def _same_rows(rows: list[dict], table: pa.Table) -> None:
    ours, theirs = _as_frame(table), _as_frame(rows)
    assert list(ours.columns) == list(theirs.columns)
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)


@pytest.mark.parametrize(("page", "section"), VISITS, ids=[visit_id(p, s) for p, s in VISITS])
def test_every_chart_hands_over_the_rows_streamlit_would(on_bundled, monkeypatch, page, section):
    seen: list[dict] = []
    real = charts.with_arrow_rows

    def spy(spec: dict) -> dict:
        before = copy.deepcopy(spec)
        shown = real(spec)
        assert spec == before  # the builder's spec (possibly shared) is not changed
        seen.append((spec, shown))
        return shown

    monkeypatch.setattr(charts, "with_arrow_rows", spy)
    at = on_bundled(page, None, section)
    assert_clean(at)
    converted = 0
    for spec, shown in seen:
        rows = (spec.get("data") or {}).get("values")
        if isinstance(shown.get("data", {}).get("values"), pa.Table):
            _same_rows(rows, shown["data"]["values"])
            converted += 1
        for name, data in (spec.get("datasets") or {}).items():
            if isinstance(shown["datasets"][name], pa.Table):
                _same_rows(data, shown["datasets"][name])
                converted += 1
    # Every chart with a list of plain rows hands them over (a map's outlines stay in the spec for Vega-Lite).
    plain = sum(
        isinstance(rows, list) and bool(rows) and "geometry" not in rows[0]
        for spec, _ in seen
        for rows in [(spec.get("data") or {}).get("values"), *(spec.get("datasets") or {}).values()]
    )
    assert converted == plain, (converted, plain)


def test_rows_that_cannot_be_typed_are_left_to_streamlit():
    mixed = {"data": {"values": [{"a": 1}, {"a": "one"}]}, "mark": "bar"}
    assert charts.with_arrow_rows(mixed)["data"]["values"] == [{"a": 1}, {"a": "one"}]
    nested = {"data": {"values": [{"a": [1, 2]}]}}
    assert charts.with_arrow_rows(nested)["data"]["values"] == [{"a": [1, 2]}]
    features = {"data": {"values": [{"type": "Feature", "geometry": {}}]}}
    assert charts.with_arrow_rows(features) == features
    ragged = charts.with_arrow_rows({"data": {"values": [{"a": 1}, {"b": "x"}]}})["data"]["values"]
    assert ragged.column_names == ["a", "b"] and ragged.to_pylist() == [{"a": 1, "b": None}, {"a": None, "b": "x"}]
