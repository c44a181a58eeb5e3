from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.data import DATA_DIR_ENV
from components.registry import PAGES, ROOT, PageEntry, page_visits, visit_id
from components.sections import section_key
from parley.text import WORD_JOINER

# The entry runs app.py from a folder with no `pages/` beside it: Streamlit's legacy folder mode (which would run
# page files without app.py) stays off, exactly as on the server once app.py has run.
APP = str(Path(__file__).resolve().parent / "entry.py")
# Every page, and each section of a page with sections (it draws only the open one): what "every page" means here.
VISITS = page_visits()
VISIT_IDS = [visit_id(page, slug) for page, slug in VISITS]
# The section of a page that lists its records one per row: where a test looks for a record's text.
RECORDS_SECTION = {
    "timeline": "rounds",
    "positions": "statements",
    "plans": "provisions",
    "commitments": "list",
    "reactions": "list",
}


def records_section(page: PageEntry) -> str | None:
    return RECORDS_SECTION.get(page.url_path) if page.sections else None


def open_page(page: PageEntry, query: dict[str, list[str]] | None = None, section: str | None = None) -> AppTest:
    """Run the app like a browser opening the page's URL (query parameters included), on the `section` tab (slug)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, values in (query or {}).items():
        at.query_params[key] = values
    if section is not None:  # AppTest opens "/" first, so a page's own `view` parameter would not reach it
        at.session_state[section_key(page)] = dict(page.sections)[section]
    at.run()
    if page.path != PAGES[0].path:
        at.switch_page(str(ROOT / page.path))
        at.run()
    return at


def go_to(at: AppTest, page: PageEntry, section: str | None = None) -> AppTest:
    """Move the session to the page, as a click in the menu does, opening `section` (slug) if given."""
    if section is not None:
        at.session_state[section_key(page)] = dict(page.sections)[section]
    at.switch_page(str(ROOT / page.path))
    at.run()
    return at


def each_section(at: AppTest, page: PageEntry) -> Iterator[str | None]:
    """Run the page on each of its sections in turn, yielding the slug (None once for a page without sections)."""
    if not page.sections:
        yield None
        return
    for slug, label in page.sections:
        at.session_state[section_key(page)] = label
        at.run()
        yield slug


@pytest.fixture
def on_mini(monkeypatch: pytest.MonkeyPatch, mini_dir: Path) -> Callable[..., AppTest]:
    monkeypatch.setenv(DATA_DIR_ENV, str(mini_dir))
    return open_page


@pytest.fixture
def on_bundled(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    return open_page


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def shown(markdown: str) -> str:
    """What a reader sees of escaped Markdown: no backslash escapes, no invisible word joiners."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "")
