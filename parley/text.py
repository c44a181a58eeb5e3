"""Showing text from the data safely: article text is shown as text, never as markup."""

from __future__ import annotations

import re

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def escape_markdown(text: str) -> str:
    """Escape every character Markdown or HTML would interpret, so a label renders literally."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)
