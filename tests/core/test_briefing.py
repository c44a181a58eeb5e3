"""The briefing pack's HTML: everything the view showed is in it, every data text is escaped, and nothing in it can
make a browser fetch anything."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

from parley.aggregate import count_by, newest_first
from parley.briefing import (
    PACK_ROWS,
    SVG_TAGS,
    Pack,
    PdfError,
    citations,
    figures_of,
    find_chromium,
    safe_svg,
    source_link,
    to_html,
    to_pdf,
)
from parley.charts import party_counts_chart
from parley.filters import Filters, format_date, sources_cited_by
from parley.loading import Dataset, load_dataset
from parley.views import apply_view
from tests.hostile import BEACON_HOST, HOSTILE, write_hostile_data

TODAY = date(2026, 12, 1)
POSITION_COLUMNS = {"date": "Date", "actor_name": "Party", "summary": "Summary", "source_ids": "Source ids"}
# Tags a pack may hold: the document's own, and what vl-convert draws charts with.
HTML_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "strong", "em", "ul", "ol", "li", "span",
    "div", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_TAGS = HTML_TAGS | {t.lower() for t in SVG_TAGS}


class Markup(HTMLParser):
    """Every tag with its attributes, the text of <style> elements, and the document's visible text."""

    def __init__(self, document: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.styles: list[str] = []
        self.text: list[str] = []
        self._in_style = False
        self.feed(document)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


def requests_made(document: str) -> list[str]:
    """Everything in the document that a browser would load on opening it (nothing, for a good pack)."""
    markup = Markup(document)
    found = [f"<{tag}>" for tag, _ in markup.tags if tag not in ALLOWED_TAGS]
    for tag, attrs in markup.tags:
        for name, value in attrs.items():
            value = value or ""
            if name.startswith("on") or name in ("src", "srcset", "background", "poster", "data", "action"):
                found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "xlink:href") and tag != "a" and not value.startswith("#"):
                found.append(f"<{tag} {name}={value!r}>")
            if name == "style" and re.search(r"(?i)url\(\s*[^#\s]|@import", value):
                found.append(f"<{tag} style={value!r}>")
            if tag == "meta" and name == "http-equiv" and value.lower() == "refresh":
                found.append("<meta refresh>")
    found += [f"<style> {m}" for css in markup.styles for m in re.findall(r"(?i)@import|url\([^)]*\)", css)]
    return found


def pack_of(ds: Dataset) -> Pack:
    """What the Positions page registers: a chart and the statements table."""
    view = apply_view(ds, Filters())
    pack = Pack(
        page="Positions", title="Positions", question="Who wants what?", filters_text="All records (no filters)"
    )
    pack.add_figure("Statements", len(view.positions), "coded positions")
    counts = count_by(view.positions, "actor_id")
    pack.add_chart("Statements per party", lambda: party_counts_chart(counts, ds.labels["actor"]), pack.filters_text)
    pack.add_table("statements", newest_first(view.positions, "date"), POSITION_COLUMNS)
    return pack


def test_the_pack_holds_title_filters_version_figures_chart_rows_and_citations(mini):
    pack = pack_of(mini)
    document = to_html(pack, mini, TODAY)
    text = Markup(document).visible
    assert "Parley briefing: Positions" in text
    assert "All records (no filters)" in text
    assert mini.version in text and format_date(TODAY) in text
    assert "Statements " + str(len(apply_view(mini, Filters()).positions)) in text  # the figure and its value
    assert document.count("<svg") == 1
    positions = newest_first(apply_view(mini, Filters()).positions, "date").frame()
    for summary in positions["summary"]:
        assert summary in text
    assert f"{len(positions):,} row(s)" in text
    cited = sources_cited_by(mini.sources, positions)
    assert len(cited) > 0
    for url in cited["url"]:
        assert f'href="{url}"' in document
    for number in range(1, len(cited) + 1):
        assert f'id="cite-{number}"' in document
    assert f'id="cite-{len(cited) + 1}"' not in document
    assert requests_made(document) == []


def test_rows_are_numbered_to_their_citations(mini):
    document = to_html(pack_of(mini), mini, TODAY)
    numbers = {c.source_id: c.number for c in citations(pack_of(mini), mini)}
    first = newest_first(apply_view(mini, Filters()).positions, "date").frame().iloc[0]
    expected = " ".join(f"[{numbers[s]}]" for s in first["source_ids"].split(";"))
    assert f'<td class="cited">{expected}</td>' in document


def test_a_long_table_prints_its_first_rows_and_its_total(bundled):
    pack = pack_of(bundled)
    total = len(apply_view(bundled, Filters()).positions)
    assert total > PACK_ROWS
    document = to_html(pack, bundled, TODAY)
    assert f"First {PACK_ROWS} of {total:,} rows" in Markup(document).visible
    table = document.split("<table>")[1].split("</table>")[0]
    assert table.count("<tr>") == PACK_ROWS + 1  # the header row and the first rows
    # Every source the view's records cite is listed, not only those of the printed rows.
    cited = sources_cited_by(bundled.sources, apply_view(bundled, Filters()).positions)
    assert len(citations(pack, bundled)) == len(cited)


def test_a_list_of_sources_cites_each_of_them(mini):
    pack = Pack(page="Sources", title="Sources", question="q", filters_text="All records")
    listed = mini.sources
    pack.add_table("sources", listed, {"outlet": "Outlet", "url": "URL"})
    assert {c.source_id for c in citations(pack, mini)} == set(listed["source_id"])


def test_a_page_without_figures_is_summed_up_by_its_tables(mini):
    pack = pack_of(mini)
    pack.figures.clear()
    assert [(f.label, f.value) for f in figures_of(pack)] == [("Statements", f"{len(mini.positions):,}")]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load_dataset(write_hostile_data(tmp_path_factory.mktemp("hostile-briefing")))


def test_hostile_text_is_escaped_and_loads_nothing(hostile):
    view = apply_view(hostile, Filters())
    pack = pack_of(hostile)
    pack.question = HOSTILE
    pack.filters_text = HOSTILE
    pack.add_figure(HOSTILE, HOSTILE, HOSTILE)
    pack.add_table("reactions", view.reactions, {"summary": "Summary", "source_ids": "Sources"})
    pack.add_table("sources", view.sources(hostile), {"title": "Title", "url": "URL"})
    document = to_html(pack, hostile, TODAY)
    # The hostile text is in the pack, as text: escaped where it is written, intact where it is read.
    assert "&lt;img src=x onerror=alert(1)&gt;" in document
    assert HOSTILE.strip() in Markup(document).visible
    assert "<img" not in document and "onerror=alert" not in document.replace("onerror=alert(1)&gt;", "")
    assert requests_made(document) == []
    # The only links are the cited sources' own addresses.
    links = {a.get("href") for tag, a in Markup(document).tags if tag == "a"}
    assert links and links <= set(hostile.sources["url"])
    assert BEACON_HOST not in " ".join(str(link) for link in links)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://example.org/a?b=1&c=2", True),
        ("http://example.org/", True),
        ("javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("ftp://example.org/file", False),
        ('https://example.org/" onmouseover="alert(1)', False),
        ("//evil.example/x", False),
    ],
)
def test_only_http_and_https_addresses_become_links(url, linked):
    out = source_link(url)
    assert out.startswith("<a href=") is linked
    assert "<script" not in out and '" onmouseover' not in out


def test_svg_keeps_drawing_and_drops_what_could_load_or_run():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
        '<defs><clipPath id="clip1"><rect width="5" height="5"/></clipPath></defs>'
        '<g clip-path="url(#clip1)"><path d="M0,0h5" style="fill: url(http://evil.example/p)"/></g>'
        '<image href="http://evil.example/i.png"/><script>alert(1)</script>'
        '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
        '<use xlink:href="http://evil.example/s.svg#a"/><text fill="url(https://evil.example/f)">&lt;b&gt;</text>'
        '<a xlink:href="record?id=pos-0001"><circle r="3"/></a></svg>'
    )
    out = safe_svg(svg, "c7-")
    assert 'id="c7-clip1"' in out and 'clip-path="url(#c7-clip1)"' in out
    assert "<path" in out and "&lt;b&gt;" in out
    assert "<circle" in out and "record?id" not in out  # a linked mark stays, its link does not
    for gone in ("onload", "evil.example", "<image", "<script", "foreignObject", "<use"):
        assert gone not in out, gone
    assert requests_made(out) == []


def test_requests_made_finds_what_a_browser_would_load():
    # The checker itself must see each kind of request, or the tests above would pass on a leaky pack.
    leaky = (
        '<link rel="stylesheet" href="https://cdn.example/x.css"><script src="https://cdn.example/x.js"></script>'
        '<img src="http://10.0.0.1/b.png"><style>@import "x.css"; body { background: url(http://x/y) }</style>'
        '<div style="background:url(https://x/y)"></div>'
    )
    assert len(requests_made(leaky)) >= 6


def test_pdf_error_when_chromium_cannot_print(tmp_path: Path):
    with pytest.raises(PdfError):
        to_pdf("<p>x</p>", str(tmp_path / "no-such-chromium"))
    with pytest.raises(PdfError):
        to_pdf("<p>x</p>", "/bin/true")  # runs, but writes no PDF


@pytest.mark.skipif(find_chromium() is None, reason="Chromium not installed: the app disables the PDF button")
def test_pdf_printed_by_chromium_is_a_pdf_with_the_title(mini):
    pdf = to_pdf(to_html(pack_of(mini), mini, TODAY), str(find_chromium()))
    assert pdf.startswith(b"%PDF")
    assert b"/Title (Parley briefing: Positions)" in pdf
