"""Showing text from the data safely: article text is shown as text, never as markup, wherever it appears.

Streamlit's Markdown elements (headers, captions, metric help, widget labels, alerts) interpret more than
Markdown: LaTeX, colour and background syntax (`:red[...]`), icon and emoji shortcodes (`:material/home:`),
and bare URLs, which become links. Backslash escapes stop Markdown but not the shortcodes or the autolinks, so
those are broken with an invisible word joiner (U+2060) that leaves the visible text unchanged. Plotly reads
a subset of HTML in hover text, legends and axis labels; vl-convert (server-side chart images) aborts the
whole process on characters XML cannot hold. Each target gets its own function here, and every page shows data
text through them.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:@&=\"'])")
WORD_JOINER = "\u2060"
# Characters no text display should pass on: C0/C1 controls except tab and newline, and DEL.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# XML 1.0 allows tab, newline, carriage return and U+0020 upwards, minus surrogates and U+FFFE/U+FFFF.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_AUTOLINK_WWW = re.compile(r"(?i)\b(w)(ww\\\.)")
ELLIPSIS = "…"


def shorten(text: str, limit: int | None) -> str:
    """At most `limit` characters, the cut marked with an ellipsis; None keeps the whole text."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def visible_controls(text: str) -> str:
    """Control characters replaced by their code (e.g. `\\x0b`), so a terminal or page shows them, never runs them."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def escape_markdown(text: object, limit: int | None = None) -> str:
    """Text for any Streamlit element that reads Markdown, rendered exactly as written (one line per line).

    Escapes Markdown and HTML characters, then breaks what escaping cannot stop: `:` (shortcodes, colour syntax,
    URL schemes), `www.` and `@` (bare links and e-mail addresses) get a word joiner after them."""
    value = visible_controls(shorten(str(text), limit))
    value = _MARKDOWN_SPECIALS.sub(r"\\\1", value)
    value = value.replace("\\:", "\\:" + WORD_JOINER).replace("\\@", "\\@" + WORD_JOINER)
    value = _AUTOLINK_WWW.sub(r"\1" + WORD_JOINER + r"\2", value)
    # A Markdown line break, so a multi-line note keeps its lines instead of becoming a list or heading.
    return value.replace("\n", "  \n")


def plotly_text(text: object, limit: int = 240, width: int = 60) -> str:
    """Text for a Plotly hover, legend or axis label: HTML escaped, shortened, wrapped so a hover stays narrow."""
    if type(text) is str and len(text) <= _CACHED_TEXT:
        return _plotly_text_cached(text, limit, width)
    return _plotly_text(text, limit, width)


_CACHED_TEXT = 2_000  # the names, places and titles charts repeat on every rerun; a long text is worked out anew


@functools.lru_cache(maxsize=20_000)
def _plotly_text_cached(text: str, limit: int, width: int) -> str:
    return _plotly_text(text, limit, width)


def _plotly_text(text: object, limit: int, width: int) -> str:
    value = visible_controls(shorten(" ".join(str(text).split()), limit))
    lines: list[str] = []
    line = ""
    for word in value.split(" "):
        while len(word) > width:  # a long unbroken token (a URL) is cut too, or the hover grows off-screen
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "<br>".join(html.escape(part, quote=False) for part in lines)


def xml_safe(text: str) -> str:
    """The text without characters XML 1.0 cannot hold (vl-convert aborts the process on them)."""
    return _XML_INVALID.sub("", text)


def xml_safe_spec(value: Any) -> Any:
    """A chart spec (nested dicts and lists) with every string made XML-safe, keys included."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, Mapping):
        return {xml_safe_spec(k): xml_safe_spec(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [xml_safe_spec(v) for v in value]
    return value


def definitions(pairs: Iterable[tuple[object, object]], *, bullets: bool = False) -> str:
    """Codebook entries as Markdown, `label: definition` with the label in bold; both come from data, so escaped."""
    items = [f"**{escape_markdown(label)}**: {escape_markdown(text)}" for label, text in pairs]
    return "\n".join(f"- {item}" for item in items) if bullets else " · ".join(items)
