"""Follow a claim in a real browser: a reaction in the table → its record → its source → the source's fact check →
back to the reaction with the browser's back button."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from components.registry import PAGES, RECORD_PAGE
from tests.e2e.helpers import Server, Watch, open_page, wait_idle, wait_title
from tests.mini import S3

pytestmark = pytest.mark.e2e

REACTIONS = next(p for p in PAGES if p.url_path == "reactions")
HEADER_HEIGHT = ROW_HEIGHT = 35  # st.dataframe's default header and row heights, in pixels


def _table_after(page: Page, heading: str) -> Locator:
    return page.locator(
        f'xpath=//*[@data-testid="stHeading"][normalize-space(.)="{heading}"]/following::*[@data-testid="stDataFrame"][1]'
    )


def _record_heading(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stMain").get_by_role("heading", level=2, name=title, exact=True)


def _open_link_cell(page: Page, x: float, y: float, attempts: int = 3) -> Page:
    """Click a link cell of the canvas grid and return the tab it opens. The cell answers a click only once the grid
    has seen the pointer over its text, which a busy machine can delay past the first click: hover, then retry."""
    for attempt in range(attempts):
        page.mouse.move(x, y)
        page.wait_for_timeout(300)
        try:
            with page.context.expect_page(timeout=10_000) as opened:
                page.mouse.click(x, y)
            return opened.value
        except PlaywrightTimeoutError:
            if attempt == attempts - 1:
                raise
            page.mouse.move(x, y - ROW_HEIGHT)  # away and back, so the grid sees the pointer arrive again
    raise AssertionError("unreachable")


def test_a_reaction_leads_to_its_source_and_fact_check_and_back(page: Page, mini_server: Server) -> None:
    watch = Watch().attach(page)
    open_page(page, mini_server.url(REACTIONS, {"view": ["list"]}), REACTIONS.title)
    table = _table_after(page, "Reactions")
    table.scroll_into_view_if_needed()
    wait_idle(page)
    # The table draws on a canvas: its accessible copy says what the first cell links to, the mouse clicks it.
    first = table.get_by_role("gridcell", include_hidden=True).first
    expect(first).to_have_text("record?id=rea-0003#rea-0003")
    box = table.bounding_box()
    assert box is not None
    x, y = box["x"] + 20, box["y"] + HEADER_HEIGHT + ROW_HEIGHT / 2
    record = _open_link_cell(page, x, y)  # table links open in a new tab, keeping the filtered table where it was
    Watch.attach(watch, record)
    wait_title(record, RECORD_PAGE.title)
    assert record.url.startswith(f"{mini_server.base}/record?id=rea-0003")
    expect(_record_heading(record, "United Nations, 3 Jun 2025")).to_be_visible()
    main = record.get_by_test_id("stMain")
    expect(main.get_by_text("sources conflict on a material point", exact=False)).to_be_visible()
    expect(main.get_by_text("<img src=x onerror=alert(1)> hoped for a ceasefire.", exact=False)).to_be_visible()
    # the source's address is a link out (http only); the source's name is a link to its record, in the same tab
    expect(main.locator('a[href="https://example.org/c"]')).to_have_count(1)
    main.get_by_test_id("stPageLink").filter(has_text="=Spreadsheet Trap · -minus").click()
    wait_idle(record)
    expect(_record_heading(record, "-minus")).to_be_visible()
    record.wait_for_url(f"**/record?id={S3}*", timeout=10_000)  # the address names the record shown
    expect(main.get_by_text("Fact check (confirmed)", exact=False).first).to_be_visible()
    expect(main.get_by_text("Talks took under two hours.", exact=False).first).to_be_visible()

    record.go_back()
    expect(_record_heading(record, "United Nations, 3 Jun 2025")).to_be_visible(timeout=15_000)
    wait_idle(record)
    assert "id=rea-0003" in record.url
    watch.assert_clean()
