"""The briefing pack as a reader gets it: downloaded from the Positions page, opened from disk in Chromium with every
network request recorded and blocked, it loads nothing and shows the view's figures, charts and citations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from components.filters import filters_text
from components.registry import PAGES
from parley.filters import Filters, sources_cited_by
from parley.loading import load_dataset
from parley.views import apply_view
from tests.e2e.helpers import Server, download, open_page

pytestmark = pytest.mark.e2e

POSITIONS = next(p for p in PAGES if p.url_path == "positions")
QUERY = {"party": ["RUS", "UKR"]}
TITLE = "Parley briefing: Positions"


def _sidebar_button(page: Page, label: str):
    return page.get_by_test_id("stSidebar").get_by_test_id("stDownloadButton").filter(has_text=re.compile(label))


def _open_offline(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """Open a file in a fresh context where every request but the file itself is recorded and refused."""
    context = browser.new_context(java_script_enabled=True)
    requests: list[str] = []
    console: list[str] = []
    target = path.as_uri()

    def handle(route):
        if route.request.url == target:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", handle)
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.goto(target)
    page.wait_for_load_state("load")
    page.wait_for_timeout(500)  # anything lazy (fonts, images) would have asked by now
    return page, [url for url in requests if url != target], console


def test_briefing_pack_opens_offline_with_figures_and_citations(
    page: Page, browser: Browser, app_server: Server, tmp_path: Path
):
    # The pack holds what the page shows: the open section's charts and tables (here the statements and their chart).
    open_page(page, app_server.url(POSITIONS, {**QUERY, "view": ["statements"]}), POSITIONS.title)
    name, data = download(page, _sidebar_button(page, "HTML"))
    assert name.startswith("parley_positions_briefing_v") and name.endswith(".html")
    document = data.decode("utf-8")
    # The Content-Security-Policy in the file would hide a request the markup makes: open it as written and
    # without that line, and neither may ask for anything.
    as_written = tmp_path / name
    as_written.write_text(document, encoding="utf-8")
    bare = tmp_path / "without-csp.html"
    bare.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", document), encoding="utf-8")
    assert bare.read_text(encoding="utf-8") != document

    dataset = load_dataset()
    chosen = Filters(parties=("RUS", "UKR"))
    view = apply_view(dataset, chosen)
    described = filters_text(dataset, chosen)
    cited = sources_cited_by(dataset.sources, view.positions)
    assert len(cited) > 0
    for path in (as_written, bare):
        pack, requests, console = _open_offline(browser, path)
        assert requests == [], f"the pack asked for {requests}"
        assert not [m for m in console if m.startswith("error")], console
        text = pack.locator("body").inner_text()
        assert TITLE in text
        assert f"Filters: {described}" in pack.locator("p.meta").all_inner_texts()
        assert dataset.version in text
        figures = pack.locator("ul.figures li").all_inner_texts()
        assert any(f.startswith("Statements") and str(len(view.positions)) in f for f in figures), figures
        assert pack.locator("svg").count() >= 1  # the section's chart, inline
        assert pack.locator("ol.citations > li").count() == len(cited)
        hrefs = set(pack.locator("ol.citations a").evaluate_all("links => links.map(a => a.getAttribute('href'))"))
        assert hrefs == set(cited["url"])
        pack.context.close()

    # The recorder itself sees a request when a file makes one (the beacon address is blocked, never reached).
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<p>x</p><img src="http://10.255.255.1/b.png">', encoding="utf-8")
    control, requests, _ = _open_offline(browser, leaky)
    control.context.close()
    assert requests == ["http://10.255.255.1/b.png"]

    name, pdf = download(page, _sidebar_button(page, "PDF"))
    assert name.endswith(".pdf")
    assert pdf.startswith(b"%PDF")
    assert f"/Title ({TITLE})".encode() in pdf
