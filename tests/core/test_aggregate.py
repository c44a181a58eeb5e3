"""Aggregations are exact on a small frame whose answers were worked out by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd

from parley.aggregate import (
    actor_ranking,
    count_by,
    issue_links,
    key_figures,
    latest_stances,
    monthly_counts,
    stance_moves,
)


def test_key_figures(mini):
    k = key_figures(mini.talks, mini.items, mini.positions, mini.reactions, today=date(2026, 3, 1))
    assert k.rounds_held == 3
    assert k.latest_title == "Geneva US–Ukraine"
    assert k.latest_date == pd.Timestamp("2026-02-27")
    assert k.days_since_latest == 2
    assert k.prisoners_per_side == 1000  # bodies are counted separately, not as prisoners
    assert (k.positions, k.reactions) == (5, 3)


def test_key_figures_on_empty_frames(mini):
    k = key_figures(
        mini.talks.iloc[0:0],
        mini.items.iloc[0:0],
        mini.positions.iloc[0:0],
        mini.reactions.iloc[0:0],
        today=date(2026, 3, 1),
    )
    assert (k.rounds_held, k.latest_title, k.days_since_latest, k.prisoners_per_side) == (0, None, None, 0)


def test_latest_stances(mini):
    latest = latest_stances(mini.positions)
    got = {(r.actor_id, r.issue_id): (r.position_id, r.stance) for r in latest.itertuples()}
    assert got == {("RUS", "territory"): ("pos-0003", "reaffirm"), ("UKR", "ceasefire"): ("pos-0005", "propose")}


def test_stance_moves(mini):
    moves = stance_moves(mini.positions)
    assert moves["position_id"].tolist() == ["pos-0003", "pos-0004"]
    assert moves["previous_stance"].astype(str).tolist() == ["demand", "demand"]


def test_count_by_and_ranking(mini):
    counts = count_by(mini.reactions, "actor_id")
    assert counts.to_dict("records") == [{"actor_id": "UN", "count": 2}, {"actor_id": "FRA", "count": 1}]
    ranking = actor_ranking(mini.reactions)
    assert ranking[["actor_id", "stance", "count", "total", "rank"]].values.tolist() == [
        ["UN", "welcome", 1, 2, 1],
        ["UN", "call_for_ceasefire", 1, 2, 1],
        ["FRA", "criticise_russia", 1, 1, 2],
    ]
    assert count_by(mini.reactions.iloc[0:0], "stance").empty


def test_monthly_counts(mini):
    counts = monthly_counts(mini.reactions, "date", "stance")
    assert counts.to_dict("records") == [
        # within a month, stances follow the codebook order
        {"month": pd.Timestamp("2025-05-01"), "stance": "welcome", "count": 1},
        {"month": pd.Timestamp("2025-05-01"), "stance": "criticise_russia", "count": 1},
        {"month": pd.Timestamp("2025-06-01"), "stance": "call_for_ceasefire", "count": 1},
    ]


def test_issue_links(mini):
    links = issue_links(mini.positions, mini.items)
    assert set(map(tuple, links.values.tolist())) == {
        ("2025-05-16-istanbul", "territory"),
        ("2025-05-16-istanbul", "ceasefire"),
        ("2025-06-02-istanbul", "territory"),
        ("2025-05-16-istanbul", "prisoners"),
        ("2025-06-02-istanbul", "prisoners"),
    }


def test_cities_and_highlight(mini):
    from parley.aggregate import cities_by_rounds, rounds_in

    assert cities_by_rounds(mini.talks) == ["Istanbul", "Geneva"]
    assert rounds_in(mini.talks, "Istanbul") == {"2025-05-16-istanbul", "2025-06-02-istanbul"}
    assert rounds_in(mini.talks, None) == set()


def test_fact_checks_of_sources(mini):
    from parley.aggregate import checks_of

    checks = checks_of(mini.fact_checks, mini.sources)
    assert checks[["check_id", "outlet"]].values.tolist() == [["chk-0001", "=Spreadsheet Trap"]]
    assert checks_of(mini.fact_checks, mini.sources.iloc[0:1]).empty


def test_selection_summaries_match_plain_pandas(bundled):
    """On a larger, shuffled record, the numpy summaries over a row selection give what pandas gives on a frame."""
    import numpy as np

    from parley.aggregate import actor_ranking, count_by, latest_stances, stance_moves
    from parley.selection import Rows

    rng = np.random.default_rng(3)
    big = pd.concat([bundled.positions] * 20, ignore_index=True)
    big["stance"] = pd.Categorical.from_codes(
        rng.integers(0, len(big["stance"].cat.categories), len(big)), categories=big["stance"].cat.categories
    )
    big["position_id"] = [f"p{i}" for i in range(len(big))]
    big = big.sort_values("date", kind="stable", ignore_index=True)
    keep = rng.random(len(big)) < 0.6
    rows, frame = Rows.where(big, keep), big[keep].reset_index(drop=True)

    previous = frame.groupby(["actor_id", "issue_id"], observed=True)["stance"].shift(1)
    expected = frame[previous.notna() & (previous.astype(str) != frame["stance"].astype(str))]
    moves = stance_moves(rows)
    assert moves["position_id"].tolist() == expected["position_id"].tolist()
    assert moves["previous_stance"].tolist() == previous[expected.index].astype(str).tolist()

    latest = frame.groupby(["actor_id", "issue_id"], observed=True).tail(1)
    assert sorted(latest_stances(rows)["position_id"]) == sorted(latest["position_id"])
    counts = frame["actor_id"].astype(str).value_counts()
    assert dict(zip(*count_by(rows, "actor_id").values.T, strict=True)) == counts.to_dict()
    ranking = actor_ranking(Rows.where(bundled.reactions, np.ones(len(bundled.reactions), dtype=bool)))
    assert ranking["count"].sum() == len(bundled.reactions)
