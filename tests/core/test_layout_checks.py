"""The browser layout checks (tests/e2e/layout.py) on hand-made measurements: each finds the fault it names and
passes what reads well, so a clean browser run means clean charts, not a blind check."""

from __future__ import annotations

import math

import pytest

from tests.e2e.layout import (
    Chart,
    fractional_count_ticks,
    legends_outside,
    not_measurable,
    overlapping_texts,
    repeated_time_ticks,
    texts_cut,
)

BOX = [0.0, 0.0, 400.0, 300.0]


def label(text: str, x: float, y: float, width: float, height: float = 14.0, angle: float = 0.0) -> dict:
    """A text box with its top left corner at (x, y), turned by `angle` degrees around that corner."""
    a = math.radians(angle)
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    quad = [[x + cx * math.cos(a) - cy * math.sin(a), y + cx * math.sin(a) + cy * math.cos(a)] for cx, cy in corners]
    return {"text": text, "quad": quad, "part": "role-axis-label"}


def chart(**parts: object) -> Chart:
    return Chart(name="chart", kind="vega", shown=True, box=list(BOX), drawn=True, canvas=False, **parts)


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        (label("a", 10, 10, 50), label("b", 70, 10, 50), False),  # side by side
        (label("a", 10, 10, 50), label("b", 50, 10, 50), True),  # 10 px over each other
        (label("a", 10, 10, 50), label("b", 59, 10, 50), False),  # touching within the tolerance
        (label("a", 10, 10, 50), label("b", 10, 22, 50), True),  # rows 12 px apart, boxes 14 px tall
        # Upright labels 16 px apart, each 14 px wide once turned: their boxes do not touch.
        (label("a", 100, 200, 80, angle=-90), label("b", 116, 200, 80, angle=-90), False),
        # Slanted labels 20 px apart: the turned boxes cross (their upright bounds would overlap either way).
        (label("a", 100, 200, 80, angle=-30), label("b", 120, 200, 80, angle=-30), True),
        # Slanted labels 40 px apart: clear of each other, though their upright bounds still overlap.
        (label("a", 100, 200, 80, angle=-30), label("b", 140, 200, 80, angle=-30), False),
    ],
)
def test_overlap_is_measured_on_the_turned_boxes(a: dict, b: dict, overlap: bool) -> None:
    assert bool(overlapping_texts(chart(texts=[a, b]))) is overlap


def test_a_legend_or_a_text_past_the_chart_edge_is_found() -> None:
    inside, across = [10.0, 250.0, 200.0, 290.0], [300.0, 250.0, 420.0, 290.0]
    assert legends_outside(chart(legends=[inside])) == []
    assert len(legends_outside(chart(legends=[inside, across]))) == 1
    assert texts_cut(chart(texts=[label("in", 10, 10, 100)])) == []
    assert len(texts_cut(chart(texts=[label("cut", -20, 10, 100)]))) == 1


@pytest.mark.parametrize(
    ("ticks", "found"),
    [
        (["Jan 2025", "Feb 2025", "Mar 2025"], False),
        (["Mar 2025", "Mar 2025", "Apr 2025"], True),
        (["2024", "", "2025"], False),  # labels hidden by Vega's overlap rule are empty, not repeats
    ],
)
def test_a_time_axis_naming_a_period_twice_is_found(ticks: list[str], found: bool) -> None:
    axes = [{"label": "X-axis", "kind": "time", "ticks": ticks}, {"label": "Y", "kind": "other", "ticks": ["a", "a"]}]
    assert bool(repeated_time_ticks(chart(axes=axes))) is found


@pytest.mark.parametrize(
    ("ticks", "found"),
    [
        (["0", "1", "2", "3"], False),
        (["0", "1,000", "2,000"], False),
        (["0.0", "0.5", "1.0"], True),
        (["0", "1", "1", "2"], True),  # ticks at 0.5 printed as whole numbers
    ],
)
def test_a_count_axis_off_whole_numbers_is_found(ticks: list[str], found: bool) -> None:
    axes = [{"label": "Statements: a count", "kind": "count", "ticks": ticks}]
    assert bool(fractional_count_ticks(chart(axes=axes))) is found


def test_a_chart_without_size_or_on_a_canvas_cannot_pass() -> None:
    assert not_measurable(chart()) == []
    flat = chart()
    flat.box = [0.0, 10.0, 0.0, 300.0]
    assert not_measurable(flat)
    painted = chart()
    painted.canvas = True
    assert not_measurable(painted)


def test_the_tolerance_holds_for_long_thin_turned_labels() -> None:
    # Two slanted labels 150 px long whose boxes cross by 3 px across their height: found, though the overlap is
    # small next to their length.
    a = label("a", 100, 200, 150, angle=-30)
    b = label("b", 100 + 25 / math.sin(math.radians(30)), 200, 150, angle=-30)  # 25 px apart across, 14 px tall
    assert not overlapping_texts(chart(texts=[a, b]))
    c = label("c", 100 + 11 / math.sin(math.radians(30)), 200, 150, angle=-30)  # 11 px apart: 3 px over
    assert overlapping_texts(chart(texts=[a, c]))
