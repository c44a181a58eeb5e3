"""Every chart of every page reads on a laptop (1440×900) and on a phone (390×844), measured in Chromium's DOM:
no legend outside its chart, no two texts of a chart overlapping, no text running past the chart's edge, no time
axis naming a period twice, no count axis with a tick between whole numbers.

One browser tab per width visits every page once (and the record page with one record); charts in a tab not yet
open, and the Europe view of the reactions map, are measured after opening them. The pages with time axes are also
read at phone width over two short windows, where the axes tick on months and on days or weeks instead of years.
How the DOM is read, and why the charts can be measured at all (SVG, not canvas): tests/e2e/layout.py.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from components.registry import PAGES, RECORD_PAGE, ROOT, PageEntry
from parley import palette
from tests.e2e.helpers import Server, nav_link, open_page, query, wait_idle, wait_title
from tests.e2e.layout import (
    Chart,
    fractional_count_ticks,
    legends_outside,
    not_measurable,
    overlapping_texts,
    repeated_time_ticks,
    texts_cut,
    wait_charts_drawn,
)

pytestmark = pytest.mark.e2e

SCREENS = {"laptop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
CHECKS = (not_measurable, legends_outside, overlapping_texts, texts_cut, repeated_time_ticks, fractional_count_ticks)
# What each page must be found to draw on the bundled data, so that no check passes by measuring nothing.
CHARTS_AT_LEAST = {
    "overview": 2,
    "timeline": 1,
    "positions": 5,
    "plans": 2,
    "commitments": 3,
    "reactions": 4,
    "codebook": len(palette.MEANINGS),
}
AXES_AT_LEAST = {
    "overview": {"time"},
    "timeline": {"time"},
    "positions": {"time", "count"},
    "commitments": {"time", "count"},
    "reactions": {"time", "count"},
}
# Views a page draws after a click, measured too: the section (tab) it is in, the option that opens the view, and
# the chart it draws.
MORE_VIEWS = {"reactions": ("Map", "Europe", "Where reacting states stand (Europe)")}


def _first_talk_id() -> str:
    with (ROOT / "data" / "talks.csv").open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))["talk_id"]


VISITS = [*PAGES, RECORD_PAGE]


@pytest.fixture(scope="module", params=list(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """One tab per screen size, kept for every page: each page is visited once per size."""
    context = browser.new_context(viewport=SCREENS[request.param])
    try:
        yield context.new_page()
    finally:
        context.close()


def _url(server: Server, entry: PageEntry) -> str:
    return server.url(entry, {"id": [_first_talk_id()]} if entry == RECORD_PAGE else None)


def _visit(page: Page, server: Server, entry: PageEntry) -> None:
    """Open a page as a reader does: by the menu once the app is open (a page switch, much quicker than starting
    the app again), by its address the first time and for the record page, which is not in the menu."""
    if entry not in PAGES or not page.url.startswith(server.base):
        open_page(page, _url(server, entry), entry.title)
        return
    link = nav_link(page, entry.title)
    if _folded(link):  # on a phone the menu is folded away to the left
        page.get_by_test_id("stExpandSidebarButton").click()
    link.click()
    wait_title(page, entry.title)
    if not _folded(link) and _folded_by_default(page):  # the menu must not cover the page being measured
        page.get_by_test_id("stSidebarCollapseButton").click()
        page.wait_for_function("e => e.getBoundingClientRect().right <= 0", arg=link.element_handle())


def _folded(link: Locator) -> bool:
    return bool(link.evaluate("e => e.getBoundingClientRect().right <= 0"))


def _folded_by_default(page: Page) -> bool:
    return bool(page.viewport_size) and page.viewport_size["width"] < 600


def _open_tab(page: Page, label: str) -> None:
    """Open a section's tab and wait for its content: the panel of a section not drawn yet is empty."""
    tab = page.get_by_test_id("stMain").get_by_role("tab", name=label, exact=True)
    if tab.get_attribute("aria-selected") != "true":
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
    page.locator('[role="tabpanel"]:visible [data-testid="stElementContainer"]').first.wait_for()
    wait_idle(page)


def _measure_every_chart(page: Page, entry: PageEntry) -> list[Chart]:
    """Every chart of the page as drawn. A page with sections draws only the open one: each section's tab is
    opened in turn and its charts measured; tabs inside a section (drawn at once) are opened one by one."""
    measured: list[Chart] = []
    for label in [label for _, label in entry.sections] or [None]:
        if label is not None:
            _open_tab(page, label)
        charts = wait_charts_drawn(page, 0 if entry.sections else CHARTS_AT_LEAST.get(entry.url_path, 0))
        seen: dict[int, Chart] = {i: c for i, c in enumerate(charts) if c.shown}
        inner = page.get_by_test_id("stMain").get_by_role("tab")
        for n in range(inner.count() if not entry.sections else 0):
            if len(seen) == len(charts):
                break
            inner.nth(n).click()
            for i, chart in enumerate(wait_charts_drawn(page, len(charts))):
                if chart.shown and i not in seen:
                    seen[i] = chart
        assert len(seen) == len(charts), f"never shown: {[c.name for i, c in enumerate(charts) if i not in seen]}"
        measured += seen.values()
    assert len(measured) >= CHARTS_AT_LEAST.get(entry.url_path, 0), [c.name for c in measured]
    if entry.url_path in MORE_VIEWS:
        section, option, drawn = MORE_VIEWS[entry.url_path]
        _open_tab(page, section)
        page.get_by_test_id("stMain").get_by_role("radio", name=option, exact=True).click()
        page.get_by_role("heading", name=drawn, exact=True).wait_for()
        wait_idle(page)
        measured += [c for c in wait_charts_drawn(page) if c.shown and c.name == drawn]
        assert any(c.name == drawn for c in measured), f"{drawn!r} was not drawn"
    return measured


def _assert_reads_well(page: Page, entry: PageEntry, charts: list[Chart]) -> None:
    problems = [problem for chart in charts for check in CHECKS for problem in check(chart)]
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert not problems, f"{entry.url_path} at {width} px:\n" + "\n".join(problems[:40])
    kinds = {axis["kind"] for chart in charts for axis in chart.axes}
    assert AXES_AT_LEAST.get(entry.url_path, set()) <= kinds, (entry.url_path, kinds)
    if entry.url_path in CHARTS_AT_LEAST:  # the checks read something: texts were found in every chart
        assert all(chart.texts for chart in charts), [c.name for c in charts if not c.texts]


@pytest.mark.parametrize("entry", VISITS, ids=[p.url_path for p in VISITS])
def test_every_chart_reads_without_overlaps_cuts_or_repeated_ticks(
    screen: Page, app_server: Server, entry: PageEntry
) -> None:
    _visit(screen, app_server, entry)
    _assert_reads_well(screen, entry, _measure_every_chart(screen, entry))


# Windows whose time axes tick on months and on days or weeks (the whole record ticks on years), on the pages that
# draw time axes, at the phone's width, where the labels have least room.
WINDOWS = {"four-months": ("2025-03-01", "2025-06-30"), "five-weeks": ("2025-05-10", "2025-06-14")}
TIMED = [p for p in PAGES if p.url_path in ("overview", "timeline", "positions", "reactions")]


@pytest.mark.parametrize("screen", ["phone"], indirect=True)
@pytest.mark.parametrize("window", list(WINDOWS))
def test_short_windows_name_each_period_once(screen: Page, app_server: Server, window: str) -> None:
    start, end = WINDOWS[window]
    wanted = {"from": [start], "to": [end]}
    for entry in TIMED:
        if entry == TIMED[0]:
            open_page(screen, app_server.url(entry, wanted), entry.title)
        else:
            _visit(screen, app_server, entry)
        if query(screen) != wanted:  # the filters travel with a page switch; if not, the address brings them
            open_page(screen, app_server.url(entry, wanted), entry.title)
        _assert_reads_well(screen, entry, _measure_every_chart(screen, entry))
