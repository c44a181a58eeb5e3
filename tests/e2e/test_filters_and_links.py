"""Sidebar filters follow the analyst from page to page, live in the URL, and the copied link reopens the view."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from components.registry import PAGES
from tests.e2e.helpers import (
    Server,
    Watch,
    choose,
    download,
    download_button,
    expect_chosen,
    nav_link,
    open_page,
    page_path,
    query,
    row_count,
    wait_for_query,
    wait_idle,
    wait_title,
)

pytestmark = pytest.mark.e2e

PARTY, ISSUE = "Parties and actors", "Issues"
WANTED = {"party": ["RUS"], "issue": ["territory"]}
POSITIONS = next(p for p in PAGES if p.url_path == "positions")


def _set_filters(page: Page) -> None:
    choose(page, PARTY, ["Russia"])
    wait_for_query(page, {"party": ["RUS"]})
    choose(page, ISSUE, ["Territory"])
    wait_for_query(page, WANTED)
    wait_idle(page)  # the URL is written during the run; the tables and buttons are redrawn after it


def _header(page: Page) -> str:
    return page.get_by_test_id("stMain").get_by_test_id("stCaptionContainer").first.inner_text()


def test_filters_stay_selected_and_in_the_url_on_every_page(page: Page, app_server: Server) -> None:
    watch = Watch().attach(page)
    visited: list[str] = []  # every URL the tab shows, also the ones in between (history.replaceState included)
    page.on("framenavigated", lambda frame: frame == page.main_frame and visited.append(frame.url))
    open_page(page, app_server.url(PAGES[0]), PAGES[0].title)
    _set_filters(page)

    dropped: dict[str, list[str]] = {}
    for entry in [*PAGES[1:], PAGES[0]]:
        visited.clear()
        nav_link(page, entry.title).click()
        wait_title(page, entry.title)
        wait_for_query(page, WANTED)
        assert page.url.split("?")[0] == app_server.base + page_path(entry)
        expect_chosen(page, PARTY, ["Russia"])
        expect_chosen(page, ISSUE, ["Territory"])
        if entry.url_path != "codebook":  # the codebook is never filtered, and says so
            assert "Russia" in _header(page) and "Territory" in _header(page), (entry.url_path, _header(page))
        dropped[entry.url_path] = [url for url in visited if "?" not in url]
    # Kept as a record of what Streamlit does on a page switch (the app re-writes the URL after each run either way).
    print(f"URLs without the filters seen while switching pages: {dropped}")
    watch.assert_clean()


def test_copied_link_opens_the_same_view_in_a_new_browser(
    page: Page, app_server: Server, browser: Browser, browser_context_args: dict
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_server.base)
    open_page(page, app_server.url(POSITIONS), POSITIONS.title)
    _set_filters(page)
    page.get_by_role("tab", name="Statements").click()  # the section is part of the view the link reopens
    wait_for_query(page, {**WANTED, "view": ["statements"]})
    rows = row_count(page, "Statements")
    _, csv = download(page, download_button(page, "Statements", "Download CSV"))

    # The sidebar's own "copy link" control puts exactly the address of this view on the clipboard.
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stCode").hover()
    sidebar.get_by_role("button", name="Copy to clipboard").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url

    fresh = browser.new_context(**browser_context_args)
    try:
        other = fresh.new_page()
        watch = Watch().attach(other)
        open_page(other, link, POSITIONS.title)
        assert query(other) == {**WANTED, "view": ["statements"]}
        expect(other.get_by_role("tab", name="Statements")).to_have_attribute("aria-selected", "true")
        expect_chosen(other, PARTY, ["Russia"])
        expect_chosen(other, ISSUE, ["Territory"])
        assert row_count(other, "Statements") == rows
        assert download(other, download_button(other, "Statements", "Download CSV"))[1] == csv
        other.reload()  # and a reload keeps it too
        wait_title(other, POSITIONS.title)
        expect_chosen(other, PARTY, ["Russia"])
        assert row_count(other, "Statements") == rows
        watch.assert_clean()
    finally:
        fresh.close()
