"""The gap-over-time chart's rows, built directly, equal the rows its pandas build gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley import gaps
from parley.charts import _values
from parley.filters import Filters, dates_text
from parley.gap_charts import gap_over_time_chart
from parley.views import apply_view


def _reference_rows(frame: pd.DataFrame, sizes: dict[str, int]) -> list[dict]:
    steps = [sizes.get(issue, 2) - 1 for issue in frame["issue_id"]]
    data = frame.assign(
        share=[gap / n if n > 0 else 0 for gap, n in zip(frame["gap"], steps, strict=True)],
        steps=[f"{gap} of {n}" for gap, n in zip(frame["gap"], steps, strict=True)],
        when=dates_text(frame["date"]),
    )
    last = (data["date"].max() if len(data) else pd.Timestamp("today")) + pd.Timedelta(days=15)
    data["until"] = data.groupby("issue_id", sort=False)["date"].shift(-1).fillna(last)
    return _values(data[["date", "until", "when", "issue_label", "share", "steps", "caution"]])


@pytest.mark.parametrize("pair", [("RUS", "UKR"), ("USA", "RUS"), ("UKR", "USA")])
@pytest.mark.parametrize("f", [Filters(), Filters(hide_low=True)])
def test_rows_equal_the_pandas_build(bundled, pair, f):
    placed = gaps.placed(apply_view(bundled, f).positions, bundled.issue_options)
    frame = gaps.gap_over_time(placed, pair, bundled.labels["issue"])
    sizes = gaps.scale_sizes(bundled.issue_options).to_dict()
    spec = gap_over_time_chart(frame, sizes)
    assert spec["data"]["values"] == _reference_rows(frame, sizes)
    assert spec["encoding"]["y"]["sort"] == list(dict.fromkeys(frame["issue_label"].astype(str)))


def test_rows_of_interleaved_issues_with_a_short_scale(bundled):
    rng = np.random.default_rng(11)
    n = 300
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime("2025-01-01") + pd.to_timedelta(np.sort(rng.integers(0, 400, n)), unit="D"),
            "issue_id": rng.choice(["territory", "ceasefire", "unknown"], n),
            "gap": rng.integers(0, 4, n),
            "caution": rng.random(n) < 0.2,
        }
    )
    frame["issue_label"] = frame["issue_id"].str.title()
    sizes = {"territory": 5, "ceasefire": 1}  # a one-option scale: share 0; an issue with no scale: two options
    assert gap_over_time_chart(frame, sizes)["data"]["values"] == _reference_rows(frame, sizes)
