"""Search in a real browser: typing "Erdogan" finds Erdoğan's records, each linking to its record page."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES
from parley.loading import load_dataset
from parley.search import KIND, build_index, search
from tests.e2e.helpers import (
    Server,
    Watch,
    download,
    download_button,
    full_page_screenshot,
    open_page,
    query,
    wait_for_query,
    wait_idle,
)

pytestmark = pytest.mark.e2e

SEARCH = next(p for p in PAGES if p.url_path == "search")
BOX = "Search every record"
PHONE = {"width": 390, "height": 844}


def test_search_erdogan_finds_erdogans_records_with_links(
    page: Page, app_server: Server, screenshots_dir: Path
) -> None:
    ds = load_dataset()
    expected = search(build_index(ds), ds, "Erdogan")
    assert expected.counts["actors"].kept == 1 and expected.counts["positions"].kept > 0
    watch = Watch().attach(page)
    open_page(page, app_server.url(SEARCH), SEARCH.title)

    box = page.get_by_role("textbox", name=BOX)
    box.fill("Erdogan")
    box.press("Enter")
    wait_for_query(page, {"q": ["Erdogan"]})
    wait_idle(page)

    main = page.get_by_test_id("stMain")
    found = [key for key, count in expected.counts.items() if count.kept]
    first = found[0]
    assert first not in ("actors", "positions")  # the test below opens other kinds by their choices
    # Every kind with results has a choice with its count; the first kind is listed.
    for key in found:
        label = f"{KIND[key].label} ({expected.counts[key].kept})"
        expect(main.get_by_role("radio", name=label, exact=True)).to_be_visible()
    first_heading = f"{KIND[first].label} ({expected.counts[first].kept})"
    expect(main.get_by_role("heading", name=first_heading, exact=True)).to_be_visible()

    main.get_by_role("radio", name="Actors (1)", exact=True).click()
    wait_for_query(page, {"q": ["Erdogan"], "kind": ["actors"]})
    wait_idle(page)
    expect(main.get_by_role("heading", name="Actors (1)", exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name=first_heading, exact=True)).to_have_count(0)  # one kind at a time
    # The table draws on a canvas; its accessible copy of the cells carries the record's name and link text.
    cell = page.get_by_role("gridcell", include_hidden=True).get_by_text("Recep Tayyip Erdoğan · Türkiye", exact=True)
    expect(cell).to_have_count(1)

    # Every listed position links to its record page, exactly the ones the core search finds.
    heading = f"Positions ({expected.counts['positions'].kept})"
    main.get_by_role("radio", name=heading, exact=True).click()
    wait_for_query(page, {"q": ["Erdogan"], "kind": ["positions"]})
    wait_idle(page)
    _, csv = download(page, download_button(page, heading, "Download CSV"))
    table = pd.read_csv(io.BytesIO(csv), dtype=str)
    wanted = expected.of("positions")
    assert table["Record"].tolist() == wanted["link"].tolist()
    assert all(link.startswith("record?id=pos-") for link in table["Record"])
    assert table["Text"].str.contains("Erdoğan").any()  # found through the folded spelling

    # The link reopens the same search on the same kind: the words and the kind ride in the URL.
    assert query(page) == {"q": ["Erdogan"], "kind": ["positions"]}
    page.goto(page.url)
    wait_idle(page)
    expect(page.get_by_role("textbox", name=BOX)).to_have_value("Erdogan")
    expect(main.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # For a person to look at: the counts by kind and one kind's list, on a laptop and on a phone.
    full_page_screenshot(page, screenshots_dir / "search-results.png")
    page.set_viewport_size(PHONE)
    full_page_screenshot(page, screenshots_dir / "phone" / "search-results.png")
    for key in found:  # on a phone the choices wrap; each is still there
        label = f"{KIND[key].label} ({expected.counts[key].kept})"
        expect(main.get_by_role("radio", name=label, exact=True)).to_be_visible()
    watch.assert_clean()
