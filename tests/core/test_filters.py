"""Filters: never add rows, describe themselves, and survive the URL unchanged."""

from __future__ import annotations

from datetime import date
from itertools import product

import pandas as pd
import pytest

from parley.filters import (
    Filters,
    UrlNote,
    apply_positions,
    apply_reactions,
    apply_talks,
    describe,
    format_date,
    url_notes_markdown,
)
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


# ---- links that ask for what cannot be applied ---------------------------------------------------------------
PARSE_CASES = [
    # (query, filters read, notes as "key=value (reason)")
    ({"party": ["RUS"], "from": ["2025-05-01"]}, Filters(parties=("RUS",), start=date(2025, 5, 1)), []),
    ({"party": [""], "issue": [""], "from": [""], "to": [""]}, Filters(), []),  # emptied widgets: no note
    ({"from": ["2025-99-99"]}, Filters(), ["from=2025-99-99 (not a date YYYY-MM-DD)"]),
    ({"to": ["tomorrow"]}, Filters(), ["to=tomorrow (not a date YYYY-MM-DD)"]),
    ({"from": ["20250501"]}, Filters(), ["from=20250501 (not a date YYYY-MM-DD)"]),  # fromisoformat would take it
    ({"from": ["2025-02-30"]}, Filters(), ["from=2025-02-30 (not a date YYYY-MM-DD)"]),
    (
        {"to": ["2025-01-31", "2025-02-28"]},
        Filters(end=date(2025, 1, 31)),
        ["to=2025-02-28 (only one 'to' date is used)"],
    ),
    ({"hide_low": ["maybe"]}, Filters(), ["hide_low=maybe (not 1 or 0)"]),
    ({"hide_low": ["TRUE"]}, Filters(hide_low=True), []),
    ({"hide_low": ["0"]}, Filters(), []),
    ({"round": ["a", "b"]}, Filters(talk="a"), ["round=b (only one round is used)"]),
    ({"utm_source": ["mail"]}, Filters(), ["utm_source=mail (not a filter of this app)"]),
    ({"party": ["RUS", "RUS"]}, Filters(parties=("RUS",)), []),
]


@pytest.mark.parametrize("query,expected,notes", PARSE_CASES, ids=[str(c[0]) for c in PARSE_CASES])
def test_parse_query_reads_what_it_can_and_notes_the_rest(query, expected, notes):
    f, found = Filters.parse_query(query)
    assert f == expected
    assert [str(n) for n in found] == notes
    assert Filters.from_query(query) == expected


SPAN = (date(2022, 2, 24), date(2026, 3, 22))
KNOWN = {"parties": ["RUS", "UKR"], "issues": ["ceasefire"], "formats": ["mediated"], "talks": {"r1"}}
CHECK_CASES = [
    # (filters from the link, filters applied, notes)
    (Filters(parties=("RUS", "XYZ")), Filters(parties=("RUS",)), ["party=XYZ (unknown party)"]),
    (Filters(issues=("weather",)), Filters(), ["issue=weather (unknown issue)"]),
    (Filters(formats=("duel",)), Filters(), ["format=duel (unknown talk format)"]),
    (Filters(talk="r9"), Filters(), ["round=r9 (unknown round)"]),
    (Filters(talk="r1"), Filters(talk="r1"), []),
    (
        Filters(start=date(2025, 6, 30), end=date(2025, 5, 1)),
        Filters(start=date(2025, 5, 1), end=date(2025, 6, 30)),
        ["from=2025-06-30 (after to=2025-05-01: the two were swapped)"],
    ),
    (
        Filters(start=date(2020, 1, 1)),
        Filters(),
        ["from=2020-01-01 (before the first record: starts at 24 Feb 2022)"],
    ),
    (
        Filters(start=date(2030, 1, 1)),
        Filters(start=date(2026, 3, 22)),
        ["from=2030-01-01 (after the last record: starts at 22 Mar 2026)"],
    ),
    (
        Filters(end=date(2099, 12, 31)),
        Filters(),
        ["to=2099-12-31 (after the last record: ends at 22 Mar 2026)"],
    ),
    (
        Filters(end=date(2001, 1, 1)),
        Filters(end=date(2022, 2, 24)),
        ["to=2001-01-01 (before the first record: ends at 24 Feb 2022)"],
    ),
    (
        Filters(start=date(2030, 1, 1), end=date(2020, 1, 1)),
        Filters(),
        [
            "from=2030-01-01 (after to=2020-01-01: the two were swapped)",
            "to=2020-01-01 (before the first record: starts at 24 Feb 2022)",
            "from=2030-01-01 (after the last record: ends at 22 Mar 2026)",
        ],
    ),
    (Filters(start=SPAN[0], end=SPAN[1]), Filters(), []),  # the edges are the full range
]


@pytest.mark.parametrize("f,expected,notes", CHECK_CASES, ids=[str(c[0].to_query()) for c in CHECK_CASES])
def test_checked_against_the_data_drops_swaps_and_clamps_with_a_note(f, expected, notes):
    applied, found = f.checked_against(
        KNOWN["parties"], KNOWN["issues"], KNOWN["formats"], talks=KNOWN["talks"], span=SPAN
    )
    assert applied == expected
    assert [str(n) for n in found] == notes
    assert applied.checked_against(
        KNOWN["parties"], KNOWN["issues"], KNOWN["formats"], talks=KNOWN["talks"], span=SPAN
    ) == (applied, [])  # what is applied is what the rewritten link asks for


HOSTILE = [
    "[click](https://evil.example)",
    "https://evil.example/x.png",
    "![img](https://evil.example/x.png)",
    ":material/warning: :red[alarm] :smile:",
    "$\\frac{1}{2}$",
    "a`b``c",
    "line\nbreak\n\nparagraph",
    "<script>alert(1)</script>",
    "**bold** _it_ # head",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_notes_quote_link_values_only_inside_inline_code(value):
    text = url_notes_markdown([UrlNote("party", value, "unknown party")])
    assert text.startswith("Not applied as written in the link: `party=") and text.endswith("` (unknown party).")
    quoted = text.removeprefix("Not applied as written in the link: ").removesuffix(" (unknown party).")
    assert quoted.count("`") == 2 and quoted[0] == quoted[-1] == "`"  # one code span, nothing outside it
    assert "\n" not in quoted


def test_notes_are_capped():
    notes = [UrlNote("party", f"X{i}", "unknown party") for i in range(25)]
    text = url_notes_markdown(notes)
    assert "`party=X9`" in text and "X10" not in text and text.endswith("; and 15 more.")


@pytest.mark.parametrize("fmt", ["%d %b %Y", "%b %Y", "%Y-%m-%dT%H:%M:%S", "%-d %b %Y"])
def test_dates_text_equals_strftime_date_by_date(fmt):
    from parley.filters import dates_text

    cases = [
        pd.Series(
            pd.to_datetime(["2025-01-05 00:00:00", None, "2025-01-05 00:00:00", "2024-12-31 13:45:07"]),
            index=[4, 2, 9, 1],
        ),
        pd.Series(pd.to_datetime(["2025-03-01"] * 3)).astype("datetime64[us]"),
        pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns]", name="when"),
        pd.Series([], dtype="datetime64[us]"),
    ]
    for dates in cases:
        pd.testing.assert_series_equal(dates_text(dates, fmt), dates.dt.strftime(fmt))


def test_the_window_found_by_binary_search_equals_comparing_every_date():
    from parley.filters import _in_window, positions_mask, reactions_mask

    days = pd.to_datetime(["2025-01-01", "2025-01-03", "2025-01-03", "2025-01-05", "2025-02-01", "2025-02-01"])
    tables = {
        "sorted": pd.DataFrame({"date": days, "confidence": ["low", "high"] * 3}),
        "unsorted, a missing date": pd.DataFrame(
            {"date": [days[3], pd.NaT, days[0], days[4], days[1], days[2]], "confidence": ["high"] * 6}
        ),
    }
    bounds = [None, date(2024, 12, 31), date(2025, 1, 3), date(2025, 1, 4), date(2025, 2, 1), date(2025, 3, 1)]
    for name, table in tables.items():
        for start, end, hide_low in product(bounds, bounds, (False, True)):
            f = Filters(start=start, end=end, hide_low=hide_low)
            expected = _in_window(table["date"], f).to_numpy() & ~(hide_low & (table["confidence"] == "low").to_numpy())
            assert positions_mask(table, f).tolist() == expected.tolist(), (name, f)
            assert reactions_mask(table, f).tolist() == expected.tolist(), (name, f)
