"""Records whose every free-text field starts with markup, bundled and imported: in a real browser nothing is
formatted, nothing is fetched off the machine, and every image download works with the server staying up."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.registry import page_visits, visit_id
from tests.e2e.helpers import Server, Watch, download, full_page_screenshot, open_page, streamlit_server
from tests.hostile import BEACON_HOST, HOSTILE_TALK, import_hostile_bundle, write_hostile_data

pytestmark = pytest.mark.e2e

# What interpreted markup would leave in the document.
FORMATTED = f"""() => {{
    const app = document.querySelector('[data-testid="stApp"]');
    const text = app.innerText;
    return {{
        latex: app.querySelectorAll('.katex').length,
        links: [...app.querySelectorAll('a')].filter(a => /evil\\.example|{BEACON_HOST}/.test(a.href || '')).length,
        images: [...document.images].filter(i => /{BEACON_HOST}|\\/x$/.test(i.src || '')).length,
        bold: [...app.querySelectorAll('strong, b')].filter(e => e.textContent.trim() === 'B').length,
        icons: [...app.querySelectorAll('[data-testid="stIconMaterial"]')].filter(e => e.textContent === 'home').length,
        emoji: text.includes('\\u{{1F604}}') ? 1 : 0,
        handlers: document.querySelectorAll('[onerror]').length,
    }};
}}"""
NOTHING = {"latex": 0, "links": 0, "images": 0, "bold": 0, "icons": 0, "emoji": 0, "handlers": 0}


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = write_hostile_data(tmp_path_factory.mktemp("hostile-data"))
    workdir = tmp_path_factory.mktemp("hostile-app")
    import_hostile_bundle(f"sqlite:///{(workdir / 'store.sqlite').resolve()}", data)  # the server's own store
    with streamlit_server(workdir, data_dir=data) as server:
        yield server


def _healthy(server: Server) -> bool:
    with urllib.request.urlopen(f"{server.base}/_stcore/health", timeout=5) as response:
        return response.read().decode().strip() == "ok"


# Charts each page section draws on the hostile data (a page draws only its open section).
CHARTS = {
    "overview-activity": 2,
    "timeline-round": 1,
    "timeline-rounds": 1,
    "positions-stand": 1,
    "positions-gap": 2,
    "positions-path": 1,
    "positions-statements": 1,
    "plans-matrix": 1,
    "plans-compare": 1,
    "commitments-status": 1,
    "commitments-by-round": 1,
    "commitments-by-party": 1,
    "reactions-map": 1,
    "reactions-counts": 3,
}
VISITS = page_visits()


@pytest.mark.parametrize(("entry", "section"), VISITS, ids=[visit_id(p, s) for p, s in VISITS])
def test_markup_stays_text_and_every_image_download_keeps_the_server_up(
    page: Page, hostile_server: Server, entry, section, tmp_path: Path
) -> None:
    watch = Watch().attach(page)
    query = {"round": [HOSTILE_TALK]} if entry.url_path == "timeline" else {}
    open_page(page, hostile_server.url(entry, {**query, **({"view": [section]} if section else {})}), entry.title)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # a beacon image would have been requested by now
    assert page.evaluate(FORMATTED) == NOTHING
    if entry.url_path == "timeline" and section == "round":
        heading = page.get_by_role("heading", level=2).filter(has_text="Istanbul round (example)")
        expect(heading).to_contain_text("**B**")  # the asterisks are shown, not turned into bold

    main = page.get_by_test_id("stMain")
    charts = CHARTS.get(visit_id(entry, section), 0)
    for label, magic in (("PNG", b"\x89PNG"), ("SVG", b"<svg")):
        buttons = main.get_by_test_id("stDownloadButton").filter(has_text=label)
        expect(buttons).to_have_count(charts)  # one of each under every chart
        for i in range(charts):
            name, data = download(page, buttons.nth(i))
            assert data.startswith(magic), name
    assert _healthy(hostile_server)
    watch.assert_clean()

    # The phone layout with long hostile names: kept as a file for a person to look at.
    page.set_viewport_size({"width": 390, "height": 844})
    shot = tmp_path / f"phone-{visit_id(entry, section)}.png"
    full_page_screenshot(page, shot)
    assert shot.stat().st_size > 10_000
