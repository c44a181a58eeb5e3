"""Every page, on data whose every free-text field starts with markup, shows that markup as text."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.data import DATA_DIR_ENV
from components.registry import PAGES
from tests.app.conftest import VISIT_IDS, VISITS, assert_clean, open_page, shown
from tests.hostile import HOSTILE, HOSTILE_TALK, import_hostile_bundle, unescaped_markup, write_hostile_data


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_data(tmp_path_factory.mktemp("hostile-data"))


@pytest.fixture
def on_hostile(monkeypatch: pytest.MonkeyPatch, hostile_dir: Path, temp_store_url: str):
    monkeypatch.setenv(DATA_DIR_ENV, str(hostile_dir))
    import_hostile_bundle(temp_store_url, hostile_dir)
    return open_page


def _markdown_texts(at) -> list[str]:
    """Every string the page hands to an element that reads Markdown."""
    texts = [e.value for kind in ("markdown", "caption", "title", "header", "subheader") for e in at.get(kind)]
    for kind in ("metric", "multiselect", "selectbox", "date_input", "toggle", "button", "download_button"):
        for element in at.get(kind):
            texts += [getattr(element, "help", "") or "", getattr(element, "label", "") or ""]
    return texts


@pytest.mark.parametrize(("entry", "section"), VISITS, ids=VISIT_IDS)
def test_markup_in_every_field_is_shown_as_text(on_hostile, entry, section):
    query = {"round": [HOSTILE_TALK]} if entry.url_path == "timeline" else None
    at = on_hostile(entry, query, section)
    assert_clean(at)
    texts = _markdown_texts(at)
    assert [(t, unescaped_markup(t)) for t in texts if unescaped_markup(t)] == []


def test_the_round_detail_shows_the_title_literally(on_hostile):
    at = on_hostile(next(p for p in PAGES if p.url_path == "timeline"), {"round": [HOSTILE_TALK]})
    assert_clean(at)
    headers = [shown(h.value) for h in at.header]
    assert any(h.startswith(HOSTILE.strip()) and "Istanbul round (example)" in h for h in headers), headers
    # the reader sees the same characters as the record holds, line for line
    assert any(shown(c.value).startswith("Note: ") or HOSTILE.strip() in shown(c.value) for c in at.caption)
