"""Icons are Streamlit's bundled Material icons: an emoji needs an emoji font and is an empty box without one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.registry import HIDDEN_PAGES, ICON, PAGES, ROOT

MATERIAL = re.compile(r"^:material/[a-z0-9_]+:$")
# icon="..." or key_icon="..." and the KIND_ICONS table: any literal that is not a Material shortcode.
ICON_LITERAL = re.compile(r'(?:icon=|": )"([^"]*)"')
EMOJI = re.compile("[\U0001f000-\U0001faff\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\ufe0f]")
SOURCES = sorted([ROOT / "app.py", *(ROOT / "components").glob("*.py"), *(ROOT / "pages").glob("*.py")])


@pytest.mark.parametrize("entry", [*PAGES, *HIDDEN_PAGES], ids=lambda e: e.url_path)
def test_page_icons_are_material(entry):
    assert MATERIAL.match(entry.icon), entry.icon


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_emoji_icon_in_the_code(path: Path):
    text = path.read_text(encoding="utf-8")
    for value in ICON_LITERAL.findall(text):
        assert not EMOJI.search(value), f"{path.name}: emoji icon {value!r}"


def test_the_tab_icon_is_a_picture_shipped_with_the_app():
    assert (ROOT / ICON).read_bytes().startswith(b"\x89PNG")
