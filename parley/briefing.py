"""Briefing pack: one page's view as a single self-contained HTML file, and as PDF through Chromium's print.

The page components register what a page shows while it runs (key figures, charts, tables) into a Pack; the file is
written from it only when a reader asks for it. The HTML makes no request when opened: styles are inline, charts are
inline SVG drawn on the server by vl-convert, there are no scripts, fonts or images, and the only links are the
sources' http(s) addresses as plain <a href>, which a reader may follow but the file never fetches.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd

from parley.coverage import through_text
from parley.export import chart_svg, for_export
from parley.filters import format_date, sources_cited_by
from parley.loading import Dataset
from parley.selection import Rows, as_frame
from parley.text import visible_controls

PACK_ROWS = 20  # rows of each table in the pack: a briefing summarises; the CSV buttons give every row
MAX_PARTS = 60  # charts or tables one pack keeps: a page shows a handful, so more means a runaway loop
CHROMIUM_PATHS = ("/usr/bin/chromium", "chromium", "chromium-browser")
PDF_TIMEOUT = 90  # seconds for Chromium to start, lay out and print

ChartSource = Callable[[], alt.TopLevelMixin | dict]


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class ChartPart:
    title: str
    source: ChartSource  # built only when the pack is written
    filters_text: str


@dataclass(frozen=True)
class TablePart:
    name: str
    frame: pd.DataFrame | Rows
    columns: dict[str, str]  # data column -> header, as the page shows it


@dataclass
class Pack:
    """What one run of one page showed. Filled while the page runs; read when a download button is clicked."""

    page: str
    title: str
    question: str
    filters_text: str
    figures: list[KeyFigure] = field(default_factory=list)
    charts: list[ChartPart] = field(default_factory=list)
    tables: list[TablePart] = field(default_factory=list)
    records: list[pd.DataFrame | Rows] = field(default_factory=list)  # records whose sources are cited

    def add_figure(self, label: str, value: object, note: str = "") -> None:
        self.figures.append(KeyFigure(str(label), str(value), str(note)))

    def add_chart(self, title: str, source: ChartSource, filters_text: str) -> None:
        if len(self.charts) < MAX_PARTS:
            self.charts.append(ChartPart(title, source, filters_text))

    def add_table(self, name: str, frame: pd.DataFrame | Rows, columns: dict[str, str]) -> None:
        if len(self.tables) < MAX_PARTS:
            self.tables.append(TablePart(name, frame, dict(columns)))

    def cite(self, *records: pd.DataFrame | Rows) -> None:
        """Cite the sources of records the page summarises without listing them (the Overview's key figures)."""
        self.records.extend(r for r in records if "source_ids" in r.columns)


# ---- citations --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Citation:
    number: int
    source_id: str
    outlet: str
    title: str
    published: str
    url: str


def _split_ids(cell: object) -> list[str]:
    if cell is None or (isinstance(cell, float) and pd.isna(cell)):
        return []
    return [x.strip() for x in str(cell).split(";") if x.strip()]


def _is_source_list(frame: pd.DataFrame | Rows) -> bool:
    """A table of sources themselves (the Sources page): each row cites its own source."""
    return "source_id" in frame.columns and "url" in frame.columns and "source_ids" not in frame.columns


def _row_ids(part: TablePart, n: int) -> list[list[str]] | None:
    """The source ids each of the first `n` rows cites, or None when the table carries no sources."""
    if "source_ids" in part.frame.columns:
        cells = as_frame(part.frame.head(n), ["source_ids"])["source_ids"]
        return [_split_ids(c) for c in cells]
    if _is_source_list(part.frame):
        return [[str(c)] for c in as_frame(part.frame.head(n), ["source_id"])["source_id"]]
    return None


def citations(pack: Pack, ds: Dataset) -> list[Citation]:
    """Every source cited by the records in the pack's tables (all their rows, not only those printed) and by the
    records it cites; numbered in the order the printed rows cite them, then in the order of the sources table."""
    first: list[str] = []
    for part in pack.tables:
        for ids in _row_ids(part, PACK_ROWS) or []:
            first.extend(ids)
    citing = [p.frame for p in pack.tables if "source_ids" in p.frame.columns] + pack.records
    wanted = set(sources_cited_by(ds.sources, *citing)["source_id"]) if citing else set()
    for part in pack.tables:
        if _is_source_list(part.frame):
            wanted.update(str(i) for i in part.frame["source_id"])
    known = ds.sources.set_index("source_id", drop=False)
    order = [i for i in dict.fromkeys(first) if i in known.index]
    placed = set(order)
    order += [i for i in known.index if i in wanted and i not in placed]
    out = []
    for number, source_id in enumerate(order, start=1):
        row = known.loc[source_id]
        out.append(
            Citation(
                number=number,
                source_id=source_id,
                outlet=_cell(row.get("outlet")),
                title=_cell(row.get("title")),
                published=_cell(row.get("published")),
                url=_cell(row.get("url")),
            )
        )
    return out


# ---- text and cells ---------------------------------------------------------------------------------------------
def esc(value: object) -> str:
    """Data text for HTML: control characters made visible, then every markup character escaped (quotes too)."""
    return html.escape(visible_controls(str(value)), quote=True)


def _cell(value: object) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, pd.Timestamp | date):
        return format_date(value)
    if isinstance(value, float) and pd.isna(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def source_link(url: str) -> str:
    """A clickable link only for http and https addresses; anything else is printed as text."""
    if re.match(r"(?i)^https?://[^\s\"'<>]+$", url):
        return f'<a href="{esc(url)}" rel="noreferrer noopener">{esc(url)}</a>'
    return esc(url)


# ---- charts -----------------------------------------------------------------------------------------------------
SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
# What vl-convert draws with; anything else (script, foreignObject, image, use of outside files) is dropped.
SVG_TAGS = {
    "svg", "g", "path", "rect", "line", "circle", "ellipse", "polygon", "polyline", "text", "tspan", "title", "desc",
    "defs", "clipPath", "linearGradient", "radialGradient", "stop", "pattern", "mask",
}  # fmt: skip
_HREF = {"href", f"{{{XLINK_NS}}}href"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def safe_svg(svg: str, prefix: str) -> str:
    """vl-convert's SVG made fit to sit inline in a page beside other charts.

    Element ids get `prefix` (two charts' clip paths would otherwise share an id and clip each other's marks); only
    drawing elements are kept; event handlers, external references and styles that load anything are removed."""
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    root = ET.fromstring(svg)

    def local_refs(value: str) -> str:
        return re.sub(r"url\(\s*#([^)\s]+)\s*\)", lambda m: f"url(#{prefix}{m.group(1)})", value)

    def clean(element: ET.Element) -> None:
        for child in list(element):
            if _local(child.tag) == "a":  # a mark linked to a record: keep the mark, drop the relative link
                child.tag = f"{{{SVG_NS}}}g"
            if _local(child.tag) not in SVG_TAGS:
                element.remove(child)
            else:
                clean(child)
        for name, value in list(element.attrib.items()):
            bare = _local(name).lower()
            if bare.startswith("on") or (bare == "style" and re.search(r"(?i)url\(\s*[^#\s]|@import", value)):
                del element.attrib[name]
            elif name in _HREF:
                if value.startswith("#"):
                    element.attrib[name] = "#" + prefix + value[1:]
                else:
                    del element.attrib[name]
            elif bare == "id":
                element.attrib[name] = prefix + value
            elif "url(" in value:
                if re.search(r"url\(\s*[^#\s]", value):
                    del element.attrib[name]
                else:
                    element.attrib[name] = local_refs(value)

    clean(root)
    return ET.tostring(root, encoding="unicode")


def chart_markup(part: ChartPart, number: int) -> str:
    try:
        svg = chart_svg(for_export(part.source())).decode("utf-8")
        return safe_svg(svg, f"c{number}-")
    except Exception as err:  # one chart that cannot be drawn must not cost the reader the whole pack
        return f'<p class="note">This chart could not be drawn for the pack ({esc(type(err).__name__)}).</p>'


# ---- tables -----------------------------------------------------------------------------------------------------
def table_markup(part: TablePart, numbers: dict[str, int]) -> str:
    total = len(part.frame)
    shown = as_frame(part.frame.head(PACK_ROWS), part.columns).rename(columns=part.columns)
    ids = _row_ids(part, PACK_ROWS)
    headers = [*shown.columns, *(["Cited"] if ids is not None else [])]
    rows = []
    for i, record in enumerate(shown.itertuples(index=False, name=None)):
        row = "".join(f"<td>{esc(_cell(v))}</td>" for v in record)
        if ids is not None:  # the row's sources as their numbers in the list at the end
            row += '<td class="cited">' + " ".join(f"[{numbers[s]}]" for s in ids[i] if s in numbers) + "</td>"
        rows.append(f"<tr>{row}</tr>")
    count = (
        f"First {len(shown):,} of {total:,} rows (the page's CSV download holds all {total:,})."
        if total > len(shown)
        else f"{total:,} row(s)."
    )
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    return (
        f'<h3>{esc(part.name[:1].upper() + part.name[1:])}</h3>\n<p class="count">{count}</p>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


# ---- the file ---------------------------------------------------------------------------------------------------
STYLE = """
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; color: #1a1a1a; margin: 24px;
       font-size: 13px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 22px 0 6px; border-bottom: 1px solid #ccc; }
h3 { font-size: 14px; margin: 16px 0 4px; }
.meta { color: #444; margin: 2px 0; } .note, .count { color: #555; font-size: 12px; margin: 2px 0 6px; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; padding: 0; list-style: none; }
.figures li { border: 1px solid #ccc; border-radius: 4px; padding: 6px 10px; flex: 0 0 190px; }
.figures .value { font-size: 18px; font-weight: bold; display: block; }
h2, h3 { break-after: avoid; } .chart { margin-bottom: 10px; } .chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 10px; }
th, td { border: 1px solid #ccc; padding: 3px 5px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.cited { white-space: nowrap; }
th { background: #f0f0f0; } tr { break-inside: avoid; }
ol.citations li { margin-bottom: 4px; overflow-wrap: anywhere; } a { color: #0b4f9c; }
"""


def pack_title(pack: Pack) -> str:
    return f"Parley briefing: {pack.title}"


def figures_of(pack: Pack) -> list[KeyFigure]:
    """The page's own key figures; a page without any is summed up by how many rows each of its tables holds."""
    if pack.figures:
        return pack.figures
    return [KeyFigure(p.name[:1].upper() + p.name[1:], f"{len(p.frame):,}", "rows in view") for p in pack.tables]


def to_html(pack: Pack, ds: Dataset, today: date) -> str:
    """The pack as one HTML document that needs nothing else: no script, stylesheet, font or image to fetch."""
    cited = citations(pack, ds)
    numbers = {c.source_id: c.number for c in cited}
    title = pack_title(pack)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # Defence in depth: even if markup slipped through, the browser may load nothing from anywhere.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{esc(pack.question)}</p>',
        f'<p class="meta"><strong>Filters:</strong> {esc(pack.filters_text)}</p>',
        f'<p class="meta"><strong>Data version</strong> {esc(ds.version)} · {esc(through_text(ds))} · '
        f"pack made {esc(format_date(today))}</p>",
    ]
    figures = figures_of(pack)
    if figures:
        parts.append('<h2>Key figures</h2><ul class="figures">')
        for fig in figures:
            note = f'<span class="note">{esc(fig.note)}</span>' if fig.note else ""
            parts.append(f'<li>{esc(fig.label)}<span class="value">{esc(fig.value)}</span>{note}</li>')
        parts.append("</ul>")
    if pack.charts:
        parts.append("<h2>Charts</h2>")
        for number, chart in enumerate(pack.charts, start=1):
            own = "" if chart.filters_text == pack.filters_text else f"Filters: {chart.filters_text}"
            parts.append(f'<div class="chart"><h3>{esc(chart.title)}</h3>')
            if own:
                parts.append(f'<p class="note">{esc(own)}</p>')
            parts.append(chart_markup(chart, number) + "</div>")
    if pack.tables:
        parts.append("<h2>Tables</h2>")
        parts.extend(table_markup(t, numbers) for t in pack.tables)
    parts.append("<h2>Sources cited</h2>")
    if cited:
        parts.append(
            '<p class="note">Every source cited by the records in this view\'s tables (all rows, not only those '
            "printed); [n] in a table points here.</p>"
        )
        parts.append('<ol class="citations">')
        for c in cited:
            what = esc(c.outlet) + (f": <em>{esc(c.title)}</em>" if c.title else "")
            when = f", {esc(c.published)}" if c.published else ""
            parts.append(
                f'<li id="cite-{c.number}">{what}{when}. {source_link(c.url)} '
                f'<span class="note">({esc(c.source_id)})</span></li>'
            )
        parts.append("</ol>")
    else:
        parts.append('<p class="note">No record in this view cites a source.</p>')
    parts.append(
        f'<p class="note">Made by Parley from data version {esc(ds.version)}. The file loads nothing: links open '
        "only when clicked.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


# ---- PDF --------------------------------------------------------------------------------------------------------
def find_chromium(candidates: Iterable[str] = CHROMIUM_PATHS) -> str | None:
    for name in candidates:
        found = name if Path(name).is_absolute() and Path(name).exists() else shutil.which(name)
        if found:
            return found
    return None


class PdfError(RuntimeError):
    pass


def to_pdf(document: str, chromium: str, timeout: float = PDF_TIMEOUT) -> bytes:
    """The HTML printed to PDF by headless Chromium, with every network request sent nowhere."""
    with tempfile.TemporaryDirectory(prefix="parley-pdf-") as tmp:
        source, target = Path(tmp) / "pack.html", Path(tmp) / "pack.pdf"
        source.write_text(document, encoding="utf-8")
        command = [
            chromium,
            "--headless",
            # Root in containers needs it; the page is our own escaped HTML whose Content-Security-Policy runs no
            # script (turning scripts off by flag instead stops Chromium writing the PDF at all).
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-sync",
            "--disable-background-networking",
            "--disable-component-update",
            # No request can leave: names resolve nowhere and any connection goes to a closed local port.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise PdfError(f"Chromium could not print the pack: {err}") from err
        if not target.exists() or not target.read_bytes().startswith(b"%PDF"):
            raise PdfError("Chromium did not write a PDF")
        return target.read_bytes()
