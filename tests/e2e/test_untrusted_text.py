"""Text from the data is shown as text: markup in a record never runs, formulas never reach a spreadsheet live.

Runs on the mini dataset, whose Geneva round outcome is `<script>alert('x')</script> announced only`, whose reaction
rea-0003 starts `<img src=x onerror=alert(1)>`, and whose position pos-0005 starts `=HYPERLINK(...)`.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES, page_visits, visit_id
from tests.e2e.helpers import Server, Watch, download, download_button, open_page

pytestmark = pytest.mark.e2e

PAGE = {p.url_path: p for p in PAGES}
VISITS = page_visits()
VISIT_IDS = [visit_id(p, s) for p, s in VISITS]
SCRIPT = "<script>alert('x')</script>"
IMG = "<img src=x onerror=alert(1)>"

# What injected markup would leave behind in the document.
INJECTED = """() => ({
    scripts: [...document.scripts].filter(s => s.textContent.includes("alert(")).length,
    handlers: document.querySelectorAll("[onerror]").length,
    images: [...document.images].filter(i => i.getAttribute("src") === "x").length,
})"""
NOTHING = {"scripts": 0, "handlers": 0, "images": 0}


def _settle(page: Page) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # an <img src=x> would have failed to load and fired by now


def test_script_in_a_round_outcome_is_shown_as_text(page: Page, mini_server: Server) -> None:
    watch = Watch().attach(page)
    timeline = PAGE["timeline"]
    open_page(page, mini_server.url(timeline, {"round": ["2026-02-26-geneva"]}), timeline.title)
    expect(page.get_by_role("heading", name="Geneva US–Ukraine")).to_be_visible()
    shown = page.get_by_test_id("stMain").get_by_text(f"{SCRIPT} announced only", exact=True)
    expect(shown).to_be_visible()
    _settle(page)
    assert page.evaluate(INJECTED) == NOTHING
    watch.assert_clean()  # a dialog (alert) fails here


def test_image_tag_in_a_reaction_is_shown_as_text(page: Page, mini_server: Server) -> None:
    watch = Watch().attach(page)
    reactions = PAGE["reactions"]
    open_page(page, mini_server.url(reactions, {"view": ["list"]}), reactions.title)
    # The table draws on a canvas; its (visually hidden) accessible copy of the cells carries the literal text.
    cell = page.get_by_role("gridcell", include_hidden=True).get_by_text(f"{IMG} hoped for a ceasefire.", exact=True)
    expect(cell).to_have_count(1)
    _settle(page)
    assert page.evaluate(INJECTED) == NOTHING
    watch.assert_clean()


@pytest.mark.parametrize(("entry", "section"), VISITS, ids=VISIT_IDS)
def test_no_page_runs_markup_from_the_data(page: Page, mini_server: Server, entry, section) -> None:
    watch = Watch().attach(page)
    open_page(page, mini_server.url(entry, {"view": [section]} if section else {}), entry.title)
    _settle(page)
    assert page.evaluate(INJECTED) == NOTHING
    watch.assert_clean()


def test_formula_text_is_defused_in_the_csv(page: Page, mini_server: Server) -> None:
    positions = PAGE["positions"]
    open_page(page, mini_server.url(positions, {"party": ["UKR"], "view": ["statements"]}), positions.title)
    _, data = download(page, download_button(page, "Statements", "Download CSV"))
    summaries = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)["Summary"]
    assert '\'=HYPERLINK("http://evil") repeated' in summaries.tolist()
    assert not summaries.str.startswith(("=", "+", "-", "@")).any()
