"""What a Streamlit run puts on the websocket, read from an AppTest element tree.

Streamlit sends every element of a run again on each rerun, so the sum of the elements' protobuf sizes is close to
the bytes a browser receives for that run. Charts are also counted in data rows: a chart that embeds every filtered
row grows with the data, whatever its pixels show.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

VEGA = ("vega_lite_chart", "arrow_vega_lite_chart")
PLOTLY = ("plotly_chart",)
# Trace fields that hold one value per point; a trace's point count is the longest of them.
PLOTLY_POINT_FIELDS = ("x", "y", "z", "lat", "lon", "values", "labels", "locations", "r", "theta", "ids", "base")
TYPED_ARRAY_ITEM_SIZE = {"i1": 1, "u1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "f4": 4, "f8": 8, "i8": 8, "u8": 8}


@dataclass
class Chart:
    type: str
    rows: int


@dataclass
class Payload:
    total: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    charts: list[Chart] = field(default_factory=list)

    @property
    def largest_chart(self) -> Chart | None:
        return max(self.charts, key=lambda c: c.rows, default=None)


def walk(node: Any) -> Iterator[Any]:
    yield node
    for child in (getattr(node, "children", None) or {}).values():
        yield from walk(child)


def _arrow_rows(data: bytes) -> int:
    if not data:
        return 0
    return pa.ipc.open_stream(data).read_all().num_rows


def _inline_rows(spec: Any) -> int:
    """Rows written into a Vega-Lite spec: top-level `datasets` and every `data.values`, in layers and concats too."""
    rows = 0
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "datasets" and isinstance(value, dict):
                rows += sum(len(v) for v in value.values() if isinstance(v, list))
            elif key == "data" and isinstance(value, dict) and isinstance(value.get("values"), list):
                rows += len(value["values"])
            else:
                rows += _inline_rows(value)
    elif isinstance(spec, list):
        rows += sum(_inline_rows(v) for v in spec)
    return rows


def vega_rows(proto: Any) -> int:
    rows = _inline_rows(json.loads(proto.spec or "{}"))
    rows += sum(_arrow_rows(d.data.data) for d in proto.datasets)
    if proto.HasField("data"):
        rows += _arrow_rows(proto.data.data)
    return rows


def _length(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict) and "bdata" in value:  # Plotly's base64 typed arrays
        shape = value.get("shape")
        if shape:
            first = int(str(shape).split(",")[0])
            return first
        size = TYPED_ARRAY_ITEM_SIZE.get(str(value.get("dtype")), 8)
        return len(base64.b64decode(value["bdata"])) // size
    return 0


def plotly_points(proto: Any) -> int:
    figure = json.loads(proto.spec or "{}")
    return sum(max((_length(trace.get(f)) for f in PLOTLY_POINT_FIELDS), default=0) for trace in figure.get("data", []))


def measure(tree: Any) -> Payload:
    """Bytes per element type and rows per chart over an AppTest tree (`at._tree`)."""
    out = Payload()
    for node in walk(tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ByteSize"):
            continue
        kind = str(getattr(node, "type", "") or type(node).__name__)
        size = proto.ByteSize()
        out.total += size
        out.by_type[kind] += size
        if kind in VEGA:
            out.charts.append(Chart(kind, vega_rows(proto)))
        elif kind in PLOTLY:
            out.charts.append(Chart(kind, plotly_points(proto)))
    return out
