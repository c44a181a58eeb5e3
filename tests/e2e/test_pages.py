"""Every page opens in a real browser: it renders, logs no error, and fetches nothing from another machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from components.registry import PAGES, PageEntry
from tests.e2e.helpers import (
    Server,
    Watch,
    expect_chosen,
    full_page_screenshot,
    nav_titles,
    open_page,
    page_path,
    query,
)

pytestmark = pytest.mark.e2e

TITLES = [p.title for p in PAGES]
PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("entry", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders_offline_without_errors(
    page: Page, app_server: Server, entry: PageEntry, screenshots_dir: Path
) -> None:
    watch = Watch().attach(page)
    open_page(page, app_server.url(entry), entry.title)
    page.wait_for_load_state("networkidle")  # late fetches (map outlines, fonts, images) count too

    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").all_inner_texts()
    assert page.get_by_text("Page not found").count() == 0
    assert nav_titles(page) == TITLES
    full_page_screenshot(page, screenshots_dir / f"{entry.url_path}.png")
    # The same page at phone width, for a person to look at (docs/screenshots/phone).
    page.set_viewport_size(PHONE)
    full_page_screenshot(page, screenshots_dir / "phone" / f"{entry.url_path}.png")
    assert page.get_by_test_id("stException").count() == 0
    watch.assert_clean()
    assert watch.requests, "no request was recorded at all: the watch is not attached"


@pytest.mark.parametrize("entry", [p for p in PAGES if p.url_path in ("positions", "import")], ids=lambda p: p.url_path)
def test_shared_link_is_the_first_request_of_a_fresh_server(page: Page, fresh_server: Server, entry) -> None:
    """A link opened right after a restart: Streamlit's legacy `pages/` mode must not take over the app."""
    watch = Watch().attach(page)
    open_page(page, fresh_server.url(entry, {"party": ["RUS"], "issue": ["territory"]}), entry.title)

    assert nav_titles(page) == TITLES
    assert page.get_by_text("Page not found").count() == 0
    assert page.url.startswith(fresh_server.base + page_path(entry))
    assert query(page) == {"party": ["RUS"], "issue": ["territory"]}
    expect_chosen(page, "Parties and actors", ["Russia"])
    expect_chosen(page, "Issues", ["Territory"])
    watch.assert_clean()
