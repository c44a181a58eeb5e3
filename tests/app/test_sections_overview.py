"""The Overview's sections: the key figures above the tabs, and only the open section drawn below."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from tests.app.conftest import assert_clean

OVERVIEW = next(p for p in PAGES if p.url_path == "overview")
METRICS = ["Rounds held", "Latest round", "Days since", "Prisoners agreed per side", "Positions · reactions"]
GAP = "How far apart: Russia and Ukraine on the core issues"
CHARTS = ["Rounds over time", "Records per month"]


def _tables(at) -> set[str]:
    """The keys of the tables drawn, read from their CSV buttons (each table has one, keyed '<table key>.csv')."""
    ids = [b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")]
    return {i.removesuffix(".csv") for i in ids if i.endswith(".csv")}


def _subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def _radios(at) -> list[str]:
    return [r.key for r in at.radio]


def _flag_legend(at) -> bool:
    return any(c.value.startswith("Flags:") for c in at.caption)


@pytest.mark.parametrize("section", [slug for slug, _ in OVERVIEW.sections])
def test_every_section_keeps_the_key_figures_above_the_tabs(on_bundled, section):
    at = on_bundled(OVERVIEW, None, section)
    assert_clean(at)
    assert [m.label for m in at.metric] == METRICS
    assert any(c.value.startswith("Latest round: ") for c in at.caption)


def test_the_gap_section_draws_the_gap_table_only(on_bundled):
    at = on_bundled(OVERVIEW, None, "gap")
    assert_clean(at)
    assert GAP in _subheaders(at)
    assert _tables(at) == {"overview.gaps"}
    assert any(c.value.startswith("As of ") for c in at.caption)
    assert "overview.since" not in _radios(at)
    assert not _flag_legend(at)
    assert not at.get("vega_lite_chart")
    assert not set(CHARTS) & set(_subheaders(at))


def test_the_changes_section_draws_the_changes_and_the_legend_only(on_bundled):
    at = on_bundled(OVERVIEW, None, "changes")
    assert_clean(at)
    assert "What changed" in _subheaders(at)
    assert "overview.since" in _radios(at)
    assert _tables(at) == {"overview.changes"}
    assert _flag_legend(at)
    assert GAP not in _subheaders(at)
    assert not at.get("vega_lite_chart")


def test_the_activity_section_draws_the_two_charts_only(on_bundled):
    at = on_bundled(OVERVIEW, None, "activity")
    assert_clean(at)
    assert [s for s in _subheaders(at) if s in CHARTS] == CHARTS
    assert len(at.get("vega_lite_chart")) == 2
    assert any("How many records the data holds per month" in c.value for c in at.caption)
    assert not _tables(at)
    assert "overview.since" not in _radios(at)
    assert GAP not in _subheaders(at) and "What changed" not in _subheaders(at)


def test_the_first_section_is_the_gap(on_bundled):
    at = on_bundled(OVERVIEW)
    assert_clean(at)
    assert OVERVIEW.sections[0][0] == "gap"
    assert _tables(at) == {"overview.gaps"}
