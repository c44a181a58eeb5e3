"""What the analyst downloads with the app's own buttons: a table's CSV holds exactly the filtered rows, and a chart
comes out as a real PNG and SVG stamped with the filters and the data version."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pytest
from playwright.sync_api import Page

from components.filters import filters_text
from components.registry import PAGES
from parley.export import filters_in_name, neutralise, slug
from parley.filters import Filters
from parley.loading import Dataset, load_dataset
from parley.views import View, apply_view
from tests.e2e.helpers import Server, download, download_button, open_page, row_count

pytestmark = pytest.mark.e2e

PAGE = {p.url_path: p for p in PAGES}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    """The bundled data as the server sees it (its store is a fresh, empty file)."""
    return load_dataset()


def _day(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%Y-%m-%d")


def _text(values: pd.Series) -> pd.Series:
    return values.astype("object").fillna("").map(neutralise)


@dataclass(frozen=True)
class TableCase:
    page: str
    heading: str
    query: dict[str, list[str]]
    # The table's rows computed with pandas, as CSV columns -> values (a subset of the CSV's columns).
    expected: Callable[[View], dict[str, pd.Series]]
    section: str  # the page's section (tab) that shows the table: the link's `view`


TABLES = {
    "positions-party-and-issue": TableCase(
        "positions",
        "Statements",
        {"party": ["RUS"], "issue": ["territory"]},
        lambda v: {
            "Date": _day(v.positions["date"]),
            "Party": _text(v.positions["actor_name"]),
            "Issue": _text(v.positions["issue_label"]),
            "Stance": _text(v.positions["stance_label"]),
            "Summary": _text(v.positions["summary"]),
        },
        "statements",
    ),
    "reactions-dates-and-confidence": TableCase(
        "reactions",
        "Reactions",
        {"from": ["2025-11-01"], "hide_low": ["1"], "issue": ["territory"]},  # reactions ignore the issue filter
        lambda v: {
            "Date": _day(v.reactions["date"]),
            "Actor": _text(v.reactions["actor_name"]),
            "Stance": _text(v.reactions["stance_label"]),
            "Summary": _text(v.reactions["summary"]),
        },
        "list",
    ),
    "timeline-party-and-issue": TableCase(
        "timeline",
        "All rounds in the window",
        {"party": ["UKR"], "issue": ["ceasefire"]},
        lambda v: {
            "Start": _day(v.talks["start_date"]),
            "End": _day(v.talks["end_date"]),
            "Round": _text(v.talks["title"]),
        },
        "rounds",
    ),
}


@pytest.mark.parametrize("case", TABLES.values(), ids=TABLES.keys())
def test_csv_holds_exactly_the_filtered_rows(page: Page, app_server: Server, dataset: Dataset, case: TableCase):
    entry = PAGE[case.page]
    open_page(page, app_server.url(entry, {**case.query, "view": [case.section]}), entry.title)
    name, data = download(page, download_button(page, case.heading, "Download CSV"))

    view = filters_in_name(Filters.from_query(case.query).to_query())
    assert name.endswith(".csv") and f"_{view}_v{dataset.version}_" in name, (name, view)
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM, so Excel reads the accents"
    got = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    expected = pd.DataFrame(case.expected(apply_view(dataset, Filters.from_query(case.query))))
    assert 0 < len(expected) < len(pd.DataFrame(case.expected(apply_view(dataset, Filters())))), "filters must bite"

    assert set(expected.columns) <= set(got.columns), got.columns.tolist()
    assert len(got) == len(expected) == row_count(page, case.heading)
    as_rows = lambda frame: Counter(map(tuple, frame[list(expected.columns)].astype(str).to_numpy().tolist()))  # noqa: E731
    assert as_rows(got) == as_rows(expected)


@dataclass(frozen=True)
class ChartCase:
    page: str
    title: str
    query: dict[str, list[str]]


CHARTS = {
    "altair-stance-matrix": ChartCase("positions", "Latest stance by party and issue", {"party": ["RUS", "UKR"]}),
    "plotly-timeline-exported-via-altair": ChartCase("timeline", "Rounds by format", {"from": ["2025-01-01"]}),
}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, data[:16]
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("case", CHARTS.values(), ids=CHARTS.keys())
def test_chart_downloads_as_png_and_svg(page: Page, app_server: Server, dataset: Dataset, case: ChartCase):
    entry = PAGE[case.page]
    open_page(page, app_server.url(entry, case.query), entry.title)
    stamp = filters_text(dataset, Filters.from_query(case.query))

    # SVG first: its text names the chart, so a button that served another chart's image fails here.
    svg_name, svg = download(page, download_button(page, case.title, "SVG"))
    assert svg_name.endswith(".svg") and f"_{slug(case.title)}_" in svg_name, svg_name
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    words = " ".join(" ".join(root.itertext()).split())
    assert case.title in words
    assert stamp in words, (stamp, words[-400:])
    assert dataset.version in words
    # Vector size in CSS pixels; a two-row matrix is legitimately short.
    svg_width, svg_height = float(root.get("width", "0")), float(root.get("height", "0"))
    assert svg_width > 300 and svg_height > 150, root.attrib

    png_name, png = download(page, download_button(page, case.title, "PNG"))
    assert png_name.endswith(".png") and f"_{slug(case.title)}_v{dataset.version}_" in png_name, png_name
    assert png.endswith(b"IEND\xaeB`\x82"), "a complete PNG ends with its IEND chunk"
    # The PNG is the same chart at twice the scale: another chart's image would have another size.
    assert _png_size(png) == (round(2 * svg_width), round(2 * svg_height)), (_png_size(png), root.attrib)
