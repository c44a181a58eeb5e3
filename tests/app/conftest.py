from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.data import DATA_DIR_ENV
from components.registry import PAGES, ROOT, PageEntry
from components.sections import section_key
from parley.text import WORD_JOINER

# The entry runs app.py from a folder with no `pages/` beside it: Streamlit's legacy folder mode (which would run
# page files without app.py) stays off, exactly as on the server once app.py has run.
APP = str(Path(__file__).resolve().parent / "entry.py")


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
