"""A wrong stance corrected in a real browser: on the position's record page, "Propose a correction", the stance
changed, old and new previewed, one batch confirmed; the Positions page shows the corrected stance; the Import page's
undo brings the old one back (issue 13)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES, RECORD_PAGE
from parley.store import Store
from tests.e2e.helpers import (
    Server,
    Watch,
    download,
    download_button,
    full_page_screenshot,
    open_page,
    streamlit_server,
    wait_idle,
)

pytestmark = pytest.mark.e2e

POSITIONS = next(p for p in PAGES if p.url_path == "positions")
IMPORT = next(p for p in PAGES if p.url_path == "import")
RECORD = "pos-0071"  # Ukraine asked for an immediate ceasefire at the first Belarus round: a demand
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def correct_server(tmp_path: Path) -> Iterator[Server]:
    """Its own server and store: the correction must not change what the other browser tests see."""
    with streamlit_server(tmp_path / "correct-record") as server:
        yield server


def _settle(page: Page) -> None:
    page.wait_for_timeout(300)  # the rerun an input starts may begin a moment after it
    wait_idle(page)


def _stance_on_positions_page(page: Page, server: Server) -> str:
    """The stance of RECORD in the Positions page's table, as its CSV download holds it."""
    open_page(page, server.url(POSITIONS, {"view": ["statements"]}), POSITIONS.title)
    _, data = download(page, download_button(page, "Statements", "Download CSV"))
    rows = [r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig"))) if r["Record"] == RECORD]
    assert len(rows) == 1, f"{RECORD} is in the Positions table once"
    return rows[0]["Stance"]


def test_correct_a_stance_see_it_on_the_positions_page_then_undo_it(
    page: Page, correct_server: Server, tmp_path: Path
) -> None:
    watch = Watch().attach(page)
    store = Store(f"sqlite:///{(correct_server.log.parent / 'store.sqlite').resolve()}")
    assert _stance_on_positions_page(page, correct_server) == "demand"

    open_page(page, correct_server.url(RECORD_PAGE, {"id": [RECORD]}), RECORD_PAGE.title)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Original: the bundled data", exact=False)).to_be_visible()
    main.get_by_text("Propose a correction", exact=True).click()
    _settle(page)
    stance = main.get_by_role("combobox", name="Stance", exact=True)
    expect(stance).to_be_visible()

    # What a reader on a phone gets with the form open: kept for a person to look at.
    page.set_viewport_size(PHONE)
    _settle(page)
    shot = tmp_path / "record-correction-phone.png"
    full_page_screenshot(page, shot)
    print(f"\nthe record page with the correction form open, 390 px wide: {shot}")
    page.set_viewport_size({"width": 1400, "height": 1000})
    _settle(page)

    stance.click()
    stance.fill("reject")
    page.wait_for_timeout(300)  # the list is filtered as one types
    page.get_by_test_id("stSelectboxVirtualDropdown").get_by_role("option").filter(has_text="reject").first.click()
    main.get_by_role("button", name="Preview the correction").click()
    _settle(page)
    # The table draws on a canvas; its accessible copy holds the cells: the field, as it is now, as corrected.
    changes = page.locator(
        'xpath=//*[@data-testid="stMarkdownContainer"][contains(., "The correction:")]'
        '/following::*[@data-testid="stDataFrame"][1]'
    )
    expect(changes.get_by_role("gridcell", include_hidden=True)).to_have_text(["stance", "demand", "reject"])
    assert store.batches().empty  # nothing is written before the confirm

    main.get_by_role("button", name=f"Confirm: correct {RECORD} (1 field) as one batch").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"Corrected {RECORD} in batch")
    wait_idle(page)
    (batch_id,) = store.batches()["batch_id"].tolist()
    expect(main.get_by_text(f"Correction 1 of 1: batch {batch_id}", exact=False)).to_be_visible()

    assert _stance_on_positions_page(page, correct_server) == "reject"

    open_page(page, correct_server.url(IMPORT), IMPORT.title)
    page.get_by_test_id("stMain").get_by_role("button", name="Undo").first.click()
    _settle(page)
    expect(page.get_by_text("goes back to the version before it", exact=False)).to_be_visible()
    page.get_by_role("button", name="Yes, undo it").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"Undone batch {batch_id}")
    wait_idle(page)

    assert _stance_on_positions_page(page, correct_server) == "demand"
    open_page(page, correct_server.url(RECORD_PAGE, {"id": [RECORD]}), RECORD_PAGE.title)
    expect(page.get_by_test_id("stMain").get_by_text("Not corrected since.", exact=True)).to_be_visible()
    watch.assert_clean()
    store.dispose()
