"""A link with values the app cannot apply: they are named on the page, quoted literally, and the URL is rewritten
to what is applied. Reversed dates are swapped; dates outside the data are moved to its edge."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from components.registry import PAGES, ROOT
from parley.loading import load_dataset
from tests.app.conftest import assert_clean

PAGE = {p.url_path: p for p in PAGES}
NOTE = "Not applied as written in the link"


@pytest.fixture(scope="module")
def span(mini_dir):
    lo, hi = load_dataset(mini_dir).date_span
    return lo.date(), hi.date()


def _param(at, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _query(at) -> dict[str, list[str]]:
    return {key: _param(at, key) for key in at.query_params}


def _notes(at) -> list[str]:
    return [i.value for i in at.info if NOTE in i.value]


@pytest.mark.parametrize("page", PAGES, ids=[p.url_path for p in PAGES])
def test_unknown_and_malformed_values_are_named_and_dropped_from_the_url(on_mini, page):
    at = on_mini(page, {"party": ["XYZ", "RUS"], "from": ["2025-99-99"], "issue": ["weather"], "hide_low": ["1"]})
    assert_clean(at)
    [note] = _notes(at)
    assert "`party=XYZ` (unknown party)" in note
    assert "`from=2025-99-99` (not a date YYYY-MM-DD)" in note
    assert "`issue=weather` (unknown issue)" in note
    assert "RUS" not in note and "hide_low" not in note  # applied values are not mentioned
    assert at.multiselect(key="filters.party").value == ["RUS"]
    assert _query(at) == {"party": ["RUS"], "hide_low": ["1"]}


def test_a_clean_link_has_no_note(on_mini):
    at = on_mini(PAGE["positions"], {"party": ["RUS"], "from": ["2025-06-01"]})
    assert_clean(at)
    assert not _notes(at)
    assert _query(at) == {"party": ["RUS"], "from": ["2025-06-01"]}


def test_reversed_dates_are_swapped(on_mini, span):
    lo, hi = span
    early, late = lo + timedelta(days=1), hi - timedelta(days=1)
    at = on_mini(PAGE["positions"], {"from": [late.isoformat()], "to": [early.isoformat()]})
    assert_clean(at)
    assert at.date_input(key="filters.dates").value == (early, late)
    assert _query(at) == {"from": [early.isoformat()], "to": [late.isoformat()]}
    [note] = _notes(at)
    assert f"`from={late.isoformat()}` (after to={early.isoformat()}: the two were swapped)" in note


def test_dates_outside_the_data_are_clamped_and_noted(on_mini, span):
    lo, hi = span
    at = on_mini(PAGE["positions"], {"from": ["2001-01-01"], "to": ["2099-12-31"]})
    assert_clean(at)
    assert at.date_input(key="filters.dates").value == (lo, hi)
    assert _query(at) == {}  # the full range is the default: a clean URL
    [note] = _notes(at)
    assert "`from=2001-01-01` (before the first record" in note and "`to=2099-12-31` (after the last record" in note

    at = on_mini(PAGE["positions"], {"from": ["2099-12-31"]})
    assert_clean(at)
    assert at.date_input(key="filters.dates").value == (hi, hi)
    assert _query(at) == {"from": [hi.isoformat()]}


def test_an_unknown_round_is_named(on_mini):
    at = on_mini(PAGE["timeline"], {"round": ["no-such-round"]})
    assert_clean(at)
    assert "`round=no-such-round` (unknown round)" in _notes(at)[0]
    assert "round" not in at.query_params or _param(at, "round") != ["no-such-round"]


def test_the_note_stays_across_pages_until_the_reader_changes_a_filter(on_mini):
    at = on_mini(PAGE["overview"], {"party": ["XYZ"]})
    assert _notes(at)
    at.switch_page(str(ROOT / PAGE["positions"].path))
    at.run()
    assert_clean(at)
    assert _notes(at)
    at.multiselect(key="filters.party").set_value(["UKR"])
    at.run()
    assert_clean(at)
    assert not _notes(at)
    assert _query(at) == {"party": ["UKR"]}


HOSTILE = {
    "link": "[click](https://evil.example)",
    "image": "![x](https://evil.example/x.png)",
    "bare_url": "https://evil.example",
    "shortcodes": ":material/warning: :red[alarm] :smile:",
    "latex": "$x^2$",
    "backticks": "a`b",
    "html": "<img src=x onerror=alert(1)>",
}


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_values_from_the_link_are_quoted_as_code_never_as_markup(on_mini, value):
    at = on_mini(PAGE["overview"], {"party": [value]})
    assert_clean(at)
    [note] = _notes(at)
    spans = re.findall(r"`[^`]*`", note)
    assert len(spans) == 1 and spans[0].startswith("`party=")
    outside = note.replace(spans[0], "")
    assert "evil" not in outside and ":" not in outside.removeprefix(NOTE + ":") and "$" not in outside
    assert "party" not in at.query_params
