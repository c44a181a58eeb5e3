"""Exact checks of the gap computations on small frames."""

from __future__ import annotations

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema import load_schema

from parley import gaps
from parley.gap_charts import HEADING, ZERO_WIDTH, gap_now_chart, gap_over_time_chart, option_path_chart

OPTIONS = pd.DataFrame(
    {
        "issue_id": ["territory"] * 4 + ["ceasefire"] * 3,
        "option_id": ["t.1", "t.2", "t.3", "t.4", "c.1", "c.2", "c.3"],
        "rank": [1, 2, 3, 4, 1, 2, 3],
        "label": ["T one", "T two", "T three", "T four", "C one", "C two", "C three"],
        "issue_label": ["Territory"] * 4 + ["Ceasefire"] * 3,
    }
)


def _placed(*rows: tuple[str, str, str, int, str]) -> gaps.Placed:
    """(date, actor, issue, rank, flags) → positions with those options, placed."""
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime([r[0] for r in rows]),
            "actor_id": [r[1] for r in rows],
            "actor_name": [r[1].title() for r in rows],
            "issue_id": [r[2] for r in rows],
            "issue_label": [r[2].title() for r in rows],
            "option_id": [f"{r[2][0]}.{r[3]}" for r in rows],
            "option_label": [f"{r[2]} {r[3]}" for r in rows],
            "option_rank": [r[3] for r in rows],
            "summary": ["s"] * len(rows),
            "flags": [r[4] for r in rows],
        }
    )
    return gaps.placed(frame)


STATEMENTS = _placed(
    ("2024-01-10", "UKR", "territory", 1, ""),
    ("2024-03-01", "RUS", "territory", 4, "single source"),
    ("2025-02-01", "UKR", "territory", 3, "low confidence, single source"),
    ("2025-02-01", "RUS", "ceasefire", 3, ""),
    ("2025-03-05", "RUS", "territory", 4, ""),
    ("2025-04-01", "USA", "territory", 2, ""),
)


def test_gap_now_takes_each_sides_latest_option_and_sorts_widest_first():
    table = gaps.gap_table(STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2025-06-01"))
    assert table["issue_id"].tolist() == ["territory", "ceasefire"]
    territory = table.iloc[0]
    assert (territory["a_rank"], territory["b_rank"], territory["gap"]) == (4, 3, 1)
    assert territory["gap_share"] == pytest.approx(1 / 3)
    # Ukraine's latest option rests on a low-confidence record; Russia's "single source" is not a caution.
    assert (bool(territory["a_caution"]), bool(territory["b_caution"]), bool(territory["caution"])) == (
        False,
        True,
        True,
    )
    ceasefire = table.iloc[1]
    assert ceasefire["a_rank"] == 3 and pd.isna(ceasefire["b_rank"]) and pd.isna(ceasefire["gap"])


def test_gap_then_and_change_read_the_options_held_on_that_day():
    table = gaps.gap_table(
        STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2025-06-01"), then=pd.Timestamp("2024-06-01")
    )
    territory = table[table["issue_id"] == "territory"].iloc[0]
    assert (territory["gap"], territory["gap_then"], territory["change"]) == (1, 3, -2)
    assert not bool(gaps.gap_table(STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2024-06-01"))["caution"][0])


def test_gap_before_either_side_spoke_is_left_out():
    table = gaps.gap_table(STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2023-12-31"))
    assert table.empty


def test_gap_over_time_steps_only_where_the_gap_or_its_flag_changes():
    frame = gaps.gap_over_time(STATEMENTS, ("RUS", "UKR"))
    assert frame[["date", "issue_id", "gap", "caution"]].values.tolist() == [
        [pd.Timestamp("2024-03-01"), "territory", 3, False],
        [pd.Timestamp("2025-02-01"), "territory", 1, True],
    ]  # Russia restating rank 4 on 5 March changes nothing; ceasefire never has both sides


def test_option_path_bins_by_month_past_the_cap():
    many = _placed(*[(f"2025-01-{d:02d}", "RUS", "territory", 1 + d % 4, "") for d in range(1, 29)])
    path, binned = gaps.option_path(many, cap=10)
    assert binned and len(path) == 1 and path["option_rank"].iloc[0] == 1 + 28 % 4
    same, binned = gaps.option_path(many, cap=100)
    assert not binned and len(same) == 28


def test_plan_marks_keep_placed_provisions_in_the_window():
    provisions = pd.DataFrame(
        {
            "presented": pd.to_datetime(["2022-03-29", "2025-11-20", "2025-11-20"]),
            "plan_title": ["A", "B", "B"],
            "issue_id": ["territory", "territory", "ceasefire"],
            "option_id": ["t.2", "t.4", ""],
            "option_label": ["T two", "T four", ""],
            "option_rank": [2, 4, None],
            "summary": ["x", "y", "z"],
            "flags": ["", "low confidence", ""],
        }
    )
    marks = gaps.plan_marks(provisions, start=pd.Timestamp("2025-01-01").date())
    assert marks["plan_title"].tolist() == ["B"] and marks["caution"].tolist() == [True]
    assert len(gaps.plan_marks(provisions, issues=("ceasefire",))) == 0


def test_gap_charts_are_valid_vega_lite_and_draw_flagged_options_hollow():
    table = gaps.gap_table(STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2025-06-01"))
    now = gap_now_chart(table, ("Russia", "Ukraine"), ("#c00", "#00c"))
    over = gap_over_time_chart(gaps.gap_over_time(STATEMENTS, ("RUS", "UKR")), {"territory": 4, "ceasefire": 3})
    path = option_path_chart(
        STATEMENTS.frame(),
        gaps.plan_marks(
            pd.DataFrame(
                columns=[
                    "presented",
                    "plan_title",
                    "issue_id",
                    "option_id",
                    "option_label",
                    "option_rank",
                    "summary",
                    "flags",
                ]
            ).astype({"presented": "datetime64[ns]"})
        ),
        OPTIONS,
        {"RUS": "Russia", "UKR": "Ukraine", "USA": "Usa"},
    )
    for spec in (now, over, path):
        validate_jsonschema(spec, load_schema())
    hollow = [layer for layer in now["layer"] if layer["mark"].get("filled") is False]
    assert hollow and hollow[0]["transform"] == [{"filter": "datum.caution"}]
    drawn = {(r["party"], r["caution"]) for r in now["data"]["values"] if r["issue_label"] == "Territory"}
    assert drawn == {("Russia", False), ("Ukraine", True)}  # only Ukraine's latest option rests on a flagged record
    # Each issue's rows list its whole scale in rank order under its heading row, whether or not a party holds
    # every option.
    rows = path["layer"][0]["encoding"]["y"]["scale"]["domain"]
    first = rows.index("T one")
    assert rows[first : first + 4] == ["T one", "T two", "T three", "T four"]
    assert rows[first - 1].startswith(HEADING)
    headings = next(layer["data"]["values"] for layer in path["layer"] if layer["mark"]["type"] == "text")
    assert {"row": rows[first - 1], "issue_label": "Territory"} in headings


def test_option_path_keeps_one_row_per_option_when_two_scales_share_words():
    options = OPTIONS.assign(label=OPTIONS["label"].replace({"C two": "T two"}))
    path = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-01", "2025-02-01"]),
            "actor_id": ["RUS", "UKR"],
            "actor_name": ["Russia", "Ukraine"],
            "issue_id": ["territory", "ceasefire"],
            "option_label": ["T two", "T two"],
            "summary": ["s", "s"],
            "flags": ["", ""],
            "caution": [False, False],
        }
    )
    no_plans = pd.DataFrame(columns=["presented", "plan_title", "issue_id", "option_label", "summary", "caution"])
    spec = option_path_chart(path, no_plans.astype({"presented": "datetime64[ns]"}), options, {"RUS": "Russia"})
    rows = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    assert len(rows) == len(set(rows)) == 2 + len(options)  # a heading row per issue, then every option once
    drawn = [r["row"] for r in spec["datasets"]["path"]]
    assert drawn[0] != drawn[1] and drawn[0] in rows and drawn[1] in rows
    assert drawn[1].strip(ZERO_WIDTH) == "T two"  # the same words on screen, a row of its own


def test_core_lines_give_every_core_issue_in_words():
    table = gaps.gap_table(
        STATEMENTS, OPTIONS, ("RUS", "UKR"), pd.Timestamp("2025-06-01"), then=pd.Timestamp("2024-06-01")
    )
    lines = gaps.core_lines(table).set_index("issue_id")
    assert list(lines.index) == list(gaps.CORE_ISSUES)
    assert lines.loc["territory", "gap"] == "1 of 3 steps"
    assert lines.loc["territory", "change"] == "narrowed by 2 steps"
    assert lines.loc["ceasefire", "b_option"] == gaps.NONE_PLACED
    assert lines.loc["ceasefire", "change"] == "no gap to measure"
    assert lines.loc["sanctions_assets", "a_option"] == gaps.NONE_PLACED


@pytest.mark.parametrize(
    ("gap", "then", "words"),
    [(2, 2, "unchanged"), (3, 1, "widened by 2 steps"), (0, 1, "narrowed by 1 step"), (2, None, "not measurable then")],
)
def test_change_in_words(gap, then, words):
    assert gaps.change_in_words(gap, pd.NA if then is None else then) == words


def test_ranks_read_per_option_equal_ranks_read_per_row(bundled):
    by_row = gaps.placed(bundled.positions)
    by_option = gaps.placed(bundled.positions, bundled.issue_options)
    assert len(by_row) == len(by_option) > 0
    assert by_row.rank.tolist() == by_option.rank.tolist()
    assert by_row.frame()["option_id"].tolist() == by_option.frame()["option_id"].tolist()


def test_gap_table_on_a_large_shuffled_selection_matches_plain_pandas(bundled):
    """Each side's option on a day is read from the pair's statements up to it in one pass: it equals the last
    statement per issue and side on or before that day, found with pandas, on every issue and on several days."""
    import numpy as np

    from parley.selection import Rows

    rng = np.random.default_rng(5)
    big = pd.concat([bundled.positions] * 12, ignore_index=True)
    big["date"] = big["date"] + pd.to_timedelta(rng.integers(0, 300, len(big)), unit="D")
    actors = big["actor_id"].cat.categories
    big["actor_id"] = pd.Categorical.from_codes(rng.integers(0, len(actors), len(big)), categories=actors)
    big["position_id"] = [f"p{i}" for i in range(len(big))]
    big = big.sort_values("date", kind="stable", ignore_index=True)
    data = gaps.placed(Rows.where(big, rng.random(len(big)) < 0.8), bundled.issue_options)
    frame = data.frame().assign(position=np.arange(len(data)))
    pair = ("RUS", "UKR")
    for day in frame["date"].sample(5, random_state=1):
        then = day - pd.Timedelta(days=40)
        table = gaps.gap_table(data, bundled.issue_options, pair, day, then).set_index("issue_id")

        def held(cutoff: pd.Timestamp, actor: str) -> pd.Series:
            upto = frame[(frame["date"] <= cutoff) & (frame["actor_id"] == actor)]
            return upto.groupby("issue_id").tail(1).set_index("issue_id")["option_rank"]

        a, b = held(day, pair[0]), held(day, pair[1])
        assert set(table.index) == set(a.index) | set(b.index)
        for issue, row in table.iterrows():
            assert (row["a_rank"] if pd.notna(row["a_rank"]) else None) == (a.get(issue))
            assert (row["b_rank"] if pd.notna(row["b_rank"]) else None) == (b.get(issue))
            a_then, b_then = held(then, pair[0]).get(issue), held(then, pair[1]).get(issue)
            expected_then = abs(a_then - b_then) if a_then is not None and b_then is not None else None
            assert (row["gap_then"] if pd.notna(row["gap_then"]) else None) == expected_then


def test_gap_over_time_on_a_large_shuffled_selection_matches_a_day_by_day_walk(bundled):
    """The gap over time keeps one entry per issue, day and side before walking the days: it equals a plain walk
    over every statement, day by day, of each side's latest option and flag on each issue."""
    import numpy as np

    from parley.selection import Rows

    rng = np.random.default_rng(9)
    big = pd.concat([bundled.positions] * 12, ignore_index=True)
    big["date"] = big["date"] + pd.to_timedelta(rng.integers(0, 8, len(big)), unit="D")  # many statements a day
    actors = big["actor_id"].cat.categories
    big["actor_id"] = pd.Categorical.from_codes(rng.integers(0, len(actors), len(big)), categories=actors)
    big = big.sort_values("date", kind="stable", ignore_index=True)
    data = gaps.placed(Rows.where(big, rng.random(len(big)) < 0.8), bundled.issue_options)
    frame = data.frame()
    for pair in [("RUS", "UKR"), ("UKR", "USA")]:
        got = gaps.gap_over_time(data, pair, bundled.labels["issue"])
        expected = []
        for issue, statements in frame[frame["actor_id"].isin(pair)].groupby("issue_id", sort=False):
            held: dict[str, tuple[int, bool]] = {}
            shown = None
            for day, of_day in statements.groupby("date", sort=True):
                for actor, rank, caution in zip(
                    of_day["actor_id"], of_day["option_rank"], of_day["caution"], strict=True
                ):
                    held[actor] = (int(rank), bool(caution))
                if len(held) == 2 and pair[0] in held:
                    now = (abs(held[pair[0]][0] - held[pair[1]][0]), held[pair[0]][1] or held[pair[1]][1])
                    if now != shown:
                        expected.append((day, issue, *now))
                        shown = now
        key = ["issue_id", "date"]
        want = pd.DataFrame(expected, columns=["date", "issue_id", "gap", "caution"]).sort_values(key)
        have = got[["date", "issue_id", "gap", "caution"]].sort_values(key)
        assert have.astype(str).values.tolist() == want.astype(str).values.tolist(), pair
        assert len(have) > 20, pair  # enough days and issues to mean something


@pytest.mark.parametrize("pair", [("RUS", "UKR"), ("USA", "RUS"), ("UKR", "EU")])
def test_gap_table_rows_come_widest_first_then_unknown_in_the_issues_order(bundled, pair):
    placed = gaps.placed(bundled.positions, bundled.issue_options)
    now = gaps.reference_day(placed, None)
    table = gaps.gap_table(placed, bundled.issue_options, pair, now, gaps.days_before(now, 90))
    issue_order = list(gaps.scale_sizes(bundled.issue_options).index)
    expected = sorted(
        table.to_dict("records"),
        key=lambda r: (
            -(-1 if pd.isna(r["gap_share"]) else r["gap_share"]),
            -(-1 if pd.isna(r["gap"]) else r["gap"]),
            issue_order.index(r["issue_id"]),
        ),
    )
    assert table["issue_id"].tolist() == [r["issue_id"] for r in expected]
    sides = zip(table["a_caution"], table["b_caution"], strict=True)
    assert table["caution"].tolist() == [bool(a or b) for a, b in sides]
    assert str(table["gap"].dtype) == "Int64" and str(table["a_date"].dtype).startswith("datetime64")
