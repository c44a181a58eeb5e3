"""An analyst adds the next round from the browser: upload an article bundle, check the preview, confirm, find the
round on the Timeline page, then undo the batch and see the round gone (issue 5, item 5)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from components.registry import PAGES
from parley.importer import BUNDLE_FORMAT
from parley.store import Store
from tests.e2e.helpers import (
    Server,
    Watch,
    nav_link,
    open_page,
    query,
    row_count,
    streamlit_server,
    wait_idle,
    wait_title,
)

pytestmark = pytest.mark.e2e

TIMELINE = next(p for p in PAGES if p.url_path == "timeline")
IMPORT = next(p for p in PAGES if p.url_path == "import")
ROUNDS = "All rounds in the window"  # the Timeline table under this subheading
PICKER = "Open a round"

# A round that is in none of the bundled files (id, title, city, date), dated in the past so it is never "future".
TALK_ID = "2026-03-10-valletta-e2e-journey"
TITLE = "Valletta round (e2e journey)"
DAY = "2026-03-10"
OUTLET = "E2E Wire"
SAID = "Ukraine asked for a ceasefire before any talks on territory (e2e journey)."
POSITION_ID = "pos-e2e-journey-1"
BUNDLE = {
    "format": BUNDLE_FORMAT,
    "source": {
        "url": "https://example.org/news/2026/03/10/valletta-e2e-journey",
        "outlet": OUTLET,
        "title": "Delegations meet in Valletta (e2e journey)",
        "published": DAY,
        "source_type": "wire",
        "reliability_notes": "",
    },
    "talks": [
        {
            "talk_id": TALK_ID,
            "process_id": "russia-ukraine",
            "title": TITLE,
            "start_date": DAY,
            "end_date": DAY,
            "city": "Valletta",
            "venue": "",
            "country_iso3": "MLT",
            "format": "mediated",
            "status": "held",
            "outcome": "The delegations agreed to meet again.",
            "confidence": "medium",
            "disputed": False,
            "notes": "",
        }
    ],
    "talk_participants": [{"talk_id": TALK_ID, "actor_id": "UKR", "role": "party"}],
    "positions": [
        {
            "position_id": POSITION_ID,
            "date": DAY,
            "actor_id": "UKR",
            "issue_id": "ceasefire",
            "stance": "demand",
            "summary": SAID,
            "talk_id": TALK_ID,
            "confidence": "medium",
            "disputed": False,
        }
    ],
}
# What the preview must list: per table, the count and one identifying (column, value) of the new record.
NEW = {
    "sources": ("outlet", OUTLET),
    "talks": ("title", TITLE),
    "talk_participants": ("talk_id", TALK_ID),
    "positions": ("position_id", POSITION_ID),
}
N_NEW = len(NEW)  # one record per table

# The accessible twin of a dataframe (st.dataframe draws on a canvas; glide-data-grid mirrors the cells it draws,
# i.e. the rows and columns in view, in a <table role="grid">), read as {header: text} per row.
_GRID_ROWS = """t => {
  const head = Object.fromEntries([...t.querySelectorAll('thead th')].map(h => [h.getAttribute('aria-colindex'),
                                                                            h.innerText.trim()]));
  return [...t.querySelectorAll('tbody tr')].map(r => Object.fromEntries(
      [...r.querySelectorAll('td')].map(c => [head[c.getAttribute('aria-colindex')], c.innerText.trim()])));
}"""


@pytest.fixture
def import_server(tmp_path: Path) -> Iterator[Server]:
    """Its own server and store: the import must not change what the other browser tests see."""
    with streamlit_server(tmp_path / "import-journey") as server:
        yield server


@pytest.fixture
def import_store(import_server: Server) -> Iterator[Store]:
    """The server's throwaway store, read directly (streamlit_server puts it next to the server log)."""
    store = Store(f"sqlite:///{(import_server.log.parent / 'store.sqlite').resolve()}")
    yield store
    store.dispose()


def _go(page: Page, title: str) -> None:
    """Switch pages the way an analyst does: the sidebar link, in the same session."""
    nav_link(page, title).click()
    wait_title(page, title)


def _grid_rows(grid: Locator, n: int) -> list[dict[str, str]]:
    expect(grid.locator("table tbody tr")).to_have_count(n)
    return grid.locator("table").first.evaluate(_GRID_ROWS)


def _table_after(page: Page, heading: str) -> Locator:
    """The first dataframe below the subheading `heading`."""
    return page.locator(
        f'xpath=//*[@data-testid="stHeading"][normalize-space(.)="{heading}"]/following::*[@data-testid="stDataFrame"][1]'
    )


def _round_picker(page: Page) -> Locator:
    return page.get_by_role("combobox", name=PICKER, exact=True)


def _open_rounds(page: Page) -> None:
    """Open the Timeline's section listing every round (the page opens on the chosen round's section)."""
    tab = page.get_by_test_id("stMain").get_by_role("tab", name=ROUNDS, exact=True)
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    page.get_by_test_id("stHeading").filter(has_text=ROUNDS).wait_for()
    wait_idle(page)


def _round_options(page: Page, text: str) -> list[str]:
    """The "Open a round" options whose label holds `text` (typed into the box, so a long list is no matter)."""
    box = _round_picker(page)
    box.click()
    box.fill(text)
    listbox = page.get_by_test_id("stSelectboxVirtualDropdown")
    listbox.wait_for()
    page.wait_for_timeout(200)  # the list is filtered as one types
    # With no match the list holds one "No results" item, which is no round.
    found = [o.strip() for o in listbox.get_by_role("option").all_inner_texts() if text.lower() in o.lower()]
    page.keyboard.press("Escape")
    wait_idle(page)
    return found


def test_uploaded_bundle_shows_on_the_timeline_and_undo_removes_it(
    page: Page, import_server: Server, import_store: Store, tmp_path: Path
) -> None:
    watch = Watch().attach(page)
    main = page.get_by_test_id("stMain")
    bundle = tmp_path / "valletta_round.json"
    bundle.write_text(json.dumps(BUNDLE, indent=2), encoding="utf-8")

    # Before: the round is not on the Timeline.
    open_page(page, import_server.url(TIMELINE, {"view": ["rounds"]}), TIMELINE.title)
    before = row_count(page, ROUNDS)
    assert before > 0
    assert _round_options(page, "Valletta") == []

    # Upload the bundle through the page's own file uploader.
    _go(page, IMPORT.title)
    expect(main.get_by_text("Nothing imported yet.")).to_be_visible()
    uploader = main.get_by_test_id("stFileUploader")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(bundle)
    confirm = main.get_by_role("button", name=f"Confirm: write {N_NEW} new record(s) as one import batch")
    expect(confirm).to_be_visible(timeout=30_000)
    wait_idle(page)

    # The preview: no problems, one new record per table, nothing skipped, no conflicts, and each new record shown.
    expect(main.get_by_test_id("stAlertContentError")).to_have_count(0)
    summary = main.get_by_test_id("stDataFrame").filter(has=page.locator("th", has_text="duplicates skipped"))
    assert _grid_rows(summary, len(NEW)) == [
        {"table": name, "new": "1", "duplicates skipped": "0", "conflicts": "0"} for name in NEW
    ]
    expanders = main.get_by_test_id("stExpander")
    expect(expanders.filter(has_text="Exact duplicates skipped")).to_have_count(0)
    for name, (column, value) in NEW.items():
        expander = expanders.filter(has=page.locator("summary", has_text=f"New {name}: 1"))
        expect(expander).to_have_count(1)
        expander.locator("summary").click()
        rows = _grid_rows(expander.get_by_test_id("stDataFrame"), 1)
        assert rows[0].get(column) == value, (name, rows)
    assert import_store.batches().empty, "the preview wrote to the store before Confirm"

    # Confirm: one batch lands, the flash says what was written, the uploader is empty again, the batch is listed.
    confirm.click()
    flash = main.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text(f"{N_NEW} record(s)")
    wait_idle(page)
    expect(confirm).to_have_count(0)
    expect(uploader.get_by_text(bundle.name)).to_have_count(0)
    batches = import_store.batches()
    assert len(batches) == 1 and batches["undone_at"].iloc[0] == "", batches
    batch_id = str(batches["batch_id"].iloc[0])
    expect(flash).to_contain_text(f"Imported batch {batch_id}")
    expect(main.get_by_role("button", name="Undo")).to_have_count(1)

    # The Timeline shows the new round: one more row, in the picker, and it opens with its position and source.
    _go(page, TIMELINE.title)
    _open_rounds(page)
    assert row_count(page, ROUNDS) == before + 1
    options = _round_options(page, "Valletta")
    assert len(options) == 1 and options[0].startswith(f"{TITLE} · "), options
    _round_picker(page).click()
    _round_picker(page).fill("Valletta")
    page.get_by_role("option", name=options[0], exact=True).click()
    expect(page.get_by_role("heading", level=2, name=TITLE, exact=True)).to_be_visible()
    wait_idle(page)
    assert query(page).get("round") == [TALK_ID]
    positions = _grid_rows(_table_after(page, "Positions and reactions linked to this round"), 1)
    assert positions[0]["Summary"] == SAID and positions[0]["Party"] == "Ukraine", positions
    assert _grid_rows(_table_after(page, "Sources"), 1)[0]["Outlet"] == OUTLET

    # Undo the batch from the Import page, through its confirmation step.
    _go(page, IMPORT.title)
    main.get_by_role("button", name="Undo").click()
    expect(main.get_by_test_id("stAlertContentWarning")).to_contain_text(f"Undo batch {batch_id}?")
    wait_idle(page)
    main.get_by_role("button", name="Yes, undo it").click()
    expect(main.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"Undone batch {batch_id}: {N_NEW} record(s)")
    wait_idle(page)
    expect(main.get_by_role("button", name="Undo")).to_have_count(0)
    batches = import_store.batches()
    assert len(batches) == 1 and batches["undone_at"].iloc[0] != "", batches
    assert all(frame.empty for frame in import_store.imported_rows().values())

    # The round is gone from the Timeline, and the page no longer opens it. (The URL still says ?round=<the removed
    # round> until the next rerun: the filters write it before the page drops the stale selection.)
    _go(page, TIMELINE.title)
    _open_rounds(page)
    assert row_count(page, ROUNDS) == before
    assert _round_options(page, "Valletta") == []
    expect(page.get_by_role("heading", level=2, name=TITLE, exact=True)).to_have_count(0)
    expect(main.get_by_test_id("stException")).to_have_count(0)

    # Nothing left 127.0.0.1 during the journey, and the page showed no errors or dialogs.
    assert watch.requests, "the watcher saw no requests at all"
    assert watch.remote_requests == []
    watch.assert_clean()
