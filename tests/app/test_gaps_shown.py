"""How far apart, as the Positions and Overview pages show it on the bundled data."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from components.registry import PAGES
from parley import gaps
from parley.filters import Filters
from parley.views import apply_view
from tests.app.conftest import assert_clean

PAGE = {p.url_path: p for p in PAGES}


def _subheaders(at) -> list[str]:
    return [h.value for h in at.subheader]


def _frame(at, columns: set[str]) -> pd.DataFrame:
    """The first table on the page holding all of `columns`."""
    for table in at.dataframe:
        if columns <= set(table.value.columns):
            return table.value
    raise AssertionError(f"no table with {columns}: {[list(t.value.columns) for t in at.dataframe]}")


def test_positions_shows_the_gap_between_russia_and_ukraine_by_default(on_bundled, bundled):
    at = on_bundled(PAGE["positions"], None, "gap")
    assert_clean(at)
    assert {"Gap now", "Gap over time"} <= set(_subheaders(at))
    assert "Stances over time" not in _subheaders(at)
    assert (at.selectbox(key="positions.gap.a").value, at.selectbox(key="positions.gap.b").value) == ("RUS", "UKR")
    shown = _frame(at, {"Issue", "Gap (steps)"})
    placed = gaps.placed(bundled.positions)
    day = gaps.reference_day(placed, None)
    expected = gaps.gap_table(placed, bundled.issue_options, ("RUS", "UKR"), day, gaps.days_before(day, 365))
    assert shown["Issue"].tolist() == expected["issue_label"].tolist()
    # A gap that cannot be measured is an empty cell, never "None" (the column is then shown as text).
    assert shown["Gap (steps)"].tolist() == ["" if pd.isna(g) else str(g) for g in expected["gap"]]


def test_choosing_another_pair_redraws_the_gap(on_bundled, bundled):
    at = on_bundled(PAGE["positions"], None, "gap")
    at.selectbox(key="positions.gap.b").set_value("USA").run()
    assert_clean(at)
    shown = _frame(at, {"Issue", "Gap (steps)"})
    assert "United States" in shown.columns and "Ukraine" not in shown.columns


def test_one_party_in_view_says_there_is_no_gap(on_bundled):
    at = on_bundled(PAGE["positions"], {"party": ["RUS"]}, "gap")
    assert_clean(at)
    assert any("Fewer than two parties" in i.value for i in at.info)
    assert "Gap now" not in _subheaders(at)


def test_overview_gives_one_line_per_core_issue(on_bundled, bundled):
    at = on_bundled(PAGE["overview"])
    assert_clean(at)
    lines = _frame(at, {"Issue", "Gap", "Change over 90 days"})
    assert lines["Issue"].tolist() == [bundled.labels["issue"][i] for i in gaps.CORE_ISSUES]
    placed = gaps.placed(apply_view(bundled, Filters()).positions)
    day = gaps.reference_day(placed, None)
    table = gaps.gap_table(placed, bundled.issue_options, ("RUS", "UKR"), day, gaps.days_before(day, 90))
    assert lines["Gap"].tolist() == gaps.core_lines(table)["gap"].tolist()
    territory = lines.set_index("Issue").loc[bundled.labels["issue"]["territory"]]
    assert territory["Gap"].endswith("steps") and territory["Russia's latest option"] != gaps.NONE_PLACED


def test_hiding_low_confidence_hides_low_confidence_plan_points_on_the_options_chart(on_bundled):
    def plan_points(at) -> pd.DataFrame:
        # Streamlit ships a spec's named datasets as Arrow beside the spec.
        for chart in at.get("vega_lite_chart"):
            for dataset in chart.proto.datasets:
                if dataset.name == "plans":
                    return pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        raise AssertionError("no chart draws the plans")

    at = on_bundled(PAGE["positions"], None, "path")
    assert "Options over time" in _subheaders(at)
    shown = plan_points(at)
    assert shown["flags"].str.contains("low confidence").any(), "the bundled plans include leaked points"
    hidden = plan_points(on_bundled(PAGE["positions"], {"hide_low": ["1"]}, "path"))
    assert len(hidden) and not hidden["flags"].str.contains("low confidence").any()
