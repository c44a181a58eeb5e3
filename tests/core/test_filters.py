"""Filters: never add rows, describe themselves, and survive the URL unchanged."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from parley.filters import Filters, apply_positions, apply_reactions, apply_talks, describe, format_date
from parley.views import apply_view

FILTERS = [
    Filters(),
    Filters(parties=("RUS",)),
    Filters(parties=("UKR", "FRA")),
    Filters(issues=("ceasefire",)),
    Filters(issues=("territory", "ceasefire"), parties=("RUS",)),
    Filters(start=date(2025, 6, 1)),
    Filters(end=date(2025, 5, 31)),
    Filters(start=date(2025, 6, 1), end=date(2025, 6, 4)),
    Filters(formats=("direct_bilateral",)),
    Filters(hide_low=True),
    Filters(parties=("NOBODY",)),
    Filters(start=date(2025, 7, 1), end=date(2025, 7, 2)),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: str(f.to_query()) or "default")
def test_filtering_never_adds_rows_and_keeps_only_matches(mini, f):
    view = apply_view(mini, f)
    for filtered, full in (
        (view.talks, mini.talks),
        (view.positions, mini.positions),
        (view.reactions, mini.reactions),
        (view.items, mini.items),
    ):
        assert len(filtered) <= len(full)
        assert set(filtered.index) <= set(full.index)
    if f.parties:
        assert set(view.positions["actor_id"]) <= set(f.parties)
        assert set(view.reactions["actor_id"]) <= set(f.parties)
    if f.issues:
        assert set(view.positions["issue_id"].astype(str)) <= set(f.issues)
    if f.start:
        assert (view.positions["date"] >= str(f.start)).all()
    if f.hide_low:
        assert "low" not in set(view.positions["confidence"].astype(str))


def test_filter_results_are_exact(mini):
    assert apply_positions(mini.positions, Filters(parties=("RUS",)))["position_id"].tolist() == [
        "pos-0001",
        "pos-0003",
    ]
    assert apply_positions(mini.positions, Filters(issues=("ceasefire",), start=date(2025, 6, 1)))[
        "position_id"
    ].tolist() == ["pos-0004", "pos-0005"]
    assert apply_reactions(mini.reactions, Filters(hide_low=True))["reaction_id"].tolist() == ["rea-0001", "rea-0002"]
    # a talk overlapping the window counts: Geneva runs 26-27 Feb 2026
    assert apply_talks(mini.talks, Filters(start=date(2026, 2, 27)))["talk_id"].tolist() == ["2026-02-26-geneva"]
    assert apply_talks(mini.talks, Filters(parties=("RUS",)), mini.participants)["talk_id"].tolist() == [
        "2025-05-16-istanbul",
        "2025-06-02-istanbul",
    ]


def test_issue_filter_on_talks_uses_linked_positions_and_items(mini):
    view = apply_view(mini, Filters(issues=("prisoners",)))
    assert view.talks["talk_id"].tolist() == ["2025-05-16-istanbul", "2025-06-02-istanbul"]
    assert view.items["item_id"].tolist() == ["itm-0001", "itm-0002"]


ROUND_TRIP = [
    Filters(),
    *FILTERS,
    Filters(
        parties=("RUS", "UKR"),
        issues=("territory",),
        start=date(2022, 2, 28),
        end=date(2026, 3, 22),
        formats=("mediated", "us_russia"),
        hide_low=True,
        talk="2025-05-16-istanbul",
    ),
    Filters(parties=("Holy See & co", "a=b"), issues=("x y",)),
]


@pytest.mark.parametrize("f", ROUND_TRIP, ids=lambda f: str(f.to_query()) or "default")
def test_url_round_trip_is_identity(f):
    assert Filters.from_query(f.to_query()) == f


def test_default_filters_give_a_clean_url():
    assert Filters().to_query() == {}
    assert Filters().is_default


@pytest.mark.parametrize("parties,issues", list(product([(), ("RUS",)], [(), ("ceasefire", "territory")])))
def test_url_keys_are_repeated_parameters(parties, issues):
    query = Filters(parties=parties, issues=issues).to_query()
    assert query.get("party", []) == list(parties)
    assert query.get("issue", []) == list(issues)


def test_from_query_is_lenient():
    f = Filters.from_query(
        {"party": ["RUS", "RUS", ""], "from": ["not-a-date"], "to": "2025-01-31", "hide_low": ["1"], "unknown": ["x"]}
    )
    assert f == Filters(parties=("RUS",), end=date(2025, 1, 31), hide_low=True)


def test_restricted_to_drops_unknown_values():
    f = Filters(parties=("RUS", "ATLANTIS"), issues=("weather",), formats=("mediated",))
    assert f.restricted_to(["RUS"], ["ceasefire"], ["mediated"]) == Filters(parties=("RUS",), formats=("mediated",))


def test_describe_in_words():
    names = {"RUS": "Russia", "UKR": "Ukraine", "ceasefire": "Ceasefire"}
    assert describe(Filters(), names) == "All records (no filters)"
    text = describe(
        Filters(
            parties=("RUS", "UKR"), issues=("ceasefire",), start=date(2025, 5, 1), end=date(2025, 6, 30), hide_low=True
        ),
        names,
    )
    assert text == (
        "Parties: Russia or Ukraine; issues: Ceasefire; from 1 May 2025 to 30 Jun 2025; low-confidence records hidden"
    )
    assert "not applicable" in describe(Filters(issues=("ceasefire",)), names, issue_applies=False)


def test_one_date_format():
    assert format_date(date(2025, 5, 6)) == "6 May 2025"
    assert format_date(None) == "—"
