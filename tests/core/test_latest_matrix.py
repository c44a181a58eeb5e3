"""The latest stance per party and issue, and the stance matrix drawn from it, against plain pandas references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley.aggregate import latest_stances
from parley.charts import MATRIX_COLUMNS, PALE_STANCES, _values, stance_matrix_chart
from parley.filters import Filters, dates_text
from parley.views import apply_view

FILTERS = [Filters(), Filters(parties=("RUS", "UKR")), Filters(issues=("territory", "ceasefire"), hide_low=True)]


def _reference_latest(frame: pd.DataFrame) -> list[str]:
    """Sort by date (file order within a day), keep each pair's last, order by party id then issue id."""
    rows = frame.astype({"actor_id": str, "issue_id": str}).reset_index(drop=True)
    rows["_row"] = np.arange(len(rows))
    kept = rows.sort_values(["date", "_row"], kind="stable").groupby(["actor_id", "issue_id"]).tail(1)
    return kept.sort_values(["actor_id", "issue_id"])["position_id"].tolist()


def _reference_rows(latest: pd.DataFrame, labels: dict[str, str]) -> list[dict]:
    """The matrix's rows as the chart built them with pandas column steps."""
    frame = pd.DataFrame(
        {
            "actor_name": latest["actor_name"].astype(str),
            "issue_label": latest["issue_label"].astype(str),
            "stance_label": latest["stance"].astype(str).map(labels),
            "when": dates_text(latest["date"]),
            "summary": latest["summary"].astype(str),
            "flags": latest["flags"].astype(str),
        }
    )
    frame["caution"] = frame["flags"].str.contains("disputed|low confidence")
    frame["pale"] = latest["stance"].astype(str).isin(PALE_STANCES).to_numpy()
    return _values(frame)


@pytest.mark.parametrize("f", FILTERS)
def test_latest_stances_equal_plain_pandas(bundled, f):
    positions = apply_view(bundled, f).positions
    latest = latest_stances(positions)
    assert latest["position_id"].tolist() == _reference_latest(positions.frame())
    assert list(latest.columns) == list(bundled.positions.columns)
    narrow = latest_stances(positions, MATRIX_COLUMNS)
    assert list(narrow.columns) == list(MATRIX_COLUMNS)
    pd.testing.assert_frame_equal(narrow, latest[list(MATRIX_COLUMNS)])


def test_latest_stances_of_a_shuffled_frame_with_repeated_days(bundled):
    rng = np.random.default_rng(7)
    frame = pd.concat([bundled.positions] * 20, ignore_index=True)
    frame["position_id"] = [f"p{i}" for i in range(len(frame))]
    frame["date"] = frame["date"].to_numpy()[rng.integers(0, len(frame), len(frame))]  # many statements a day
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    assert latest_stances(frame)["position_id"].tolist() == _reference_latest(frame)


@pytest.mark.parametrize("f", FILTERS)
def test_matrix_rows_equal_the_pandas_build(bundled, f):
    labels = bundled.labels["position_stance"]
    latest = latest_stances(apply_view(bundled, f).positions, MATRIX_COLUMNS)
    spec = stance_matrix_chart(latest, labels)
    assert spec["data"]["values"] == _reference_rows(latest, labels)
    assert any(row["caution"] for row in spec["data"]["values"]) or f.hide_low


def test_matrix_rows_with_hostile_and_missing_values(bundled):
    latest = latest_stances(bundled.positions, MATRIX_COLUMNS).head(4).copy()
    latest["summary"] = ["**bold** <b>x</b>", "=1+1", "\\x1b[31m", "line\\nbreak"]
    latest["stance"] = latest["stance"].astype(str)
    latest.loc[0, "stance"] = "not-a-code"  # no label: null, as the map of labels gives
    latest.loc[1, "date"] = pd.NaT
    labels = bundled.labels["position_stance"]
    assert stance_matrix_chart(latest, labels)["data"]["values"] == _reference_rows(latest, labels)
