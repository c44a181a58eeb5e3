"""Downloads carry the view that made them: a table's CSV names its filters, and the Timeline's image draws the span
the screen shows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from parley.aggregate import round_marks, rounds_starting_in
from parley.charts import timeline_chart, timeline_figure
from parley.export import MAX_FILTERS_IN_NAME, chart_svg, file_name, filters_in_name, for_export
from parley.filters import Filters

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("filters", "part"),
    [
        (Filters(), ""),
        (Filters(parties=("RUS", "UKR")), "party-RUS-UKR"),
        (
            Filters(issues=("territory",), start=date(2025, 11, 1), hide_low=True),
            "issue-territory_from-2025-11-01_hide_low-1",
        ),
        (Filters(talk="2025-05-16-istanbul"), "round-2025-05-16-istanbul"),
    ],
)
def test_a_csv_name_says_the_filters_that_made_it(filters: Filters, part: str):
    assert filters_in_name(filters.to_query()) == part
    name = file_name("positions", "statements", "2026.12.01.3", TODAY, "csv", filters_in_name(filters.to_query()))
    expected = f"parley_positions_statements{'_' + part if part else ''}_v2026.12.01.3_2026-12-01.csv"
    assert name == expected


def test_a_long_or_hostile_filter_stays_a_short_safe_name():
    hostile = {"party": ["../../etc/passwd", "A\x00B", "<script>", "C D"], "issue": [f"issue{i}" for i in range(40)]}
    part = filters_in_name(hostile)
    assert len(part) <= MAX_FILTERS_IN_NAME and part.endswith("-etc")
    assert set(part) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"), part
    assert part.startswith("party-....etcpasswd-AB-script-CD_issue-issue0-issue1")


def _symbols(svg: bytes) -> int:
    """Round marks in an image rendered by vl-convert: one path per point in the symbol mark's group."""
    root = ET.fromstring(svg)
    groups = [g for g in root.iter() if {"mark-symbol", "role-mark"} <= set((g.get("class") or "").split())]
    return sum(1 for g in groups for child in g if child.tag.endswith("path"))


def test_the_timeline_image_draws_the_zoomed_span_only(mini):
    formats = mini.labels["talk_format"]
    talks = mini.talks
    lo, hi = talks["start_date"].min().date(), talks["start_date"].max().date()
    assert lo < hi
    whole = timeline_chart(round_marks(talks), formats)
    assert _symbols(chart_svg(for_export(whole))) == len(talks)

    window = (lo, lo)  # the first day only
    inside = rounds_starting_in(talks, window)
    assert 0 < len(inside) < len(talks)
    zoomed = timeline_chart(round_marks(inside), formats, window)
    validate_jsonschema(zoomed, load_schema())
    assert zoomed["encoding"]["x"]["scale"]["domain"] == ["2025-05-15T12:00:00", "2025-05-16T12:00:00"]
    assert zoomed["mark"]["clip"] is True
    assert _symbols(chart_svg(for_export(zoomed))) == len(inside)

    # The figure on screen shows the same span.
    fig = timeline_figure(round_marks(inside), formats, window=window)
    assert list(fig.layout.xaxis.range) == zoomed["encoding"]["x"]["scale"]["domain"]
    assert fig.layout.xaxis.fixedrange is True
