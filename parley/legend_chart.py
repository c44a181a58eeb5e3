"""The legend of meanings: every palette with its colours and labels, drawn for the Codebook page."""

from __future__ import annotations

import pandas as pd

from parley import palette
from parley.charts import _CONFIG, PADDING, SCHEMA, _values
from parley.loading import Dataset
from parley.memo import per_dataset

ROW = 22  # pixels per colour
WIDTH = 260


def legend_rows(labels: dict[str, dict[str, str]]) -> pd.DataFrame:
    """One row per colour of every meaning, in the palette's order: meaning, code, label (the codebook's words, or
    the actor's name), colour. Codes the palette knows but the data does not are listed by their code."""
    rows = []
    for meaning, scheme, colours in palette.MEANINGS:
        words = labels.get(scheme, {}) if scheme else {}
        for order, (code, colour) in enumerate(colours.items()):
            rows.append(
                {"meaning": meaning, "order": order, "code": code, "label": words.get(code, code), "colour": colour}
            )
    return pd.DataFrame(rows, columns=["meaning", "order", "code", "label", "colour"])


def legend_chart(rows: pd.DataFrame) -> dict:
    """One meaning's colours as swatches with their labels, top to bottom in the palette's order."""
    frame = rows[["order", "code", "label", "colour"]].astype({"label": str, "code": str})
    y = {"field": "order", "type": "ordinal", "axis": None}
    return {
        "$schema": SCHEMA,
        "config": _CONFIG,
        "padding": PADDING,
        "width": WIDTH,
        "height": {"step": ROW},
        "data": {"values": _values(frame)},
        "layer": [
            {
                "mark": {"type": "square", "size": 220, "stroke": "#555555", "strokeWidth": 0.5, "opacity": 1},
                "encoding": {
                    "y": y,
                    "x": {"value": 10},
                    # The colour itself, not a scale: this is the legend every other chart's scale refers to.
                    "fill": {"field": "colour", "type": "nominal", "scale": None},
                    "tooltip": [
                        {"field": "label", "type": "nominal", "title": "Label"},
                        {"field": "code", "type": "nominal", "title": "Code"},
                        {"field": "colour", "type": "nominal", "title": "Colour"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "baseline": "middle", "fontSize": 12, "limit": WIDTH - 30},
                "encoding": {"y": y, "x": {"value": 26}, "text": {"field": "label", "type": "nominal"}},
            },
        ],
    }


@per_dataset
def legend_specs(ds: Dataset) -> tuple[tuple[str, dict], ...]:
    """(meaning, chart) for every meaning, in the palette's order: the same on every rerun, so drawn up once."""
    rows = legend_rows(ds.labels)
    return tuple((str(meaning), legend_chart(part)) for meaning, part in rows.groupby("meaning", sort=False))
