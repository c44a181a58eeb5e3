"""The Timeline's zoom is chosen on the server, so the chart on screen, its image and the link agree: the Plotly
figure draws exactly the chosen span (no toolbar, no drag zoom), and moving the slider narrows it."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from components.registry import PAGES
from parley.aggregate import round_span, rounds_starting_in
from parley.filters import Filters
from parley.loading import load_dataset
from parley.views import apply_view
from tests.app.conftest import assert_clean

TIMELINE = next(p for p in PAGES if p.url_path == "timeline")
QUERY = {"from": ["2025-01-01"]}


def _figure(at) -> tuple[dict, dict]:
    (chart,) = at.get("plotly_chart")
    return json.loads(chart.proto.spec), json.loads(chart.proto.config)


def _drawn_ids(fig: dict) -> set[str]:
    return {row[0] for trace in fig["data"] for row in trace.get("customdata", [])}


def _zoom(at):
    return next(s for s in at.slider if s.label == "Zoom")


def test_the_figure_draws_the_whole_span_at_first_with_no_toolbar_or_drag_zoom(on_bundled):
    at = on_bundled(TIMELINE, QUERY)
    assert_clean(at)
    fig, config = _figure(at)
    talks = apply_view(load_dataset(), Filters.from_query(QUERY)).talks
    lo, hi = round_span(talks)
    assert _zoom(at).value == (lo, hi)
    shown = pd.to_datetime(fig["layout"]["xaxis"]["range"])
    assert shown[0].date() <= lo and shown[1].date() >= hi
    assert (shown[1] - shown[0]).days <= (hi - lo).days * 1.05, "the span, with a margin of a few percent"
    assert fig["layout"]["xaxis"]["fixedrange"] is True, "a dragged zoom would make the screen differ from the image"
    assert "rangeslider" not in fig["layout"]["xaxis"] and "rangeselector" not in fig["layout"]["xaxis"]
    assert config.get("displayModeBar") is False, "Plotly's camera button saves an unstamped image"
    assert _drawn_ids(fig) == set(talks["talk_id"])


def test_moving_the_zoom_narrows_what_the_figure_draws(on_bundled):
    at = on_bundled(TIMELINE, QUERY, "rounds")  # the table of rounds is drawn on that section
    talks = apply_view(load_dataset(), Filters.from_query(QUERY)).talks
    window = (date(2025, 5, 1), date(2025, 8, 31))
    _zoom(at).set_value(window).run()
    assert_clean(at)
    fig, _ = _figure(at)
    shown = pd.to_datetime(fig["layout"]["xaxis"]["range"])
    # The window with a small margin (so a round on its edge is drawn whole), nothing more.
    margins = (pd.Timestamp(window[0]) - shown[0], shown[1] - pd.Timestamp(window[1]))
    assert all(pd.Timedelta(hours=12) <= m <= pd.Timedelta(days=4) for m in margins), margins
    inside = set(rounds_starting_in(talks, window)["talk_id"])
    assert 0 < len(inside) < len(talks)
    assert _drawn_ids(fig) == inside
    # The table under the chart still lists every round of the date filter: the zoom is the chart's, not a filter.
    assert len(at.dataframe[0].value) == len(talks)
