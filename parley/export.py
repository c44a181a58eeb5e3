"""Files an analyst downloads: spreadsheet-safe CSV and stamped chart images."""

from __future__ import annotations

import io
import re
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import vl_convert as vlc

from parley.text import xml_safe_spec

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a quote so a spreadsheet shows the text instead of evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


_FORMULA_PATTERN = "^[" + "".join("\\" + c if c in "-\\" else c for c in FORMULA_STARTS) + "]"


def _safe_text(values: pd.Series) -> pd.Series:
    """Text cells with a quote before any that a spreadsheet would run; categories are checked once each."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = values.cat.categories.astype(str)
        return values.cat.rename_categories(_safe_text(pd.Series(categories)).tolist()).astype(str)
    text = values.astype("str")
    return text.mask(text.str.match(_FORMULA_PATTERN, na=False), "'" + text)


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as shown, dates as YYYY-MM-DD, text cells made safe for spreadsheets, UTF-8 with BOM for Excel.

    Written by Arrow's CSV writer, column by column: a million rows take well under a second, where
    DataFrame.to_csv takes several."""
    columns: dict[str, pa.Array] = {}
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            columns[str(name)] = pa.array(values.dt.strftime("%Y-%m-%d"), type=pa.string())
        elif pd.api.types.is_bool_dtype(values):
            columns[str(name)] = pa.array(np.where(values.to_numpy(dtype=bool), "True", "False"), type=pa.string())
        elif pd.api.types.is_numeric_dtype(values):
            columns[str(name)] = pa.array(values, from_pandas=True)
        else:
            columns[str(name)] = pa.array(_safe_text(values), type=pa.string(), from_pandas=True)
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode())
    pacsv.write_csv(pa.table(columns), buffer)
    return buffer.getvalue()


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
