"""An analyst codes an article in the browser: the article, an actor found by its alias, two positions and one
reaction through the forms, no id typed, one batch on confirm; a new round with a participant and an agreed item,
found on the Timeline; an open page hears of an import within seconds and keeps its filters (issue 13)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES
from parley.importer import commit, example_bundle, preview_import
from parley.loading import load_dataset
from parley.store import Store
from tests.e2e.helpers import (
    Server,
    Watch,
    choose,
    expect_chosen,
    nav_link,
    open_page,
    query,
    streamlit_server,
    wait_idle,
    wait_title,
)

pytestmark = pytest.mark.e2e

ADD = next(p for p in PAGES if p.url_path == "add")
POSITIONS = next(p for p in PAGES if p.url_path == "positions")
TIMELINE = next(p for p in PAGES if p.url_path == "timeline")
URL = "https://example.org/news/2025/06/03/e2e-coded-article"
FIRST = "Moscow asked for the four regions first (e2e form)."
SECOND = "Kyiv asked for an unconditional ceasefire (e2e form)."
REACTION = "The UN welcomed the second round (e2e form)."


@pytest.fixture
def add_server(tmp_path: Path) -> Iterator[Server]:
    """Its own server and store: what is coded here must not change what the other browser tests see."""
    with streamlit_server(tmp_path / "add-article") as server:
        yield server


def _settle(page: Page) -> None:
    """Wait for the rerun an input starts (it may begin a moment after the input) to finish."""
    page.wait_for_timeout(300)
    wait_idle(page)


def _pick(page: Page, label: str, typed: str, option: str | None = None) -> None:
    """Type into a select box and take the first option holding `option` (default: what was typed)."""
    box = page.get_by_test_id("stMain").get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(typed)
    page.wait_for_timeout(300)  # the list is filtered as one types
    page.get_by_test_id("stSelectboxVirtualDropdown").get_by_role("option").filter(
        has_text=option or typed
    ).first.click()
    _settle(page)


def _type(page: Page, label: str, text: str) -> None:
    field = page.get_by_test_id("stMain").get_by_label(label, exact=True).filter(visible=True)
    # A rerun that starts late (a slow machine) shows the old form beside the new one for a moment: wait for one.
    expect(field).to_have_count(1)
    field.fill(text)
    field.press("Tab")  # a text box sends its value when it loses focus
    _settle(page)


def _date(page: Page, label: str, day: str) -> None:
    """A date field is three segments (year, month, day): typing the digits moves from one to the next."""
    field = page.get_by_test_id("stMain").get_by_role("group", name=label, exact=True).filter(visible=True)
    field.get_by_role("spinbutton").first.click()
    page.keyboard.type(day.replace("-", ""))
    page.keyboard.press("Tab")
    _settle(page)


def _tab(page: Page, name: str) -> None:
    """Open a tab of the forms: the server keeps which one is open, so opening one reruns the page."""
    page.get_by_role("tab", name=name, exact=True).click()
    _settle(page)


def _position(page: Page, actor: tuple[str, str], issue: str, stance: str, summary: str) -> None:
    _pick(page, "Actor", *actor)
    _date(page, "Date", "2025-06-03")
    _pick(page, "Issue", issue)
    _pick(page, "Stance", stance)
    _type(page, "Summary", summary)
    _pick(page, "Round (optional)", "Istanbul round 2")
    _pick(page, "Confidence", "medium")
    page.get_by_role("button", name="Add position").click()
    _settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Added position")
    wait_idle(page)


def test_code_an_article_with_two_positions_and_a_reaction(page: Page, add_server: Server) -> None:
    watch = Watch().attach(page)
    store = Store(f"sqlite:///{(add_server.log.parent / 'store.sqlite').resolve()}")
    open_page(page, add_server.url(ADD), ADD.title)
    started = time.monotonic()

    _type(page, "Article URL", URL)
    _type(page, "Outlet", "E2E Wire")
    _type(page, "Title", "Second Istanbul round (e2e)")
    _pick(page, "Source type", "wire")

    _position(page, ("Kremlin", "Russia (RUS)"), "Territory", "demand", FIRST)  # found by its alias
    _position(page, ("Kyiv", "Ukraine (UKR)"), "Ceasefire", "demand", SECOND)

    _tab(page, "Reaction")
    _pick(page, "Actor", "United Nations")
    _date(page, "Date", "2025-06-04")
    _type(page, "Event", "Second Istanbul round")
    _pick(page, "Stance", "welcome")
    _type(page, "Summary", REACTION)
    _pick(page, "Confidence", "medium")
    page.get_by_role("button", name="Add reaction").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Added reaction")
    wait_idle(page)

    assert store.batches().empty  # nothing is imported before the confirm
    page.get_by_role("button", name="Confirm: write 4 new record(s) as one import batch").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Imported batch")
    elapsed = time.monotonic() - started
    print(f"\ncoding one article with two positions and one reaction took {elapsed:.0f} s of driven input")

    rows = store.imported_rows()
    assert store.batches()["n_records"].tolist() == [4]
    assert rows["positions"]["summary"].tolist() == [FIRST, SECOND]
    assert rows["positions"]["actor_id"].tolist() == ["RUS", "UKR"]
    top = max(int(i.removeprefix("pos-")) for i in load_dataset().positions["position_id"] if i[4:].isdigit())
    assert rows["positions"]["position_id"].tolist() == [f"pos-{top + 1:04d}", f"pos-{top + 2:04d}"]
    assert rows["reactions"]["summary"].tolist() == [REACTION]
    assert rows["sources"]["url"].tolist() == [URL]
    watch.assert_clean()
    store.dispose()


ROUND_TITLE = "Valletta round (e2e form)"
ROUND_ID = "2026-03-10-valletta"
ITEM = "An exchange of 300 prisoners per side (e2e form)."


def _added(page: Page, button: str, text: str) -> None:
    page.get_by_role("button", name=button).click()
    _settle(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(text)
    wait_idle(page)


def test_code_a_round_with_a_participant_and_an_item_and_find_it_on_the_timeline(
    page: Page, add_server: Server
) -> None:
    watch = Watch().attach(page)
    store = Store(f"sqlite:///{(add_server.log.parent / 'store.sqlite').resolve()}")
    open_page(page, add_server.url(ADD), ADD.title)
    _type(page, "Article URL", "https://example.org/news/2026/03/10/e2e-valletta-round")
    expect(page.get_by_text("Issue scales and the peace plans themselves change with a data release")).to_be_visible()

    # The first entry after the URL makes the store, and the page above the tabs gains an element as the data is
    # read again: the Round tab stays open all the same.
    _tab(page, "Round")
    _type(page, "Round title", ROUND_TITLE)
    expect(page.get_by_role("tab", name="Round", exact=True)).to_have_attribute("aria-selected", "true")
    _type(page, "City", "Valletta")
    _date(page, "Start date", "2026-03-10")
    _date(page, "End date", "2026-03-10")
    _type(page, "Country (ISO3)", "MLT")
    _pick(page, "Format", "mediated")
    _pick(page, "Status", "held")
    _pick(page, "Confidence", "medium")
    _type(page, "Outcome", "Agreed a prisoner exchange (e2e form).")
    _type(page, "Outlet", "E2E Wire")  # the article's own fields, above the tabs, at any time
    _type(page, "Title", "Talks in Valletta (e2e)")
    _pick(page, "Source type", "wire")
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text=ROUND_ID)).to_be_visible()  # the id it will get
    _added(page, "Add round", f"Added round {ROUND_ID}")

    _tab(page, "Participant")
    _pick(page, "Round", "Valletta", ROUND_TITLE)  # the round drafted a moment ago
    _pick(page, "Actor", "Kyiv", "Ukraine (UKR)")
    _pick(page, "Role", "party")
    _added(page, "Add participant", "Added participant")

    _tab(page, "Agreed item")
    _pick(page, "Round", "Valletta", ROUND_TITLE)
    _pick(page, "Issue", "Prisoners")
    _pick(page, "Status", "agreed")
    _pick(page, "Confidence", "medium")
    _type(page, "Quantity (a whole number, optional)", "300")
    _type(page, "Unit (optional)", "prisoners per side")
    _type(page, "Summary", ITEM)
    _added(page, "Add agreed item", "Added agreed item itm-")

    assert store.batches().empty  # nothing is imported before the confirm
    page.get_by_role("button", name="Confirm: write 4 new record(s) as one import batch").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Imported batch")
    rows = store.imported_rows()
    assert rows["talks"]["talk_id"].tolist() == [ROUND_ID]
    assert rows["talk_participants"][["talk_id", "actor_id", "role"]].values.tolist() == [[ROUND_ID, "UKR", "party"]]
    assert rows["agreed_items"][["talk_id", "quantity", "summary"]].values.tolist() == [[ROUND_ID, "300", ITEM]]

    nav_link(page, TIMELINE.title).click()
    wait_title(page, TIMELINE.title)
    picker = page.get_by_role("combobox", name="Open a round", exact=True)
    picker.click()
    picker.fill("Valletta")
    page.get_by_test_id("stSelectboxVirtualDropdown").get_by_role("option").filter(has_text=ROUND_TITLE).first.click()
    expect(page.get_by_role("heading", level=2, name=ROUND_TITLE, exact=True)).to_be_visible()
    wait_idle(page)
    assert query(page).get("round") == [ROUND_ID]
    watch.assert_clean()
    store.dispose()


def test_an_open_page_hears_of_an_import_and_keeps_its_filters(page: Page, add_server: Server) -> None:
    open_page(page, add_server.url(POSITIONS), POSITIONS.title)
    choose(page, "Parties and actors", ["Russia"])
    wait_idle(page)
    store = Store(f"sqlite:///{(add_server.log.parent / 'store.sqlite').resolve()}")
    preview = preview_import([("article.json", example_bundle())], store)
    commit(preview, store, via="cli")
    notice = page.get_by_text("New records available")
    expect(notice).to_be_visible(timeout=10_000)  # the poll runs every few seconds
    page.get_by_role("button", name="Refresh").click()
    wait_idle(page)
    expect(notice).to_have_count(0)
    expect_chosen(page, "Parties and actors", ["Russia"])
    assert nav_link(page, POSITIONS.title).is_visible()
    store.dispose()
