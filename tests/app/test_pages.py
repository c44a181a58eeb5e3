"""Every page renders on the bundled data: default filters, every filter emptied, and a filter matching nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.registry import PAGES
from tests.app.conftest import VISIT_IDS, VISITS, assert_clean, shown

IDS = [p.url_path for p in PAGES]


@pytest.mark.parametrize(("page", "section"), VISITS, ids=VISIT_IDS)
def test_page_renders_with_default_filters(on_bundled, page, section):
    at = on_bundled(page, None, section)
    assert_clean(at)
    assert at.title[0].value == page.title
    assert "All records" in shown(at.caption[0].value)


@pytest.mark.parametrize(("page", "section"), VISITS, ids=VISIT_IDS)
def test_page_renders_with_every_filter_emptied(on_bundled, page, section):
    at = on_bundled(page, {"party": [""], "issue": [""], "format": [""], "from": [""], "to": [""]}, section)
    assert_clean(at)
    for key in ("filters.party", "filters.issue", "filters.format"):
        at.multiselect(key=key).set_value([])
    at.toggle(key="filters.hide_low").set_value(False)
    at.run()
    assert_clean(at)
    assert at.title[0].value == page.title


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_page_shows_empty_state_when_nothing_matches(on_bundled, page):
    # No record in the bundled data is dated 1-2 January 2024.
    at = on_bundled(page, {"from": ["2024-01-01"], "to": ["2024-01-02"]})
    assert_clean(at)
    # The codebook is never filtered; Add an article codes new records and shows none of the record.
    if page.url_path not in ("codebook", "add"):
        assert any("No " in i.value and "match the current filters" in i.value for i in at.info), [
            i.value for i in at.info
        ]


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_url_path_is_the_file_name(page):
    # A server's first request can be served in Streamlit's legacy `pages/` mode, which knows pages by file name.
    assert Path(page.path).stem == page.url_path
