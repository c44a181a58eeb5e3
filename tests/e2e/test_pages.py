"""Every page opens in a real browser: it renders, logs no error, and fetches nothing from another machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES, PageEntry, page_visits, visit_id
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


VISITS = page_visits()


@pytest.mark.parametrize(("entry", "section"), VISITS, ids=[visit_id(p, s) for p, s in VISITS])
def test_page_renders_offline_without_errors(
    page: Page, app_server: Server, entry: PageEntry, section: str | None, screenshots_dir: Path
) -> None:
    """Every page, each section of a page with sections opened by its link (the first section is the page's own
    screenshot)."""
    watch = Watch().attach(page)
    first = section is None or section == entry.sections[0][0]
    open_page(page, app_server.url(entry, None if first else {"view": [str(section)]}), entry.title)
    if section is not None:
        tab = page.get_by_test_id("stMain").get_by_role("tab", name=dict(entry.sections)[section], exact=True)
        expect(tab).to_have_attribute("aria-selected", "true")
    shot = f"{entry.url_path}.png" if first else f"{entry.url_path}-{section}.png"
    page.wait_for_load_state("networkidle")  # late fetches (map outlines, fonts, images) count too

    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").all_inner_texts()
    assert page.get_by_text("Page not found").count() == 0
    assert nav_titles(page) == TITLES
    full_page_screenshot(page, screenshots_dir / shot)
    # The same page at phone width, for a person to look at (docs/screenshots/phone).
    page.set_viewport_size(PHONE)
    full_page_screenshot(page, screenshots_dir / "phone" / shot)
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


def test_the_map_reads_its_outlines_from_the_app_itself(page: Page, app_server: Server) -> None:
    """The outlines are not in the chart spec: the browser fetches them from the app's own static files."""
    entry = next(p for p in PAGES if p.url_path == "reactions")
    watch = Watch().attach(page)
    with page.expect_response(lambda r: r.url.endswith("/app/static/countries-110m.json")) as fetched:
        open_page(page, app_server.url(entry, None), entry.title)
    response = fetched.value
    assert response.status == 200 and response.url.startswith(app_server.base)
    assert len(response.json()["objects"]["countries"]["geometries"]) > 150
    page.wait_for_load_state("networkidle")
    watch.assert_clean()
