"""Palette rules: one palette per meaning, ordered stances, the accent, whole count ticks, time axes per span."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from parley import palette
from parley.aggregate import actor_ranking, count_by, latest_stances, monthly_counts, round_marks
from parley.charts import (
    actor_ranking_chart,
    coverage_chart,
    monthly_chart,
    party_counts_chart,
    stance_counts_chart,
    stance_matrix_chart,
    time_axis,
    timeline_chart,
    timeline_figure,
)
from parley.commitment_charts import share_chart

ROOT = Path(__file__).resolve().parents[2]
HEX = re.compile(r"^#[0-9A-F]{6}$")


def meanings() -> dict[str, set[str]]:
    """Every colour the charts can draw, by meaning (plans, no-data grey and the count ramp are meanings too)."""
    return {
        "party": {*palette.PARTY_COLOURS.values(), *palette.FALLBACK},
        "position stance": set(palette.POSITION_STANCE_COLOURS.values()),
        "reaction stance": set(palette.REACTION_STANCE_COLOURS.values()),
        "talk format": set(palette.FORMAT_COLOURS.values()),
        "commitment status": set(palette.STATUS_COLOURS.values()),
        "place on a scale": set(palette.SCALE_COLOURS),
        "plan": {palette.PLAN_COLOUR},
        "no data": {palette.NO_DATA},
        "records per month": set(palette.COUNT_RAMP),
        "accent": {palette.ACCENT},
    }


def test_every_colour_is_plain_upper_case_hex():
    for name, colours in meanings().items():
        assert all(HEX.match(c) for c in colours), name  # so that comparing strings compares colours


@pytest.mark.parametrize("a, b", list(itertools.combinations(meanings(), 2)))
def test_no_colour_is_shared_between_two_meanings(a, b):
    assert not meanings()[a] & meanings()[b]


def test_each_meaning_has_a_colour_per_code():
    for colours in (palette.PARTY_COLOURS, palette.POSITION_STANCE_COLOURS, palette.REACTION_STANCE_COLOURS):
        assert len(set(colours.values())) == len(colours)  # two codes of one meaning never look the same


def test_the_palettes_cover_the_codebook_and_the_orders_cover_the_palettes():
    codebook = pd.read_csv(ROOT / "data" / "codebook.csv")
    for scheme, colours in (
        ("position_stance", palette.POSITION_STANCE_COLOURS),
        ("reaction_stance", palette.REACTION_STANCE_COLOURS),
        ("talk_format", palette.FORMAT_COLOURS),
        ("commitment_status", palette.STATUS_COLOURS),
    ):
        assert set(codebook.loc[codebook["scheme"] == scheme, "code"]) == set(colours), scheme
    assert set(palette.POSITION_STANCE_ORDER) == set(palette.POSITION_STANCE_COLOURS)
    assert set(palette.REACTION_STANCE_ORDER) == set(palette.REACTION_STANCE_COLOURS)


def test_stance_orders_run_from_one_end_to_the_other():
    assert palette.POSITION_STANCE_ORDER[0] == "reject" and palette.POSITION_STANCE_ORDER[-1] == "accept"
    order = palette.REACTION_STANCE_ORDER
    assert order[0] == "support_russia" and order[-1] == "support_ukraine"
    assert order.index("neutral") == len(order) // 2  # neutral in the middle


def test_accent_is_the_theme_colour_and_no_chart_colour():
    theme = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
    assert theme["primaryColor"].upper() == palette.ACCENT
    others = set().union(*(c for name, c in meanings().items() if name != "accent"))
    assert palette.ACCENT not in others
    assert theme["primaryColor"].upper() not in {c.upper() for c in theme.get("chartCategoricalColors", [])}


def test_codebook_order_is_not_the_legend_order(mini):
    """Legends follow the palette's order, whatever order the codebook lists the codes in."""
    stances = mini.labels["position_stance"]
    shuffled = dict(reversed(list(stances.items())))
    for labels in (stances, shuffled):
        spec = stance_matrix_chart(latest_stances(mini.positions), labels)
        domain = spec["layer"][0]["encoding"]["color"]["scale"]["domain"]
        assert domain == [labels[c] for c in palette.POSITION_STANCE_ORDER if c in labels]
    reactions = mini.labels["reaction_stance"]
    spec = stance_counts_chart(count_by(mini.reactions, "stance"), reactions, palette.REACTION_STANCE_COLOURS)
    assert spec["encoding"]["y"]["sort"] == [reactions[c] for c in palette.REACTION_STANCE_ORDER if c in reactions]


def count_charts(mini) -> dict[str, tuple[dict, str]]:
    """Every chart with a count on an axis: (spec, the channel that holds the count)."""
    reactions = mini.labels["reaction_stance"]
    shares = pd.DataFrame(
        {
            "talk_title": ["A", "B"],
            "n_commitments": [3, 1],
            "n_full": [1, 0],
            "n_broken": [1, 0],
            "share_full": [1 / 3, 0],
        }
    )
    return {
        "party counts": (party_counts_chart(count_by(mini.positions, "actor_id"), mini.labels["actor"]), "x"),
        "stance counts": (
            stance_counts_chart(count_by(mini.reactions, "stance"), reactions, palette.REACTION_STANCE_COLOURS),
            "x",
        ),
        "ranking": (actor_ranking_chart(actor_ranking(mini.reactions), reactions), "x"),
        "monthly": (
            monthly_chart(
                monthly_counts(mini.reactions, "date", "stance"), "stance", reactions, palette.REACTION_STANCE_COLOURS
            ),
            "y",
        ),
        "commitment shares": (share_chart(shares, "talk_title", "Commitments"), "x"),
    }


@pytest.mark.parametrize("name", ["party counts", "stance counts", "ranking", "monthly", "commitment shares"])
def test_count_axes_tick_on_whole_numbers(mini, name):
    spec, channel = count_charts(mini)[name]
    axis = spec["encoding"][channel]["axis"]
    assert axis["tickMinStep"] == 1 and axis["format"] == "d"


DAY = ("%d", "%-d", "%e")
FORMAT_UNITS = {"day": DAY, "week": DAY, "month": ("%b", "%B", "%m"), "year": ("%Y", "%y")}


def tick_labels(axis: dict, start: str, end: str) -> list[str]:
    """The labels the axis prints: one tick per `step` of its interval between start and end, in its format."""
    interval, step = axis["tickCount"]["interval"], axis["tickCount"]["step"]
    # Vega's weeks start on Sunday.
    freq = {"day": f"{step}D", "week": f"{step}W-SUN", "month": f"{step}MS", "year": f"{step}YS"}[interval]
    return [d.strftime(axis["format"]) for d in pd.date_range(pd.Timestamp(start), pd.Timestamp(end), freq=freq)]


@pytest.mark.parametrize(
    "start, end",
    [
        ("2025-05-15", "2025-05-19"),
        ("2025-05-01", "2025-06-20"),
        ("2025-12-10", "2026-01-20"),
        ("2025-03-01", "2025-11-30"),
        ("2025-01-01", "2026-09-30"),
        ("2022-02-24", "2026-03-31"),
    ],
)
def test_time_axis_labels_each_period_once(start, end):
    axis = time_axis(start, end)
    labels = tick_labels(axis, start, end)
    assert len(labels) == len(set(labels)), labels  # never "Mar 2025 Mar 2025"
    assert 1 <= len(labels) <= 12, labels
    # The format names the period the ticks fall on: month ticks print a month, year ticks a year.
    assert any(token in axis["format"] for token in FORMAT_UNITS[axis["tickCount"]["interval"]])


def temporal_axes(spec: dict):
    for part in [spec, *spec.get("layer", []), *spec.get("vconcat", [])]:
        for layer in [part, *part.get("layer", [])]:
            for name, channel in layer.get("encoding", {}).items():
                if isinstance(channel, dict) and channel.get("type") == "temporal" and name in ("x", "y"):
                    yield channel


def test_every_time_axis_has_a_format_and_ticks_of_its_period(mini):
    from parley import coverage

    specs = [
        timeline_chart(round_marks(mini.talks), mini.labels["talk_format"]),
        coverage_chart(coverage.monthly(mini)),
        count_charts(mini)["monthly"][0],
    ]
    for spec in specs:
        axes = list(temporal_axes(spec))
        assert axes
        for channel in axes:
            axis = channel["axis"]
            assert any(token in axis["format"] for token in FORMAT_UNITS[axis["tickCount"]["interval"]]), axis


def test_plotly_timeline_formats_dates_to_the_zoom(mini):
    fig = timeline_figure(round_marks(mini.talks), mini.labels["talk_format"])
    stops = fig.layout.xaxis.tickformatstops
    assert fig.layout.xaxis.tickformat is None  # one format for every zoom repeated a month on weekly ticks
    assert [s.value for s in stops] == ["%-d %b %Y", "%b %Y", "%Y"]

    # Plotly picks the first stop whose range holds the tick step, ends included (months compared as 30.44 days).
    def ms(step: object) -> float:
        return float("inf") if step is None else int(step[1:]) * 30.44 * 86_400_000 if str(step)[0] == "M" else step

    def shown(step: str | int) -> str:
        return next(s.value for s in stops if ms(s.dtickrange[0] or 0) <= ms(step) <= ms(s.dtickrange[1]))

    assert shown(7 * 86_400_000) == "%-d %b %Y"  # weekly ticks name the day
    assert shown("M1") == shown("M3") == "%b %Y"  # monthly ticks do not print "1 Mar 2025"
    assert shown("M12") == shown("M24") == "%Y"


# Colour-vision deficiency simulation (Machado, Oliveira and Fernandes 2009, severity 1.0), on linear RGB.
CVD = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}
MIN_DELTA_E = 8.0  # CIE76 distance in Lab: two colours closer than this are hard to tell apart side by side


def lab(colour: str, vision: str | None) -> tuple[float, float, float]:
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    rgb = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    if vision:
        rgb = [min(max(sum(m * c for m, c in zip(row, rgb, strict=True)), 0.0), 1.0) for row in CVD[vision]]
    xyz = [
        sum(m * c for m, c in zip(row, rgb, strict=True)) / white
        for row, white in zip(
            ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505)),
            (0.95047, 1.0, 1.08883),
            strict=True,
        )
    ]
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


@pytest.mark.parametrize(
    "name, colours",
    [
        ("position stances", palette.POSITION_STANCE_COLOURS),
        ("reaction stances", palette.REACTION_STANCE_COLOURS),
        ("talk formats", palette.FORMAT_COLOURS),
        ("commitment statuses", palette.STATUS_COLOURS),
        (
            "main parties (Okabe–Ito)",
            {k: palette.PARTY_COLOURS[k] for k in ("RUS", "UKR", "USA", "EU", "TUR", "EUROPE")},
        ),
    ],
)
@pytest.mark.parametrize("vision", [None, *CVD])
def test_codes_of_a_meaning_stay_apart_with_colour_blindness(name, colours, vision):
    for (a, ca), (b, cb) in itertools.combinations(colours.items(), 2):
        distance = sum((x - y) ** 2 for x, y in zip(lab(ca, vision), lab(cb, vision), strict=True)) ** 0.5
        assert distance >= MIN_DELTA_E, f"{name}: {a} and {b} look alike ({vision or 'normal vision'}: {distance:.1f})"
