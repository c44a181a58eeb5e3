"""The Search page: help by default, results per kind with links to record pages, clear empty states, hostile words."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from parley.filters import Filters
from parley.loading import load_dataset
from parley.search import build_index, search
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


def test_a_query_in_the_link_lists_results_linking_to_record_pages(on_bundled):
    at = on_bundled(SEARCH, {"q": ["Erdogan"]})
    assert_clean(at)
    assert at.text_input(key=BOX).value == "Erdogan"
    assert "not a filter" not in _infos(at)  # q belongs to the page: the filters do not report it
    links = _links(at)
    assert "record?id=recep_tayyip_erdogan" in links
    ds = load_dataset()
    expected = search(build_index(ds), ds, "Erdogan")
    assert links == set(expected.results["link"])
    headings = [h.value for h in at.subheader]
    assert "Actors (1)" in headings


def test_typing_a_query_shows_its_results_and_puts_it_in_the_url(on_bundled):
    at = on_bundled(SEARCH)
    at.text_input(key=BOX).set_value("Türkiye").run()
    assert_clean(at)
    assert "record?id=TUR" in _links(at)
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
