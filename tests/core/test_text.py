"""Data text is shown literally in Markdown elements and Plotly hovers, and never reaches vl-convert unsafe."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap

import pytest

from parley.text import WORD_JOINER, escape_markdown, plotly_text, shorten, visible_controls, xml_safe_spec

HOSTILE = {
    "bold": "**bold** _it_ `code` # heading",
    "colour": ":red[colour] :blue-background[bg]",
    "shortcode": ":material/home: :smile:",
    "latex": "$x^2$ and $$y$$",
    "bare url": "see https://example.org/x",
    "www": "see www.example.org",
    "mail": "write to a@b.org",
    "image": "![beacon](http://10.9.9.9/b.png)",
    "html": "<b>html</b> <img src=x onerror=alert(1)>",
    "entity": "&lt;b&gt;",
}


def _unescaped(markdown: str) -> str:
    return re.sub(r"\\(.)", r"\1", markdown).replace(WORD_JOINER, "").replace("  \n", "\n")


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_markdown_escape_keeps_the_visible_text(text):
    assert _unescaped(escape_markdown(text)) == text


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        (":material/home:", ":" + WORD_JOINER + "material/home\\:" + WORD_JOINER),  # no icon
        (":red[x]", "\\:" + WORD_JOINER + "red"),  # no colour
        ("https://example.org", "https\\:" + WORD_JOINER + "//"),  # no autolink
        ("www.example.org", "w" + WORD_JOINER + "ww\\."),  # no autolink
        ("a@b.org", "a\\@" + WORD_JOINER + "b"),  # no mail link
        ("![x](http://h/i.png)", "\\!\\[x\\]\\("),  # no image
        ("$x$", "\\$x\\$"),  # no LaTeX
        ("<b>", "\\<b\\>"),  # no HTML
    ],
)
def test_markdown_escape_breaks_every_active_form(text, broken):
    assert broken in escape_markdown(text)


def test_markdown_escape_shows_control_characters_and_keeps_lines():
    assert escape_markdown("a\x1b[2Jb") == "a\\\\x1b\\[2Jb"
    assert escape_markdown("line one\nline two") == "line one  \nline two"


def test_shorten_marks_the_cut():
    assert shorten("abcdef", 4) == "abc…"
    assert shorten("abc", 4) == "abc"
    assert escape_markdown("x" * 5000, limit=100).endswith("…")


def test_plotly_text_is_escaped_wrapped_and_short():
    out = plotly_text("<b>bold</b> <a href='http://evil'>link</a> " + "word " * 200)
    assert "<b>" not in out and "<a " not in out and "&lt;b&gt;" in out
    assert all(len(html.unescape(line)) <= 60 for line in out.split("<br>"))
    assert len(out) < 400 and out.endswith("…")
    assert max(len(line) for line in plotly_text("x" * 200, width=60).split("<br>")) == 60


def test_visible_controls():
    assert visible_controls("a\x00b\x0bc\td\ne") == "a\\x00b\\x0bc\td\ne"


def test_spec_strings_lose_xml_invalid_characters():
    spec = {"a\x00": ["x\x0by", {"t": "f\x0cg\x1bh"}], "n": 3}
    assert xml_safe_spec(spec) == {"a": ["xy", {"t": "fgh"}], "n": 3}


def test_image_export_survives_control_characters_in_chart_text():
    """vl-convert aborts the process (SIGABRT) on NUL, VT, FF and ESC in chart text: run it in a child process."""
    script = textwrap.dedent(
        """
        import pandas as pd
        from parley.aggregate import latest_stances
        from parley.charts import stamped, stance_matrix_chart
        from parley.export import chart_png, chart_svg, for_export
        from parley.loading import load_dataset

        ds = load_dataset()
        latest = latest_stances(ds.positions).astype({"actor_name": str, "summary": str})
        for ch in ("\\x00", "\\x0b", "\\x0c", "\\x1b"):
            latest["actor_name"] = "Bad" + ch + "name"
            latest["summary"] = "A" + ch + "B"
            spec = stamped(for_export(stance_matrix_chart(latest, ds.labels["position_stance"])), "T" + ch, ["F" + ch])
            assert chart_png(spec)[:4] == b"\\x89PNG"
            assert chart_svg(spec).startswith(b"<svg")
        print("survived")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout
