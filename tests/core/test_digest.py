"""What changed since a day, and where the record starts and ends: exact on the mini dataset and small frames."""

from __future__ import annotations

import pandas as pd
import pytest

from parley import coverage
from parley.digest import changes_since, record_link, since_choices
from parley.filters import Filters


def _positions(*rows: tuple[str, str, str, str, str]) -> pd.DataFrame:
    """(id, date, actor, issue, stance/option) rows shaped like the loaded positions table."""
    frame = pd.DataFrame(
        {
            "position_id": [r[0] for r in rows],
            "date": pd.to_datetime([r[1] for r in rows]),
            "actor_id": pd.Categorical([r[2] for r in rows]),
            "actor_name": [r[2] for r in rows],
            "issue_id": pd.Categorical([r[3] for r in rows]),
            "issue_label": [r[3].title() for r in rows],
            "stance": pd.Categorical([r[4].split("/")[0] for r in rows]),
            "stance_label": [r[4].split("/")[0] for r in rows],
            "option_id": pd.Categorical([r[4].split("/")[1] if "/" in r[4] else "" for r in rows]),
            "option_label": [r[4].split("/")[1].upper() if "/" in r[4] else "" for r in rows],
            "summary": ["s"] * len(rows),
            "flags": [""] * len(rows),
        }
    )
    return frame


NO_TALKS = pd.DataFrame(
    {"talk_id": [], "start_date": pd.to_datetime([]), "parties": [], "title": [], "flags": [], "status": []}
)
NO_PLANS = pd.DataFrame(
    {"plan_id": [], "presented": pd.to_datetime([]), "proposer_names": [], "title": [], "flags": []}
)
NO_REACTIONS = pd.DataFrame(
    {"reaction_id": [], "date": pd.to_datetime([]), "actor_name": [], "stance_label": [], "summary": [], "flags": []}
)


def test_only_moves_and_first_positions_after_the_day_are_listed():
    positions = _positions(
        ("p1", "2025-01-01", "RUS", "territory", "demand/t.6"),
        ("p2", "2025-03-01", "RUS", "territory", "demand/t.6"),  # restated: left out
        ("p3", "2025-03-02", "RUS", "territory", "demand/t.5"),  # option moved
        ("p4", "2025-03-03", "UKR", "ceasefire", "propose"),  # first on the issue
        ("p5", "2025-03-04", "UKR", "ceasefire", "accept"),  # stance moved
        ("p6", "2025-01-05", "UKR", "territory", "reject"),  # before the day: left out
    )
    out = changes_since(NO_TALKS, positions, NO_REACTIONS, NO_PLANS, pd.Timestamp("2025-02-01"))
    assert out["record"].tolist() == [record_link(i) for i in ("p5", "p4", "p3")]
    assert out["kind"].tolist() == ["position moved", "new position", "position moved"]
    assert out["before"].tolist() == ["propose", "—", "demand · T.6"]
    assert out["after"].tolist() == ["accept", "propose", "demand · T.5"]


def test_rounds_reactions_and_plans_after_the_day_are_listed_newest_first(mini):
    since = pd.Timestamp("2025-05-31")
    out = changes_since(mini.talks, mini.positions, mini.reactions, mini.plans, since)
    assert (out["date"] > since).all()
    assert out["date"].is_monotonic_decreasing
    expected_talks = set(mini.talks.loc[mini.talks["start_date"] > since, "talk_id"])
    expected_plans = set(mini.plans.loc[mini.plans["presented"] > since, "plan_id"])
    assert {r for r, k in zip(out["record"], out["kind"], strict=True) if k == "round"} == {
        record_link(t) for t in expected_talks
    }
    assert {r for r, k in zip(out["record"], out["kind"], strict=True) if k == "plan"} == {
        record_link(p) for p in expected_plans
    }
    assert (out["kind"] == "reaction").sum() == (mini.reactions["date"] > since).sum()


def test_record_links_are_encoded():
    assert record_link("a b&c") == "record?id=a%20b%26c"


def test_since_defaults_to_the_day_before_the_latest_round(bundled):
    last = coverage.last_day(bundled)
    choices = since_choices(bundled.talks, last)
    first_label, first_day = next(iter(choices.items()))
    latest = bundled.talks.loc[bundled.talks["status"].astype(str) == "held", "start_date"].max()
    assert first_day == latest - pd.Timedelta(days=1) and "latest round" in first_label
    assert list(choices.values())[1:] == [last - pd.Timedelta(days=d) for d in (7, 30, 90)]


def test_spans_and_last_day_read_the_record(bundled):
    spans = {s.label: s for s in coverage.spans(bundled)}
    assert spans["positions"].last == bundled.positions["date"].max()
    assert spans["reactions"].first == bundled.reactions["date"].min()
    assert spans["plans"].count == len(bundled.plans)
    assert coverage.last_day(bundled) == max(bundled.talks["end_date"].max(), bundled.reactions["date"].max())
    monthly = coverage.monthly(bundled)
    assert monthly.groupby("table")["count"].sum().to_dict() == {
        "rounds": len(bundled.talks),
        "positions": len(bundled.positions),
        "reactions": len(bundled.reactions),
        "plans": len(bundled.plans),
    }


def test_why_empty_tells_an_empty_window_from_exclusive_filters(bundled):
    window = Filters(start=pd.Timestamp("2024-01-01").date(), end=pd.Timestamp("2024-01-02").date())
    assert coverage.why_empty(bundled, window).startswith("Nothing is coded between")
    # The Holy See holds no position on military limits, though 2025 holds many records.
    excluded = Filters(parties=("VAT",), issues=("military_limits",), end=pd.Timestamp("2025-12-31").date())
    assert "other filters" in coverage.why_empty(bundled, excluded)


def test_commitments_that_change_status_after_the_day_are_listed():
    events = pd.DataFrame(
        {
            "item_id": ["i1", "i1", "i1", "i2"],
            "date": pd.to_datetime(["2025-01-01", "2025-03-01", "2025-04-01", "2025-03-05"]),
            "status": ["not_started", "intermediate", "intermediate", "not_started"],
            "status_label": ["not started", "intermediate", "intermediate", "not started"],
            "party_names": ["A, B"] * 4,
            "summary": ["swap", "swap", "swap", "truce"],
            "confidence": ["high", "high", "low", "high"],
        }
    )
    out = changes_since(NO_TALKS, _positions(), NO_REACTIONS, NO_PLANS, pd.Timestamp("2025-02-01"), events)
    assert out["record"].tolist() == [record_link("i2"), record_link("i1")]  # the restated status is left out
    assert out["before"].tolist() == ["—", "not started"]
    assert out["after"].tolist() == ["not started", "intermediate"]


@pytest.mark.parametrize("steps_back", [None, 0, 1])
def test_moves_on_a_large_shuffled_selection_match_plain_pandas(bundled, monkeypatch, steps_back):
    """The moves after a day equal a pandas group-and-shift over the whole selection, for days early, late and
    between rows: looked up from each row's previous one on its pair in the table (steps_back None: as the app
    runs, never reading back), and read back from the window when rows left out of the selection are too many to
    step over (0 and 1: reading back for every call, or as soon as a pair has two left-out rows in a row)."""
    import numpy as np

    from parley import digest
    from parley.digest import _moves
    from parley.selection import Rows

    if steps_back is None:

        def refuse(*_args):
            raise AssertionError("read back although every previous row was a few steps away")

        monkeypatch.setattr(digest, "_read_back", refuse)
    else:
        monkeypatch.setattr(digest, "MAX_STEPS_BACK", steps_back)
        monkeypatch.setattr(digest, "MIN_LOOK_BACK", 3)  # read back a few rows first, then twice as far each time

    rng = np.random.default_rng(11)
    big = pd.concat([bundled.positions] * 15, ignore_index=True)
    for column in ("stance", "option_id"):
        categories = big[column].cat.categories
        big[column] = pd.Categorical.from_codes(rng.integers(-1, len(categories), len(big)), categories=categories)
    for code, label in (("stance", "stance_label"), ("option_id", "option_label")):
        big[label] = big[code].astype(object).where(big[code].notna(), "none").astype(str)
    big["date"] = big["date"] + pd.to_timedelta(rng.integers(0, 400, len(big)), unit="D")
    big["position_id"] = [f"p{i}" for i in range(len(big))]
    big = big.sort_values("date", kind="stable", ignore_index=True)
    keep = rng.random(len(big)) < 0.7
    rows, frame = Rows.where(big, keep), big[keep].reset_index(drop=True)
    previous = frame.groupby(["actor_id", "issue_id"], observed=True)[["stance", "option_id"]].shift(1)
    had = previous.index.isin(frame.index) & frame.groupby(["actor_id", "issue_id"], observed=True).cumcount().gt(0)
    for since in [frame["date"].min() - pd.Timedelta(days=1), *frame["date"].sample(4, random_state=2)]:
        after = frame["date"] > since

        def differs(column: str) -> pd.Series:
            return previous[column].astype(str).fillna("<none>") != frame[column].astype(str).fillna("<none>")

        expected = frame[after & (~had | differs("stance") | differs("option_id"))]
        got = _moves(rows, since)
        assert got["row"].tolist() == expected.index.tolist()
        first = ~had[expected.index]
        assert (got["before_stance"] == "").tolist() == first.tolist()
        assert got["before_stance"].tolist() == [
            "" if f else "none" if pd.isna(s) else str(s)
            for f, s in zip(first, previous.loc[expected.index, "stance"], strict=True)
        ]
    assert len(_moves(rows, frame["date"].max())) == 0


def test_record_links_of_a_column_equal_one_by_one():
    from parley.digest import record_links

    ids = pd.Series(["p-0001", "a b", "x/y?z=1#w", "ü", "plain_id.2~", "", "=cmd|x"])
    assert record_links(ids).tolist() == [record_link(i) for i in ids]
