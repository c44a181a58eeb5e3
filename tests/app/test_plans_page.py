"""The Peace plans page on the mini dataset: the matrix, the comparison of two chosen plans, the tables, every empty
state, and data text shown literally."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from components.data import DATA_DIR_ENV
from components.plans import K_PLAN_A, K_PLAN_B
from components.registry import PAGES
from parley.loading import load_dataset
from parley.plans import compare_plans
from tests.app.conftest import assert_clean, open_page, shown
from tests.app.test_hostile_text import _markdown_texts
from tests.hostile import HOSTILE, unescaped_markup
from tests.mini import TABLES, write_mini

PLANS = next(p for p in PAGES if p.url_path == "plans")
COMPARISON_COLUMNS = ["Issue", "B against A", "Option in A", "Option in B", "Rank in A", "Rank in B", "Steps (B − A)"]


def _table(at, column: str) -> pd.DataFrame:
    """The page's table that has this column (the page shows several)."""
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert len(found) == 1, [list(df.value.columns) for df in at.dataframe]
    return found[0]


def _infos(at) -> list[str]:
    return [shown(i.value) for i in at.info]


def test_default_view_compares_the_two_newest_plans(on_mini, mini):
    at = on_mini(PLANS)
    assert_clean(at)
    assert at.title[0].value == "Peace plans"
    assert [t.label for t in at.tabs][:2] == ["Where each plan stands", "Compare two plans"]
    assert [s.value for s in at.subheader] == ["Where each plan stands, issue by issue"]
    assert len(at.get("vega_lite_chart")) == 1  # the matrix
    at = on_mini(PLANS, None, "compare")
    assert_clean(at)
    assert len(at.get("vega_lite_chart")) == 1  # the two plans on each scale
    # the older of the two newest plans is A, the newest B
    assert (at.selectbox(key=K_PLAN_A).value, at.selectbox(key=K_PLAN_B).value) == ("kyiv-plan", "moscow-plan")
    table = _table(at, "B against A")
    assert list(table.columns[: len(COMPARISON_COLUMNS)]) == COMPARISON_COLUMNS
    expected = compare_plans(mini.provisions, "kyiv-plan", "moscow-plan", mini.issue_options)
    assert (
        table["B against A"].tolist()
        == expected["verdict"].tolist()
        == [
            "B moves toward Russia by 2 steps",
            "only in B",
        ]
    )
    assert table["Issue"].tolist() == ["Ceasefire", "Territory"]
    provisions = _table(on_mini(PLANS, None, "provisions"), "Point")
    # (plan names may be shown as links to their records, so the rows are checked by their other columns)
    # Newest plan first (every table is newest first); a plan's points keep their order.
    assert provisions[["Point", "Issue", "Option"]].astype(str).values.tolist() == [
        ["1", "Ceasefire", "After withdrawal"],
        ["2", "Territory", ""],
        ["1", "Ceasefire", "Ceasefire first"],
    ]
    assert provisions["Flags"].tolist() == [
        "low confidence, single source",
        "low confidence, single source",
        "single source",
    ]
    assert _table(on_mini(PLANS, None, "plans"), "Proposed by")["Proposed by"].tolist() == [
        "Russia, Türkiye",
        "Ukraine",
    ]


def test_choosing_the_plans_the_other_way_round_reverses_the_verdicts(on_mini):
    at = on_mini(PLANS, None, "compare")
    at.selectbox(key=K_PLAN_A).set_value("moscow-plan")
    at.selectbox(key=K_PLAN_B).set_value("kyiv-plan")
    at.run()
    assert_clean(at)
    assert _table(at, "B against A")["B against A"].tolist() == ["B moves toward Ukraine by 2 steps", "only in A"]
    # the choice stays while a filter change keeps both plans in view
    at.multiselect(key="filters.issue").set_value(["ceasefire"])
    at.run()
    assert_clean(at)
    assert (at.selectbox(key=K_PLAN_A).value, at.selectbox(key=K_PLAN_B).value) == ("moscow-plan", "kyiv-plan")
    assert _table(at, "B against A")["Issue"].tolist() == ["Ceasefire"]


def test_the_same_plan_twice_is_not_compared(on_mini):
    at = on_mini(PLANS, None, "compare")
    at.selectbox(key=K_PLAN_B).set_value("kyiv-plan")
    at.run()
    assert_clean(at)
    assert "Choose two different plans." in _infos(at)
    assert not [df for df in at.dataframe if "B against A" in df.value.columns]


@pytest.mark.parametrize(
    "query",
    [{"party": ["UKR"]}, {"hide_low": ["1"]}, {"to": ["2025-05-31"]}],
    ids=["party", "hide-low", "window"],
)
def test_one_plan_in_view_has_no_comparison(on_mini, query):
    at = on_mini(PLANS, query, "compare")
    assert_clean(at)
    assert any("Only one plan is in view" in i for i in _infos(at)), _infos(at)
    assert not at.selectbox  # no pickers: nothing to pick from
    at = on_mini(PLANS, query, "plans")
    assert_clean(at)
    assert _table(at, "Proposed by")["Proposed by"].tolist() == ["Ukraine"]


@pytest.mark.parametrize(
    "query",
    [{"from": ["2025-05-21"], "to": ["2025-06-01"]}, {"issue": ["prisoners"]}, {"party": ["FRA"]}],
    ids=["window-between-plans", "issue-no-plan-covers", "party-proposed-none"],
)
def test_filters_that_match_no_plan_say_so(on_mini, query):
    for slug, _ in PLANS.sections:  # the empty state comes before the sections, whichever is open
        at = on_mini(PLANS, query, slug)
        assert_clean(at)
        assert any("No peace plans match the current filters" in i and "Widen" in i for i in _infos(at)), _infos(at)
        assert not at.dataframe and not at.get("vega_lite_chart") and not at.tabs


def test_a_dataset_without_plans_says_why(monkeypatch, tmp_path: Path):
    directory = write_mini(tmp_path / "no-plans", {"plans": [], "plan_provisions": []})
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    at = open_page(PLANS)
    assert_clean(at)
    assert any("no plans coded yet" in i for i in _infos(at)), _infos(at)
    assert not at.dataframe


def test_plans_without_points_on_the_chosen_issues_show_no_matrix(monkeypatch, tmp_path: Path):
    # Plans whose points are all low confidence: hiding low confidence keeps the plan (high) but none of its points.
    plans = [{**row, "confidence": "high"} for row in TABLES["plans"]]
    points = [{**row, "confidence": "low"} for row in TABLES["plan_provisions"]]
    directory = write_mini(tmp_path / "no-points", {"plans": plans, "plan_provisions": points})
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    at = open_page(PLANS, {"hide_low": ["1"]})
    assert_clean(at)
    assert any("No point of the plans in view matches the filters" in i for i in _infos(at)), _infos(at)
    table = _table(open_page(PLANS, {"hide_low": ["1"]}, "compare"), "B against A")
    assert table.empty
    assert len(_table(open_page(PLANS, {"hide_low": ["1"]}, "plans"), "Proposed by")) == 2


def test_markup_in_plan_texts_is_shown_as_text(monkeypatch, tmp_path: Path):
    plans = [{**row, "title": HOSTILE + row["title"], "notes": HOSTILE} for row in TABLES["plans"]]
    points = [{**row, "summary": HOSTILE + row["summary"]} for row in TABLES["plan_provisions"]]
    directory = write_mini(tmp_path / "hostile-plans", {"plans": plans, "plan_provisions": points})
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    shown_in = {}
    for slug, _ in PLANS.sections:
        shown_in[slug] = at = open_page(PLANS, None, slug)
        assert_clean(at)
        texts = _markdown_texts(at)
        assert [(t, unescaped_markup(t)) for t in texts if unescaped_markup(t)] == []
    # the tables carry the text exactly as recorded
    assert _table(shown_in["provisions"], "Point")["Summary"].str.startswith(HOSTILE).all()
    ds = load_dataset(directory)
    expected = compare_plans(ds.provisions, "kyiv-plan", "moscow-plan", ds.issue_options)
    assert _table(shown_in["compare"], "B against A")["B's points"].tolist() == expected["summary_b"].tolist()
    assert all(HOSTILE in text for text in expected["summary_b"])


def test_the_talk_format_filter_says_it_does_not_apply(on_mini):
    at = on_mini(PLANS, {"format": ["mediated"]}, "plans")
    assert_clean(at)
    assert any("does not apply to plans" in c.value for c in at.caption)
    assert _table(at, "Proposed by")["Proposed by"].tolist() == ["Russia, Türkiye", "Ukraine"]  # newest first
    at = on_mini(PLANS)
    assert not any("does not apply to plans" in c.value for c in at.caption)
