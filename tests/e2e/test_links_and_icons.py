"""Every path the app shows opens its page, and icons come from the app itself (no emoji font, no font server)."""

from __future__ import annotations

import re

from components.registry import PAGES
from tests.e2e.helpers import Watch, open_page, wait_idle, wait_title

OVERVIEW = PAGES[0]


def shared_link(page) -> str:
    """The address in the sidebar's "Link to this view" box."""
    return page.get_by_test_id("stSidebar").get_by_test_id("stCode").inner_text().strip()


def test_overview_opens_at_its_name_and_every_shown_link_opens(app_server, page):
    watch = Watch().attach(page)
    # /overview: the page's name, which the default page does not answer to by itself.
    open_page(page, f"{app_server.base}/overview?party=RUS", OVERVIEW.title)
    assert page.get_by_text("Page not found").count() == 0
    for entry in PAGES:
        page.goto(f"{app_server.base}/{entry.url_path}")
        wait_title(page, entry.title, timeout=120_000)  # a loaded machine: the Positions page takes a while
        assert page.get_by_text("Page not found").count() == 0, entry.url_path
        link = shared_link(page)
        assert link.startswith(app_server.base), link
        page.goto(link)  # the link this view offers reopens this view
        wait_title(page, entry.title, timeout=120_000)  # a loaded machine: the Positions page takes a while
        assert page.get_by_text("Page not found").count() == 0, link
    watch.assert_clean()


def test_icons_are_drawn_without_an_emoji_font_or_a_request_out(app_server, page):
    watch = Watch().attach(page)
    open_page(page, app_server.base + "/", OVERVIEW.title)
    nav = page.get_by_test_id("stSidebarNav")
    assert nav.get_by_test_id("stIconMaterial").count() == len(PAGES)  # one bundled Material icon per page
    emoji = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
    assert not emoji.search(nav.inner_text())
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert icon and not icon.startswith("http") or icon.startswith(app_server.base), icon  # served by the app
    watch.assert_clean()


def test_a_round_clicked_on_the_timeline_is_in_the_link_at_once(app_server, page):
    watch = Watch().attach(page)
    timeline = next(p for p in PAGES if p.url_path == "timeline")
    open_page(page, app_server.url(timeline, {"from": ["2025-01-01"]}), timeline.title)
    point = page.locator(".js-plotly-plot .scatterlayer .points path.point").first
    point.wait_for()
    box = point.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # No other step: the page's own address and the link it offers name the round as soon as the click is handled.
    page.wait_for_url(re.compile(r"[?&]round=[^&]+"), timeout=30_000)
    wait_idle(page)
    talk = re.search(r"[?&]round=([^&]+)", page.url).group(1)
    assert f"round={talk}" in shared_link(page)
    assert page.get_by_text("Positions and reactions linked to this round").count() == 1  # the round is open
    watch.assert_clean()
