"""The Timeline's Plotly figure is built without Plotly's checks: its JSON must equal a checked figure's."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import pytest

import parley.charts as charts
from parley.aggregate import round_marks


def _json(figure: go.Figure) -> dict:
    return json.loads(pio.to_json(figure.to_dict(), validate=False))


@pytest.mark.parametrize("cap", [10_000, 5])  # rounds one by one, and binned per month and lane
@pytest.mark.parametrize("highlight", [None, "first"])
def test_the_figure_equals_one_plotly_checked(bundled, monkeypatch, cap, highlight):
    marks = round_marks(bundled.talks, cap)
    chosen = {str(bundled.talks["talk_id"].iloc[0])} if highlight else None
    window = (bundled.talks["start_date"].min().date(), bundled.talks["end_date"].max().date())
    built = charts.timeline_figure.__wrapped__(marks, bundled.labels["talk_format"], chosen, None, window)
    assert built._validate is False  # the fast way is the one under test
    checked = go.Figure(data=[trace.to_plotly_json() for trace in built.data], layout=built.layout.to_plotly_json())
    assert _json(built) == _json(checked)
    # And the checked figure's own content is what the app sends: every round drawn once.
    drawn = sum(len(trace["x"]) for trace in _json(checked)["data"])
    assert drawn == len(marks.frame)


def _pandas_frame(marks, format_labels: dict[str, str]):
    """The rounds' shown columns built with pandas steps, as they were before the row-by-row build."""
    from parley.filters import DATE_FORMAT, dates_text

    frame = marks.frame.copy()
    frame["format"] = frame["format"].astype(str)
    frame["format_label"] = frame["format"].map(format_labels).fillna(frame["format"])
    frame["when"] = dates_text(frame["start_date"])
    multi = frame["end_date"] > frame["start_date"]
    frame.loc[multi, "when"] = frame.loc[multi, "when"] + " – " + frame.loc[multi, "end_date"].dt.strftime(DATE_FORMAT)
    frame["place"] = frame["city"] + frame["venue"].map(lambda v: f" ({v})" if v else "")
    return frame


def test_the_rounds_shown_columns_equal_the_pandas_build(bundled):
    import pandas as pd

    talks = bundled.talks.copy()
    talks.loc[talks.index[0], "venue"] = "<b>Hall</b> *1*"
    talks.loc[talks.index[1], "end_date"] = pd.NaT  # a round with no known last day
    talks["format"] = talks["format"].astype(str)
    talks.loc[talks.index[2], "format"] = "not_a_format"  # a code the labels do not know keeps its code
    marks = round_marks.__wrapped__(talks)
    built = charts._timeline_frame(marks, bundled.labels["talk_format"])
    expected = _pandas_frame(marks, bundled.labels["talk_format"])
    pd.testing.assert_frame_equal(built, expected)
