"""What an analyst waits for in a real browser: each page's first render, a page switch, and a filter change.

Starts the app (bundled data, a throwaway store) and drives Debian's Chromium. Times are taken inside the page with
performance.now(), so Playwright's own round trips are not counted:
- first render: navigation start (a new visitor, new browser context) until the page title is visible and Streamlit's
  script state is idle (connected, not running);
- page switch: click on the sidebar link until the new title is visible and the app is idle;
- filter change: the click on "Russia" in "Parties and actors" (Positions page) until the Statements table caption
  shows the filtered row count and the app is idle.
Prints medians (and the spread) of --runs runs. Usage: .venv/bin/python benchmarks/browser_bench.py [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # components/ and tests/ are not installed packages

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from components.registry import PAGES, PageEntry  # noqa: E402
from parley.filters import Filters  # noqa: E402
from parley.loading import load_dataset  # noqa: E402
from parley.views import apply_view  # noqa: E402
from tests.e2e.helpers import (  # noqa: E402
    CHROMIUM_ARGS,
    IDLE,
    VIEWPORT,
    Server,
    find_chromium,
    nav_link,
    open_page,
    streamlit_server,
)

# Truthy (the time) once `title` is the page's h1 and the app is idle; checked on every animation frame.
_SETTLED = """([title, idle]) => {
    const shown = [...document.querySelectorAll("h1")].some(h => h.innerText.trim() === title && h.offsetParent);
    return shown && document.querySelector(idle) ? performance.now() : false;
}"""
_CAPTION_SHOWS = """([xpath, text, idle]) => {
    const node = document.evaluate(xpath, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue;
    return node && node.innerText.trim() === text && document.querySelector(idle) ? performance.now() : false;
}"""
_MARK_NEXT_POINTER = """() => { window.__benchStart = null;
    document.addEventListener("pointerdown", () => { window.__benchStart = performance.now(); },
                              { capture: true, once: true }); }"""
STATEMENTS_CAPTION = (
    '//*[@data-testid="stHeading"][normalize-space(.)="Statements"]'
    '/following::*[@data-testid="stCaptionContainer"][contains(., "row(s)")][1]'
)


def _settled_at(page: Page, title: str) -> float:
    return page.wait_for_function(_SETTLED, arg=[title, IDLE], polling="raf", timeout=60_000).json_value()


def first_render(browser: Browser, server: Server, entry: PageEntry) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.goto(server.url(entry), wait_until="commit")
        return _settled_at(page, entry.title) / 1000  # performance.now() counts from navigation start
    finally:
        context.close()


def page_switch(browser: Browser, server: Server, start: PageEntry, target: PageEntry) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        open_page(page, server.url(start), start.title)
        page.evaluate(_MARK_NEXT_POINTER)
        nav_link(page, target.title).click()
        end = _settled_at(page, target.title)
        return (end - page.evaluate("window.__benchStart")) / 1000
    finally:
        context.close()


def filter_change(browser: Browser, server: Server, positions: PageEntry, expected_caption: str) -> float:
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        open_page(page, server.url(positions), positions.title)
        page.get_by_role("combobox", name="Parties and actors", exact=True).click()
        option = page.get_by_role("option", name="Russia", exact=True)
        option.wait_for()
        page.evaluate(_MARK_NEXT_POINTER)
        option.click()
        end = page.wait_for_function(
            _CAPTION_SHOWS, arg=[STATEMENTS_CAPTION, expected_caption, IDLE], polling="raf", timeout=60_000
        ).json_value()
        return (end - page.evaluate("window.__benchStart")) / 1000
    finally:
        context.close()


def _fmt(samples: list[float]) -> str:
    return f"{statistics.median(samples):6.2f} s   (min {min(samples):.2f}, max {max(samples):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    chromium = find_chromium()
    if chromium is None:
        sys.exit("Chromium not found: apt-get install -y chromium")
    positions = next(p for p in PAGES if p.url_path == "positions")
    expected = f"{len(apply_view(load_dataset(), Filters(parties=('RUS',))).positions):,} row(s)"

    with tempfile.TemporaryDirectory() as tmp, streamlit_server(Path(tmp)) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        cold = first_render(browser, server, positions)  # the server's very first visitor loads and checks the data
        rows: list[tuple[str, str]] = [("Positions, server's first visitor (data load)", f"{cold:6.2f} s   (1 run)")]
        for entry in PAGES:
            first_render(browser, server, entry)  # warm-up: Python imports and caches for this page
            rows.append(
                (f"{entry.title}: first render", _fmt([first_render(browser, server, entry) for _ in range(runs)]))
            )
        for start, target in zip(PAGES, [*PAGES[1:], PAGES[0]], strict=True):
            samples = [page_switch(browser, server, start, target) for _ in range(runs)]
            rows.append((f"switch {start.title} -> {target.title}", _fmt(samples)))
        samples = [filter_change(browser, server, positions, expected) for _ in range(runs)]
        rows.append((f"filter change: Russia -> Statements caption '{expected}'", _fmt(samples)))
        browser.close()

    width = max(len(name) for name, _ in rows)
    print(f"Parley in Chromium ({chromium}), median of {runs} runs, warm server unless noted")
    print(f"{'measure'.ljust(width)}   median")
    print(f"{'-' * width}   {'-' * 34}")
    for name, value in rows:
        print(f"{name.ljust(width)}   {value}")


if __name__ == "__main__":
    main()
