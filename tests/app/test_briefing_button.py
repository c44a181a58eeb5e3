"""Every page offers its briefing pack (HTML and PDF) in the sidebar, and the pack holds what that page showed."""

from __future__ import annotations

from datetime import date

import pytest

from components import briefing
from components.registry import PAGES
from parley.briefing import to_html
from parley.loading import load_dataset
from tests.app.conftest import VISIT_IDS, VISITS, assert_clean

IDS = [p.url_path for p in PAGES]
PAGE = {p.url_path: p for p in PAGES}


def _buttons(at) -> dict[str, object]:
    return {b.proto.id.rsplit("-", 1)[-1]: b for b in at.sidebar.get("download_button")}


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_every_page_has_the_briefing_buttons(on_bundled, page):
    at = on_bundled(page)
    assert_clean(at)
    buttons = _buttons(at)
    assert {briefing.K_HTML, briefing.K_PDF} <= buttons.keys(), buttons.keys()
    assert [buttons[k].proto.label for k in (briefing.K_HTML, briefing.K_PDF)] == ["HTML", "PDF"]
    pack = at.session_state[briefing.K_PACK]
    assert pack.title == page.title  # this run's pack, not the previous page's


@pytest.mark.parametrize(("page", "section"), VISITS, ids=VISIT_IDS)
def test_the_pack_is_the_page_just_shown(on_bundled, page, section):
    """Registered parts match what the page drew through show_chart and show_table (the open section's): each
    draws one SVG button per chart and one CSV button per table."""
    at = on_bundled(page, None, section)  # the app's first run is the Overview, then the page
    pack = at.session_state[briefing.K_PACK]
    ids = [b.proto.id for b in at.get("download_button")]
    assert len(pack.charts) == sum(i.endswith(".svg") for i in ids)
    assert len(pack.tables) == sum(i.endswith(".csv") for i in ids)
    assert len(pack.charts) <= len(at.get("vega_lite_chart")) + len(at.get("plotly_chart"))


def test_overview_metrics_are_the_pack_figures(on_bundled):
    at = on_bundled(PAGE["overview"])
    pack = at.session_state[briefing.K_PACK]
    assert [(f.label, f.value) for f in pack.figures] == [(m.label, str(m.value)) for m in at.metric]
    assert len(pack.figures) == 5
    document = to_html(pack, load_dataset(), date.today())
    for metric in at.metric:
        assert metric.label in document


def test_pdf_button_disabled_with_a_note_without_chromium(on_bundled, monkeypatch):
    monkeypatch.setattr(briefing, "find_chromium", lambda: None)
    at = on_bundled(PAGE["positions"])
    assert_clean(at)
    buttons = _buttons(at)
    assert buttons[briefing.K_PDF].proto.disabled
    assert not buttons[briefing.K_HTML].proto.disabled
    assert any("PDF needs Chromium" in c.value for c in at.sidebar.caption)


def test_pdf_button_enabled_with_chromium(on_bundled, monkeypatch):
    monkeypatch.setattr(briefing, "find_chromium", lambda: "/usr/bin/chromium")
    at = on_bundled(PAGE["positions"])
    assert not _buttons(at)[briefing.K_PDF].proto.disabled


def test_positions_pack_holds_the_open_sections_charts_and_tables(on_bundled):
    pack = on_bundled(PAGE["positions"]).session_state[briefing.K_PACK]
    assert [c.title for c in pack.charts] == ["Latest stance by party and issue"]
    assert pack.tables == []
    pack = on_bundled(PAGE["positions"], None, "statements").session_state[briefing.K_PACK]
    assert [c.title for c in pack.charts] == ["Statements per party"]
    assert [t.name for t in pack.tables] == ["statements"]
