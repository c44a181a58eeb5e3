"""Search: folding of accents and actors' names, plain-word queries, the filters, and results that resolve."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import numpy as np
import pandas as pd
import pytest

from parley import search as search_module
from parley.filters import Filters
from parley.loading import Dataset, load_dataset
from parley.search import (
    KINDS,
    MAX_SHOWN,
    SearchIndex,
    build_index,
    fold,
    kept_rows,
    parse_query,
    records_in_view,
    search,
    words,
)
from tests.hostile import HOSTILE, write_hostile_data


@pytest.fixture(scope="module")
def index(bundled: Dataset) -> SearchIndex:
    return build_index(bundled)


def _found(results: search_module.SearchResults) -> set[tuple[str, str]]:
    return set(zip(results.results["kind_key"], results.results["id"], strict=True))


def _texts(ds: Dataset, kind: search_module.Kind) -> list[set[str]]:
    """Reference: the words of each record's indexed columns, folded in plain Python (no SQLite)."""
    frame = getattr(ds, kind.table)
    cells = [frame[c].astype(object).where(frame[c].notna(), "").astype(str) for c in kind.text]
    joined = [" ".join(parts) for parts in zip(*cells, strict=True)] if cells else []
    return [set(words(text)) for text in joined]


def _reference(ds: Dataset, text: str, f: Filters) -> dict[str, set[str]]:
    """Ids of each kind holding every word of `text` (no alias expansion) and kept by the filters."""
    wanted = set(words(text))
    kept = kept_rows(ds, f)
    out: dict[str, set[str]] = {}
    for kind in KINDS:
        frame = getattr(ds, kind.table)
        keep = kept[kind.key]
        ids = frame[kind.id_column].astype(str).tolist()
        out[kind.key] = {
            ids[i] for i, found in enumerate(_texts(ds, kind)) if wanted <= found and (keep is None or keep[i])
        }
    return out


# ---- folding ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Erdoğan", "erdogan"),
        ("ERDOGAN", "erdogan"),
        ("Türkiye", "turkiye"),
        ("Mevlüt Çavuşoğlu", "mevlut cavusoglu"),
        ("Ｔｕｒｋｉｙｅ", "turkiye"),  # full-width letters: NFKD compatibility forms
        ("Straße", "strasse"),  # casefold, not lower
        ("António Guterres", "antonio guterres"),
    ],
)
def test_fold(text, folded):
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Zelensky", "Zelenskyy"),
        ("Erdogan", "Erdoğan"),
        ("Türkiye", "Turkey"),
        ("erdoğan", "ERDOGAN"),
        ("Kiev", "Kyiv"),
    ],
)
def test_spellings_of_one_name_find_the_same_records(bundled, index, one, other):
    a, b = search(index, bundled, one), search(index, bundled, other)
    assert a.kept > 0
    assert _found(a) == _found(b)
    assert {k: c.kept for k, c in a.counts.items()} == {k: c.kept for k, c in b.counts.items()}


def test_erdogan_finds_the_actor_and_records_that_spell_him_with_the_breve(bundled, index):
    results = search(index, bundled, "Erdogan")
    assert ("actors", "recep_tayyip_erdogan") in _found(results)
    spelled = bundled.positions[bundled.positions["summary"].str.contains("Erdoğan")]["position_id"]
    assert len(spelled) > 0
    assert set(spelled) <= set(results.of("positions")["id"])


# ---- actors' names --------------------------------------------------------------------------------------------
def test_an_alias_expands_to_every_name_of_the_actor(index):
    query = parse_query("Turkey ceasefire", index.variants)
    assert query.actors == ("TUR",)
    assert set(query.groups[0]) == {("turkey",), ("turkiye",), ("ankara",)}
    assert query.groups[1] == (("ceasefire",),)


def test_a_surname_expands_to_the_full_name_and_its_aliases(index):
    query = parse_query("zelensky", index.variants)
    assert query.actors == ("volodymyr_zelensky",)
    assert {("volodymyr", "zelensky"), ("zelenskyy",), ("zelenskiy",), ("zelensky",)} <= set(query.groups[0])


def test_turkey_finds_records_that_only_say_turkiye(bundled, index):
    only = bundled.reactions[
        bundled.reactions["summary"].str.contains("Türkiye") & ~bundled.reactions["summary"].str.contains("Turkey")
    ]
    assert len(only) > 0
    assert set(only["reaction_id"]) <= set(search(index, bundled, "Turkey").of("reactions")["id"])


def test_aliases_in_the_data_name_each_actor_at_most_once(bundled):
    # An alias shared by two actors would make a query for one of them find the other.
    rows = bundled.actors.assign(alias=bundled.actors["aliases"].str.split(";")).explode("alias")
    aliases = rows["alias"].dropna().str.strip()
    aliases = aliases[aliases != ""].map(fold)
    assert not aliases.duplicated().any(), aliases[aliases.duplicated()].tolist()


# ---- plain words --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "ceasefire",
        "prisoner exchange",
        "energy infrastructure",
        "ceasefire NOT energy",  # NOT is a word here, not an operator
        "grain OR zzzqqq",  # OR is a word: the made-up word must then be found too, so nothing is
        'text: "ceasefire"',  # a column filter and quotes, as words
        "ceasefire*",
        "^energy",
        "NEAR(energy ceasefire)",
    ],
)
def test_results_are_exactly_the_records_holding_every_word(bundled, index, text):
    results = search(index, bundled, text)
    expected = _reference(bundled, text, Filters())
    for kind in KINDS:
        got = set(results.of(kind.key)["id"])
        assert results.counts[kind.key].kept == len(expected[kind.key]), kind.key
        assert got <= expected[kind.key]
        assert len(got) == min(len(expected[kind.key]), MAX_SHOWN)


def test_an_or_in_the_query_is_not_an_operator(bundled, index):
    assert search(index, bundled, "grain").kept > 0
    assert search(index, bundled, "grain OR zzzqqq").kept == 0


@pytest.mark.parametrize(
    "text",
    ['"', "'", '"unclosed', "(", ")", "*", "^", ":", "-", "AND", "OR", "NOT", "NEAR", "NEAR/3", "{a b}: c", "+",
     "\x00", "a" * 5000, "🙂", "‐‑–—", "\u0301", " " * 50, "text:", "rowid:1", "docs MATCH 'x'"],
)  # fmt: skip
def test_hostile_queries_never_raise(bundled, index, text):
    results = search(index, bundled, text)
    assert results.kept >= 0
    assert list(results.results.columns)[:6] == search_module.RESULT_COLUMNS


@pytest.mark.parametrize("text", ["", "   ", "?!", "\"'()*^:", "—"])
def test_no_words_no_results(bundled, index, text):
    results = search(index, bundled, text)
    assert results.query.empty and results.results.empty and results.kept == 0


# ---- filters --------------------------------------------------------------------------------------------------
FILTERS = [
    Filters(parties=("RUS",)),
    Filters(parties=("UKR", "USA")),
    Filters(issues=("ceasefire",)),
    Filters(start=date(2025, 5, 1), end=date(2025, 8, 31)),
    Filters(hide_low=True),
    Filters(formats=("us_russia",)),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: str(f.to_query()))
@pytest.mark.parametrize("text", ["ceasefire", "talks", "prisoners"])
def test_filters_are_honoured(bundled, index, f, text):
    results = search(index, bundled, text, f)
    expected = _reference(bundled, text, f)
    unfiltered = search(index, bundled, text)
    for kind in KINDS:
        assert results.counts[kind.key].kept == len(expected[kind.key]), kind.key
        assert set(results.of(kind.key)["id"]) <= expected[kind.key]
        assert results.counts[kind.key].kept <= unfiltered.counts[kind.key].kept  # filtering never adds
        assert results.counts[kind.key].matched == unfiltered.counts[kind.key].matched or f.start or f.end


def test_party_filter_keeps_that_partys_positions_only(bundled, index):
    results = search(index, bundled, "ceasefire", Filters(parties=("RUS",)))
    ids = set(results.of("positions")["id"])
    assert ids
    actors = bundled.positions.set_index("position_id").loc[sorted(ids), "actor_id"].astype(str)
    assert set(actors) == {"RUS"}


def test_date_window_keeps_dated_results_inside_it(bundled, index):
    f = Filters(start=date(2025, 5, 1), end=date(2025, 8, 31))
    results = search(index, bundled, "ceasefire", f)
    dated = results.results[results.results["kind_key"].isin(["positions", "reactions"])]
    assert len(dated) > 0
    assert dated["date"].between(pd.Timestamp(f.start), pd.Timestamp(f.end)).all()


def test_hide_low_drops_low_confidence_positions(bundled, index):
    low = set(bundled.positions.loc[bundled.positions["confidence"] == "low", "position_id"])
    shown = set(search(index, bundled, "ceasefire").of("positions")["id"])
    assert shown & low  # otherwise this test could not fail
    assert not set(search(index, bundled, "ceasefire", Filters(hide_low=True)).of("positions")["id"]) & low


def test_records_in_view_counts_every_record_without_filters(bundled):
    scope = records_in_view(bundled, Filters())
    assert scope["records"].tolist() == [len(getattr(bundled, k.table)) for k in KINDS]
    narrower = records_in_view(bundled, Filters(parties=("RUS",)))
    assert (narrower["records"] <= scope["records"]).all() and (narrower["records"] < scope["records"]).any()


# ---- results ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["Russia", "Zelenskyy", "Istanbul", "Witkoff", "grain", "Vatican", "UN"])
def test_every_result_exists_and_links_to_its_record_page(bundled, index, text):
    results = search(index, bundled, text)
    assert not results.results.empty
    for kind in KINDS:
        shown = results.of(kind.key)
        assert set(shown["id"]) <= set(getattr(bundled, kind.table)[kind.id_column].astype(str))
        assert (shown["link"] == "record?id=" + shown["id"].map(lambda i: quote(i, safe=""))).all()
        assert len(shown) <= MAX_SHOWN
        assert shown["id"].is_unique


def test_a_common_word_shows_fifty_per_kind_and_counts_the_rest(bundled, index):
    results = search(index, bundled, "Russia")
    big = [k for k, c in results.counts.items() if c.kept > MAX_SHOWN]
    assert big
    for kind in big:
        assert len(results.of(kind)) == MAX_SHOWN
        assert results.counts[kind].more == results.counts[kind].kept - MAX_SHOWN


def test_dated_kinds_are_listed_newest_first(bundled, index):
    shown = search(index, bundled, "ceasefire").of("positions")
    assert len(shown) > 1
    assert shown["date"].is_monotonic_decreasing


def test_undated_sources_come_after_dated_ones(bundled, index):
    shown = search(index, bundled, "Zelensky").of("sources")
    dated = shown["date"].notna().to_numpy()
    assert dated.any() and not dated.all()  # otherwise this test could not fail
    assert not (~dated[:-1] & dated[1:]).any()  # no dated source after an undated one
    assert shown.loc[dated, "date"].is_monotonic_decreasing


def test_past_the_scan_cap_counts_stay_exact_without_filters(bundled, index, monkeypatch):
    full = search(index, bundled, "Russia")
    monkeypatch.setattr(search_module, "SCAN_CAP", 5)
    capped = search(index, bundled, "Russia")
    assert any(c.kept > 5 for c in full.counts.values())
    assert capped.counts == full.counts  # counted inside SQLite, not by reading every match
    assert _found(capped) <= _found(full) and all(len(capped.of(k.key)) <= 5 for k in KINDS)


def test_past_the_scan_cap_filtered_counts_say_they_are_a_lower_bound(bundled, index, monkeypatch):
    f = Filters(parties=("RUS",))
    full = search(index, bundled, "Russia", f)
    monkeypatch.setattr(search_module, "SCAN_CAP", 5)
    capped = search(index, bundled, "Russia", f)
    cut = [k for k, c in capped.counts.items() if c.truncated]
    assert cut
    for kind in cut:
        assert capped.counts[kind].kept <= full.counts[kind].kept
        assert capped.counts[kind].matched == full.counts[kind].matched
        assert "newest 5 of the" in search_module.describe_counts(capped.counts[kind])


def test_snippet_quotes_the_text_around_the_first_match(bundled, index):
    query = parse_query("Erdogan", index.variants)
    text = "x " * 200 + "then Erdoğan spoke"
    shown = search_module.snippet(text, query)
    assert "Erdoğan" in shown and shown.startswith("…")


# ---- hostile records ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_dataset(write_hostile_data(tmp_path_factory.mktemp("hostile-search")), use_cache=False)


def test_hostile_records_are_found_and_quoted_as_written(hostile):
    index = build_index(hostile)
    results = search(index, hostile, "onerror evil example")
    assert results.kept > 0
    snippets = results.results["snippet"]
    assert snippets.str.contains("<img src=x onerror=alert(1)>", regex=False).any()
    assert search(index, hostile, HOSTILE).kept > 0  # the markup itself, as words


def test_each_kind_owns_its_own_block_of_rowids(mini: Dataset):
    # A record never surfaces under another kind, and every row of every table is indexed once.
    index = build_index(mini)
    ranges = sorted(index.rowid_range(k.key) for k in KINDS if len(index.order[k.key]))
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    for kind in KINDS:
        order = index.order[kind.key]
        assert np.array_equal(np.sort(order), np.arange(len(getattr(mini, kind.table))))


def test_an_index_built_a_few_records_at_a_time_finds_the_same(bundled, index, monkeypatch):
    """The build reads and folds a chunk of records at a time: chunk edges change nothing that is found."""
    monkeypatch.setattr(search_module, "INDEX_CHUNK_ROWS", 7)
    small_chunks = search_module.build_index(bundled)
    for text in ("Erdogan", "ceasefire", "prisoner exchange", "Istanbul", "Türkiye", "energy"):
        got, expected = search(small_chunks, bundled, text, Filters()), search(index, bundled, text, Filters())
        assert got.kept > 0 or text == "energy"
        for kind in search_module.KINDS:
            assert got.of(kind.key)["id"].tolist() == expected.of(kind.key)["id"].tolist(), (text, kind.key)


def test_each_kinds_rows_are_the_results_of_that_kind(bundled, index):
    results = search(index, bundled, "ceasefire", Filters())
    assert results.found, "the query lists some records"
    for kind in search_module.KINDS:
        expected = results.results[results.results["kind_key"] == kind.key].reset_index(drop=True)
        pd.testing.assert_frame_equal(results.of(kind.key).reset_index(drop=True), expected)


def test_a_kinds_rows_are_built_only_when_that_kind_is_asked_for(bundled, index, monkeypatch):
    built: list[str] = []
    real = search_module._result_rows
    monkeypatch.setattr(search_module, "_result_rows", lambda kind, *a: built.append(kind.key) or real(kind, *a))
    results = search(index, bundled, "ceasefire", Filters())
    assert len(results.found) > 1 and built == []  # counting every kind builds no kind's rows
    shown = results.of(results.found[1])
    assert built == [results.found[1]] and len(shown) == min(results.counts[results.found[1]].kept, MAX_SHOWN)
    assert results.of("actors" if "actors" not in results.found else "no-such-kind").empty
