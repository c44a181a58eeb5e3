"""The Search page: help by default, results per kind with links to record pages, clear empty states, hostile words."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from components.search import K_KIND as KIND_KEY
from parley.filters import Filters
from parley.loading import load_dataset
from parley.search import KIND, KINDS, build_index, search
from parley.views import apply_view
from tests.app.conftest import assert_clean, shown
from tests.hostile import HOSTILE

SEARCH = next(p for p in PAGES if p.url_path == "search")
BOX = "search.q"


def _links(at) -> set[str]:
    return {str(v) for frame in at.dataframe if "Record" in frame.value.columns for v in frame.value["Record"]}


def _infos(at) -> str:
    return "\n".join(i.value for i in at.info)


def test_default_shows_help_and_what_a_search_reads(on_bundled):
    at = on_bundled(SEARCH)
    assert_clean(at)
    assert at.title[0].value == "Search"
    assert at.text_input(key=BOX).value == ""
    assert any("Erdogan finds Erdoğan" in shown(c.value) for c in at.caption)
    scope = at.dataframe[0].value
    assert list(scope.columns) == ["Kind", "Records"] and scope["Records"].sum() > 0
    assert not _links(at)


def _found(results) -> list[str]:
    return [kind.key for kind in KINDS if results.counts.get(kind.key) and results.counts[kind.key].kept]


def test_a_query_in_the_link_counts_every_kind_and_lists_the_first(on_bundled):
    at = on_bundled(SEARCH, {"q": ["Erdogan"]})
    assert_clean(at)
    assert at.text_input(key=BOX).value == "Erdogan"
    assert "not a filter" not in _infos(at)  # q belongs to the page: the filters do not report it
    ds = load_dataset()
    expected = search(build_index(ds), ds, "Erdogan")
    found = _found(expected)
    assert len(found) > 1 and "actors" in found and found[0] != "actors"
    control = at.segmented_control(key=KIND_KEY)
    assert control.options == [f"{KIND[k].label} ({expected.counts[k].kept})" for k in found]
    assert control.value == found[0]
    # Only the open kind is listed: exactly its records, linking to their record pages.
    assert _links(at) == set(expected.of(found[0])["link"])
    assert [h.value for h in at.subheader] == [f"{KIND[found[0]].label} ({expected.counts[found[0]].kept})"]
    assert "kind" not in at.query_params  # the first kind is the default: the link does not name it


def test_choosing_a_kind_lists_it_and_the_link_reopens_it(on_bundled):
    at = on_bundled(SEARCH, {"q": ["Erdogan"]})
    at.segmented_control(key=KIND_KEY).set_value("actors").run()
    assert_clean(at)
    assert _links(at) == {"record?id=recep_tayyip_erdogan"}
    assert [h.value for h in at.subheader] == ["Actors (1)"]
    assert at.query_params.get("kind") in ("actors", ["actors"])
    shared = on_bundled(SEARCH, {"q": ["Erdogan"], "kind": ["actors"]})
    assert_clean(shared)
    assert shared.segmented_control(key=KIND_KEY).value == "actors"
    assert _links(shared) == {"record?id=recep_tayyip_erdogan"}


def test_a_kind_without_results_falls_back_to_the_first(on_bundled):
    ds = load_dataset()
    expected = search(build_index(ds), ds, "Erdogan")
    missing = next(k.key for k in KINDS if k.key not in _found(expected))
    for linked in (missing, "no-such-kind", "<b>x</b>"):
        at = on_bundled(SEARCH, {"q": ["Erdogan"], "kind": [linked]})
        assert_clean(at)
        first = _found(expected)[0]
        assert at.segmented_control(key=KIND_KEY).value == first
        assert _links(at) == set(expected.of(first)["link"])
        assert "kind" not in at.query_params  # the stale kind leaves the link


def test_the_chosen_kind_stays_open_while_it_has_results(on_bundled):
    at = on_bundled(SEARCH, {"q": ["Erdogan"]})
    at.segmented_control(key=KIND_KEY).set_value("actors").run()
    at.text_input(key=BOX).set_value("Türkiye").run()
    assert_clean(at)
    assert at.segmented_control(key=KIND_KEY).value == "actors"
    assert "record?id=TUR" in _links(at)
    at.text_input(key=BOX).set_value("ceasefire").run()  # no actor holds the word: the first kind opens
    assert_clean(at)
    ds = load_dataset()
    first = _found(search(build_index(ds), ds, "ceasefire"))[0]
    assert first != "actors" and at.segmented_control(key=KIND_KEY).value == first


def test_typing_a_query_shows_its_results_and_puts_it_in_the_url(on_bundled):
    at = on_bundled(SEARCH)
    at.text_input(key=BOX).set_value("Türkiye").run()
    assert_clean(at)
    assert _links(at)
    assert at.query_params.get("q") in ("Türkiye", ["Türkiye"])


def test_no_record_holds_the_words(on_bundled):
    at = on_bundled(SEARCH, {"q": ["zzzqqq ceasefire"]})
    assert_clean(at)
    assert "No record contains all of these words, whatever the filters" in _infos(at)
    assert not _links(at)


def test_the_filters_exclude_every_match(on_bundled):
    ds = load_dataset()
    index = build_index(ds)
    # A party whose view is not empty but keeps none of Erdoğan's records: found in the data, not assumed.
    party = next(
        p
        for p in ds.filter_actors
        if not apply_view(ds, Filters(parties=(p,))).is_empty
        and search(index, ds, "Erdogan", Filters(parties=(p,))).kept == 0
    )
    at = on_bundled(SEARCH, {"q": ["Erdogan"], "party": [party]})
    assert_clean(at)
    assert "contain these words, but none within the current filters" in _infos(at)
    assert not _links(at)


@pytest.mark.parametrize("text", [HOSTILE, '" NEAR( *', "?!", "a" * 400])
def test_hostile_query(on_bundled, text):
    at = on_bundled(SEARCH, {"q": [text]})
    assert_clean(at)
    assert at.title[0].value == "Search"
    # Nothing of the query is echoed into Markdown: only the box holds it.
    assert all("evil.example" not in m.value for m in at.markdown)
