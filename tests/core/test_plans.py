"""Peace plans: selection by the filters, the issue x plan matrix, two-plan comparison, and their chart specs."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from pandas.testing import assert_frame_equal

from parley import palette
from parley.export import chart_png, for_export
from parley.filters import Filters
from parley.plan_charts import comparison_chart, plan_matrix_chart
from parley.plans import (
    COMPARE_COLUMNS,
    MATRIX_COLUMNS,
    apply_plans,
    compare_plans,
    comparison_marks,
    newest_pair,
    plan_matrix,
    plans_in_view,
    verdict,
)

# issues.csv order on purpose not alphabetical: results must follow it.
ISSUES = ["zeta", "alpha", "mid", "free"]
OPTIONS = pd.DataFrame(
    {
        "issue_id": pd.Categorical(["zeta"] * 3 + ["alpha"] * 5 + ["mid"] * 4, categories=ISSUES),
        "option_id": [f"zeta.{i}" for i in range(1, 4)]
        + [f"alpha.{i}" for i in range(1, 6)]
        + ["mid.1", "mid.2", "mid.3", "mid.4"],
        "rank": pd.array([1, 2, 3, 1, 2, 3, 4, 5, 1, 2, 3, 4], dtype="Int64"),
    }
)
OPTIONS["label"] = OPTIONS["option_id"].str.upper()


def provisions(rows: list[tuple]) -> pd.DataFrame:
    """(plan, point, issue, option or "", summary, confidence, flags) -> a provisions frame as the loader shapes it."""
    frame = pd.DataFrame(rows, columns=["plan_id", "point", "issue_id", "option_id", "summary", "confidence", "flags"])
    by_option = OPTIONS.set_index("option_id")
    titles = {"p1": "Plan one", "p2": "Plan two", "p3": "Plan three"}
    dates = {"p1": "2024-01-10", "p2": "2025-02-20", "p3": "2025-03-30"}
    return pd.DataFrame(
        {
            "provision_id": frame["plan_id"] + "." + frame["point"].astype(str) + "-" + frame["issue_id"],
            "plan_id": frame["plan_id"].astype("str"),
            "point": frame["point"].astype("Int64"),
            "issue_id": pd.Categorical(frame["issue_id"], categories=ISSUES),
            "option_id": frame["option_id"].astype("str"),
            "summary": frame["summary"].astype("str"),
            "confidence": pd.Categorical(frame["confidence"], categories=["high", "medium", "low"]),
            "flags": frame["flags"].astype("str"),
            "plan_title": frame["plan_id"].map(titles).astype("str"),
            "presented": pd.to_datetime(frame["plan_id"].map(dates)),
            "issue_label": frame["issue_id"].str.title().astype("str"),
            "option_label": frame["option_id"].map(by_option["label"]).fillna("").astype("str"),
            "option_rank": frame["option_id"].map(by_option["rank"]).astype("Int64"),
        }
    )


# ---- the matrix ------------------------------------------------------------------------------------------------
def test_matrix_takes_the_lowest_numbered_point_with_an_option_and_lists_every_summary():
    rows = provisions(
        [
            ("p1", 3, "alpha", "alpha.2", "third", "high", ""),
            ("p1", 1, "alpha", "", "first, off the scale", "medium", "single source"),
            ("p1", 2, "alpha", "alpha.4", "second", "low", "low confidence"),
            ("p1", 4, "zeta", "zeta.3", "zeta point", "high", ""),
            ("p2", 1, "free", "", "no scale", "high", "disputed, single source"),
        ]
    )
    expected = pd.DataFrame(
        {
            "plan_id": ["p1", "p1", "p2"],
            "plan_title": ["Plan one", "Plan one", "Plan two"],
            "presented": pd.to_datetime(["2024-01-10", "2024-01-10", "2025-02-20"]),
            "issue_id": ["zeta", "alpha", "free"],
            "issue_label": ["Zeta", "Alpha", "Free"],
            "option_id": ["zeta.3", "alpha.4", ""],
            "option_label": ["ZETA.3", "ALPHA.4", ""],
            "option_rank": pd.array([3, 4, None], dtype="Int64"),
            "scale_size": pd.array([3, 5, None], dtype="Int64"),
            "share": pd.array([1.0, 0.75, None], dtype="Float64"),
            "points": ["4", "1, 2, 3", "1"],
            "summaries": [
                "Point 4: zeta point",
                "Point 1: first, off the scale · Point 2: second · Point 3: third",
                "Point 1: no scale",
            ],
            "confidence": ["high", "low", "high"],
            "flags": ["", "low confidence, single source", "disputed, single source"],
            "caution": [False, True, True],
        }
    )
    cells = plan_matrix(rows, OPTIONS)
    assert list(cells.columns) == MATRIX_COLUMNS
    assert_frame_equal(cells, expected, check_dtype=False)
    assert cells["option_rank"].dtype == "Int64" and cells["share"].dtype == "Float64"


def test_matrix_of_no_provisions_is_empty_with_every_column():
    cells = plan_matrix(provisions([]), OPTIONS)
    assert cells.empty and list(cells.columns) == MATRIX_COLUMNS


# ---- comparing two plans ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("in_a", "in_b", "rank_a", "rank_b", "expected"),
    [
        (True, True, 2, 2, "same option"),
        (True, True, 3, 2, "B moves toward Ukraine by 1 step"),
        (True, True, 1, 4, "B moves toward Russia by 3 steps"),
        (True, True, 5, 1, "B moves toward Ukraine by 4 steps"),
        (True, False, 2, pd.NA, "only in A"),
        (False, True, pd.NA, 2, "only in B"),
        (True, True, pd.NA, 2, "both, off the scale"),
        (True, True, 2, pd.NA, "both, off the scale"),
        (True, True, pd.NA, pd.NA, "both, off the scale"),
    ],
)
def test_verdict_in_words(in_a, in_b, rank_a, rank_b, expected):
    assert verdict(in_a, in_b, rank_a, rank_b) == expected


COMPARED = provisions(
    [
        ("p1", 1, "alpha", "alpha.4", "a alpha", "high", ""),
        ("p2", 1, "alpha", "alpha.2", "b alpha", "high", ""),
        ("p1", 2, "zeta", "zeta.1", "a zeta", "high", ""),
        ("p2", 2, "zeta", "zeta.3", "b zeta", "low", "low confidence"),
        ("p1", 3, "mid", "mid.2", "a mid", "high", ""),
        ("p2", 3, "free", "", "b free", "medium", ""),
        ("p1", 4, "free", "", "a free", "high", ""),
        ("p2", 4, "mid", "", "b mid off", "high", ""),
        ("p3", 1, "alpha", "alpha.1", "other plan", "high", ""),
    ]
)


def test_compare_plans_row_by_row_in_issue_order():
    table = compare_plans(COMPARED, "p1", "p2", OPTIONS)
    assert list(table.columns) == COMPARE_COLUMNS
    assert table[["issue_id", "option_a", "option_b", "steps", "verdict"]].to_dict("list") == {
        "issue_id": ["zeta", "alpha", "mid", "free"],
        "option_a": ["ZETA.1", "ALPHA.4", "MID.2", ""],
        "option_b": ["ZETA.3", "ALPHA.2", "", ""],
        "steps": [2, -2, None, None],  # to_dict gives a missing value as None
        "verdict": [
            "B moves toward Russia by 2 steps",
            "B moves toward Ukraine by 2 steps",
            "both, off the scale",
            "both, off the scale",
        ],
    }
    assert table["summary_b"].tolist() == [
        "Point 2: b zeta",
        "Point 1: b alpha",
        "Point 4: b mid off",
        "Point 3: b free",
    ]
    assert table["flags_b"].tolist() == ["low confidence", "", "", ""]
    assert table["scale_size"].tolist() == [3, 5, 4, pd.NA]


def test_compare_plans_issues_in_one_plan_only_and_the_reverse_order():
    table = compare_plans(COMPARED, "p3", "p1", OPTIONS)
    assert table[["issue_id", "rank_a", "rank_b", "verdict"]].to_dict("list") == {
        "issue_id": ["zeta", "alpha", "mid", "free"],
        "rank_a": [None, 1, None, None],
        "rank_b": [1, 4, 2, None],
        "verdict": ["only in B", "B moves toward Russia by 3 steps", "only in B", "only in B"],
    }
    swapped = compare_plans(COMPARED, "p1", "p3", OPTIONS)
    assert swapped["verdict"].tolist() == ["only in A", "B moves toward Ukraine by 3 steps", "only in A", "only in A"]
    assert swapped["option_b"].tolist() == ["", "ALPHA.1", "", ""]


def test_comparison_marks_place_each_ranked_option_on_its_scale():
    marks = comparison_marks(compare_plans(COMPARED, "p1", "p2", OPTIONS))
    got = marks[["issue_label", "side", "share", "caution"]].to_dict("list")
    assert got == {
        "issue_label": ["Zeta", "Alpha", "Mid", "Zeta", "Alpha"],
        "side": ["A", "A", "A", "B", "B"],
        "share": [0.0, 0.75, pytest.approx(1 / 3), 1.0, 0.25],
        "caution": [False, False, False, True, False],
    }


# ---- selection by the filters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("f", "plans", "points"),
    [
        (Filters(), ["kyiv-plan", "moscow-plan"], ["kyiv-plan.1", "moscow-plan.1", "moscow-plan.2"]),
        (Filters(issues=("territory",)), ["moscow-plan"], ["moscow-plan.2"]),
        (Filters(issues=("prisoners",)), [], []),
        (Filters(parties=("TUR",)), ["moscow-plan"], ["moscow-plan.1", "moscow-plan.2"]),
        (Filters(parties=("UKR", "FRA")), ["kyiv-plan"], ["kyiv-plan.1"]),
        (Filters(parties=("NOBODY",)), [], []),
        (Filters(end=date(2025, 5, 31)), ["kyiv-plan"], ["kyiv-plan.1"]),
        (Filters(start=date(2025, 6, 2), end=date(2025, 6, 2)), ["moscow-plan"], ["moscow-plan.1", "moscow-plan.2"]),
        (Filters(start=date(2025, 5, 21), end=date(2025, 6, 1)), [], []),
        (Filters(hide_low=True), ["kyiv-plan"], ["kyiv-plan.1"]),
        (
            Filters(formats=("mediated",)),
            ["kyiv-plan", "moscow-plan"],
            ["kyiv-plan.1", "moscow-plan.1", "moscow-plan.2"],
        ),
    ],
    ids=lambda v: str(v.to_query()) if isinstance(v, Filters) else None,
)
def test_plans_in_view_are_exact(mini, f, plans, points):
    view = plans_in_view(mini, f)
    assert view.plans["plan_id"].tolist() == plans
    assert view.provisions["provision_id"].tolist() == points
    assert view.is_empty == (not plans)
    # never more rows than the tables hold, and every point kept belongs to a plan kept
    assert set(view.provisions.index) <= set(mini.provisions.index)
    assert set(view.provisions["plan_id"]) <= set(view.plans["plan_id"])


def test_a_low_confidence_point_of_a_kept_plan_is_hidden_with_hide_low():
    rows = provisions([("p1", 1, "alpha", "alpha.1", "sure", "high", ""), ("p1", 2, "zeta", "", "leak", "low", "")])
    plans = pd.DataFrame(
        {
            "plan_id": ["p1"],
            "presented": pd.to_datetime(["2024-01-10"]),
            "proposer_ids": ["UKR;USA"],
            "confidence": pd.Categorical(["high"], categories=["high", "medium", "low"]),
        }
    )
    view = apply_plans(plans, rows, Filters(hide_low=True, parties=("USA",)))
    assert view.plans["plan_id"].tolist() == ["p1"]
    assert view.provisions["summary"].tolist() == ["sure"]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        ([], (None, None)),
        (["2025-01-01"], (None, "p0")),
        (["2025-03-01", "2024-01-01", "2025-01-01"], ("p2", "p0")),
    ],
)
def test_default_pair_is_the_two_newest_plans_older_first(dates, expected):
    plans = pd.DataFrame({"plan_id": [f"p{i}" for i in range(len(dates))], "presented": pd.to_datetime(dates)})
    assert newest_pair(plans) == expected


# ---- charts --------------------------------------------------------------------------------------------------------
def _valid(spec: dict) -> dict:
    validate_jsonschema(spec, load_schema())
    return spec


def _layer_with(spec: dict, channel: str) -> dict:
    return next(layer for layer in spec["layer"] if channel in layer.get("encoding", {}))


def test_matrix_chart_colours_by_place_on_the_scale_and_marks_doubtful_cells():
    cells = plan_matrix(COMPARED, OPTIONS)
    spec = _valid(plan_matrix_chart(cells, ["Zeta", "Alpha", "Mid", "Free"]))
    colour = _layer_with(spec, "color")["encoding"]["color"]
    assert colour["field"] == "share" and colour["scale"] == {"domain": [0, 1], "range": list(palette.SCALE_COLOURS)}
    # one meaning only: no party or stance colour is reused for the scale
    others = {*palette.PARTY_COLOURS.values(), *palette.POSITION_STANCE_COLOURS.values()}
    assert not others & set(palette.SCALE_COLOURS)
    rows = spec["data"]["values"]
    assert len(rows) == len(cells)
    doubtful = [r for r in rows if r["caution"]]
    assert [(r["plan_title"], r["issue_label"], r["text"]) for r in doubtful] == [("Plan two", "Zeta", "! ZETA.3")]
    assert all(not r["text"].startswith("!") for r in rows if not r["caution"])
    off_scale = [r for r in rows if r["share"] is None]
    assert {r["text"] for r in off_scale} == {"off the scale"}
    assert _layer_with(spec, "y")["encoding"]["y"]["sort"] == ["Zeta", "Alpha", "Mid", "Free"]
    tooltip = {t["field"] for t in _layer_with(spec, "tooltip")["encoding"]["tooltip"]}
    assert {"plan_title", "issue_label", "option", "summaries", "confidence", "flags"} <= tooltip
    # doubtful cells get a dashed outline on both kinds of cell
    rects = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rect"]
    assert [layer["mark"]["strokeDash"]["expr"] for layer in rects] == ["datum.caution ? [5, 3] : [1, 0]"] * 2


def test_matrix_chart_names_two_plans_with_one_title_apart():
    rows = provisions([("p1", 1, "alpha", "alpha.1", "x", "high", ""), ("p2", 1, "alpha", "alpha.2", "y", "high", "")])
    rows["plan_title"] = "Same title"
    rows["presented"] = pd.Timestamp("2025-02-01")
    spec = plan_matrix_chart(plan_matrix(rows, OPTIONS))
    assert [r["plan"] for r in spec["data"]["values"]] == ["Same title (Feb 2025) [p1]", "Same title (Feb 2025) [p2]"]


def test_comparison_chart_spec_and_one_rendered_image():
    marks = comparison_marks(compare_plans(COMPARED, "p1", "p2", OPTIONS))
    spec = _valid(comparison_chart(marks, "Plan one", "Plan two", ["Zeta", "Alpha", "Mid", "Free"]))
    assert {r["plan"] for r in spec["data"]["values"]} == {"A: Plan one", "B: Plan two"}
    assert spec["layer"][2]["transform"] == [{"filter": "datum.caution"}]  # the '!' beside doubtful points
    assert chart_png(for_export(spec)).startswith(b"\x89PNG")
    matrix = plan_matrix_chart(plan_matrix(COMPARED, OPTIONS))
    assert chart_png(for_export(matrix)).startswith(b"\x89PNG")


def test_bundled_plans_make_valid_charts(bundled):
    view = plans_in_view(bundled, Filters())
    if view.is_empty:
        pytest.skip("no plans in the bundled data")
    cells = plan_matrix(view.provisions, bundled.issue_options)
    assert len(cells) == view.provisions.groupby(["plan_id", "issue_id"], observed=True).ngroups
    _valid(plan_matrix_chart(cells, bundled.issues["label"].tolist()))
    a, b = newest_pair(view.plans)
    table = compare_plans(view.provisions, a, b, bundled.issue_options)
    assert set(table["issue_id"]) == set(view.provisions.loc[view.provisions["plan_id"].isin([a, b]), "issue_id"])
    _valid(comparison_chart(comparison_marks(table), a, b))
