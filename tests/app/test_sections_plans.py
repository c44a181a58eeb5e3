"""The Peace plans page's sections on the mini dataset: each draws its own charts, tables and pickers and no other
section's, the chosen pair of plans survives a visit to another section, and what a section remembers between reruns
equals what it would build afresh."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pandas.testing import assert_frame_equal

from components.plans import K_PLAN_A, K_PLAN_B
from components.registry import PAGES
from components.sections import section_key
from parley.filters import Filters, format_date
from parley.plan_charts import comparison_view, matrix_view, plan_matrix_chart
from parley.plans import compare_plans, newest_pair, plan_choices, plan_matrix, plans_in_view
from parley.recent import Recent
from tests.app.conftest import assert_clean

PLANS = next(p for p in PAGES if p.url_path == "plans")
# Each section's own downloads (a chart has PNG and SVG, a table CSV): the keys say whose content is on screen.
DOWNLOADS = {
    "matrix": {"plans.matrix.png", "plans.matrix.svg"},
    "compare": {"plans.comparison.csv", "plans.comparison_chart.png", "plans.comparison_chart.svg"},
    "provisions": {"plans.provisions.csv"},
    "plans": {"plans.plans.csv"},
}


def _downloads(at) -> set[str]:
    return {b.key for b in at.get("download_button") if b.key.startswith("plans.")}


def test_every_declared_section_is_covered():
    assert list(DOWNLOADS) == [slug for slug, _ in PLANS.sections]


@pytest.mark.parametrize("slug", list(DOWNLOADS))
def test_a_section_draws_its_own_content_only(on_mini, slug):
    at = on_mini(PLANS, None, slug)
    assert_clean(at)
    assert at.title[0].value == "Peace plans"  # the header is above the sections
    assert [t.label for t in at.tabs] == [label for _, label in PLANS.sections]
    assert _downloads(at) == DOWNLOADS[slug]
    assert {s.key for s in at.selectbox} == ({K_PLAN_A, K_PLAN_B} if slug == "compare" else set())
    assert len(at.dataframe) == (0 if slug == "matrix" else 1)
    assert len(at.get("vega_lite_chart")) == (1 if slug in ("matrix", "compare") else 0)
    # every section shows flags (marks on the matrix, a Flags column in the tables), so each explains them
    assert any(c.value.startswith("Flags: **disputed**") for c in at.caption)


def test_the_chosen_pair_stays_while_another_section_is_open(on_mini):
    at = on_mini(PLANS, None, "compare")
    at.selectbox(key=K_PLAN_A).set_value("moscow-plan")
    at.selectbox(key=K_PLAN_B).set_value("kyiv-plan")
    at.run()
    at.session_state[section_key(PLANS)] = dict(PLANS.sections)["provisions"]
    at.run()
    assert_clean(at)
    assert not at.selectbox and _downloads(at) == DOWNLOADS["provisions"]
    at.session_state[section_key(PLANS)] = dict(PLANS.sections)["compare"]
    at.run()
    assert_clean(at)
    assert (at.selectbox(key=K_PLAN_A).value, at.selectbox(key=K_PLAN_B).value) == ("moscow-plan", "kyiv-plan")


# ---- what the sections reuse between reruns: the same answers as built afresh, reused only for the same rows -----
VIEWS = [
    Filters(),
    Filters(parties=("UKR",)),
    Filters(hide_low=True),
    Filters(end=date(2025, 5, 31)),
    Filters(issues=("ceasefire",)),
    Filters(parties=("RUS", "TUR", "UKR")),
]


def _fresh_choices(view) -> tuple:
    ordered = view.plans.sort_values(["presented", "plan_id"], ascending=False, kind="stable")
    options = ordered["plan_id"].astype(str).tolist()
    names = [f"{t} · {format_date(d)}" for t, d in zip(ordered["title"], ordered["presented"], strict=True)]
    return options, dict(zip(options, names, strict=True)), newest_pair(view.plans)


def test_remembered_answers_equal_fresh_ones_for_every_view(bundled):
    issue_order = bundled.issues["label"].astype(str).tolist()
    for _ in range(2):  # the second round is answered from memory: it must still match each view
        for f in VIEWS:
            view = plans_in_view(bundled, f)
            cells = plan_matrix(view.provisions, bundled.issue_options)
            assert matrix_view(bundled, view, issue_order) == (
                None if cells.empty else plan_matrix_chart(cells, issue_order)
            ), f
            assert plan_choices(bundled, view) == _fresh_choices(view), f
            if len(view.plans) >= 2:
                a, b = view.plans["plan_id"].iloc[0], view.plans["plan_id"].iloc[-1]
                comparison, _ = comparison_view(bundled, view, a, b, issue_order)
                assert_frame_equal(comparison, compare_plans(view.provisions, a, b, bundled.issue_options))
                reversed_pair, _ = comparison_view(bundled, view, b, a, issue_order)
                assert_frame_equal(reversed_pair, compare_plans(view.provisions, b, a, bundled.issue_options))


def test_a_filter_change_that_keeps_the_same_plans_and_points_reuses_the_matrix(bundled):
    issue_order = bundled.issues["label"].astype(str).tolist()
    whole = plans_in_view(bundled, Filters())
    same = plans_in_view(bundled, Filters(end=bundled.date_span[1].date() + timedelta(days=30)))
    assert same.plans.index.equals(whole.plans.index) and same.provisions.index.equals(whole.provisions.index)
    assert matrix_view(bundled, same, issue_order) is matrix_view(bundled, whole, issue_order)
    fewer = plans_in_view(bundled, Filters(hide_low=True))
    assert len(fewer.provisions) < len(whole.provisions)
    assert matrix_view(bundled, fewer, issue_order) is not matrix_view(bundled, whole, issue_order)


def test_only_the_last_selections_are_remembered():
    recent = Recent(2)
    made: list[str] = []
    for key in ["a", "b", "a", "c", "b", "a"]:
        assert recent.get(key, lambda key=key: made.append(key) or key.upper()) == key.upper()
    # "a" stayed while it was asked again; "b" fell out when "c" came in; then "a" when "b" came back
    assert made == ["a", "b", "c", "b", "a"] and len(recent) == 2
