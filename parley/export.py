"""Files an analyst downloads: spreadsheet-safe CSV and stamped chart images."""

from __future__ import annotations

import re
from datetime import date

import altair as alt
import pandas as pd
import vl_convert as vlc

from parley.text import xml_safe_spec

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a quote so a spreadsheet shows the text instead of evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as shown, dates as YYYY-MM-DD, text cells made safe for spreadsheets, UTF-8 with BOM for Excel."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("object").map(neutralise)
    return out.to_csv(index=False).encode("utf-8-sig")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def file_name(page: str, what: str, version: str, today: date, ext: str) -> str:
    """parley_<page>_<what>_v<data version>_<date>.<ext>: the data version travels with every download."""
    return f"parley_{slug(page)}_{slug(what)}_v{version}_{today.isoformat()}.{ext}"


def stamp_lines(filters_text: str, version: str, today: date) -> list[str]:
    return [
        f"Filters: {filters_text}",
        f"Parley data version {version} · exported {today.strftime('%d %b %Y')}",
    ]


def image_spec(chart: alt.TopLevelMixin | dict) -> dict:
    """The Vega-Lite spec handed to vl-convert, without characters that make it abort the whole process."""
    return xml_safe_spec(chart if isinstance(chart, dict) else chart.to_dict())


def chart_png(chart: alt.TopLevelMixin | dict, scale: float = 2.0) -> bytes:
    return vlc.vegalite_to_png(image_spec(chart), scale=scale)


def chart_svg(chart: alt.TopLevelMixin | dict) -> bytes:
    return vlc.vegalite_to_svg(image_spec(chart)).encode("utf-8")


def for_export(chart: alt.TopLevelMixin | dict, width: int = 760) -> dict:
    """Images need a fixed width: 'container' only means something inside a web page."""
    spec = dict(chart if isinstance(chart, dict) else chart.to_dict(validate=False))
    if spec.get("width") == "container" or "layer" in spec or "mark" in spec:
        spec["width"] = width
    return spec
