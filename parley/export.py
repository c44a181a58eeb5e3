"""Files an analyst downloads: spreadsheet-safe CSV and stamped chart images."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

import altair as alt
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import vl_convert as vlc

from parley.mapped_pages import PageRelease
from parley.selection import Rows, as_frame
from parley.text import xml_safe_spec

# A cell starting with one of these is run as a formula by spreadsheet programs (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """Prefix a quote so a spreadsheet shows the text instead of evaluating it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_text(values: pa.Array) -> pa.Array:
    """Text cells with a quote before any that a spreadsheet would run (Arrow compute: no Python per cell)."""
    text = values.cast(pa.string())
    # The first character alone decides; a regex would scan long texts to the end.
    first = pc.utf8_slice_codeunits(text, 0, 1)
    risky = pc.fill_null(pc.is_in(first, value_set=pa.array(FORMULA_STARTS, type=pa.string())), False)
    if not pc.any(risky).as_py():
        return text
    # Prefix only the few risky cells: building a prefixed copy of every cell costs most of a second at a million.
    prefixed = pc.binary_join_element_wise("'", pc.filter(text, risky), "")
    return pc.replace_with_mask(text, risky, prefixed)


def _csv_column(values: pd.Series) -> pa.Array:
    if pd.api.types.is_datetime64_any_dtype(values):
        return pa.array(values, from_pandas=True).cast(pa.date32())  # written as YYYY-MM-DD
    if pd.api.types.is_bool_dtype(values):
        return pc.if_else(pa.array(values.to_numpy(dtype=bool)), "True", "False")
    if pd.api.types.is_numeric_dtype(values):
        return pa.array(values, from_pandas=True)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _by_code(values.cat.categories, values.cat.codes.to_numpy())
    return _safe_text(pa.array(values, from_pandas=True))


def _by_code(categories: pd.Index, codes: np.ndarray) -> pa.Array:
    """Each distinct text is checked once, then every row picks its (safe) text by code (-1: missing)."""
    safe = _safe_text(pa.array(categories.astype(str), type=pa.string()))
    return pc.take(safe, pa.array(codes, mask=codes < 0))


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """The rows as shown, dates as YYYY-MM-DD, text cells made safe for spreadsheets, UTF-8 with BOM for Excel.

    Written by Arrow's CSV writer, column by column: a million rows take about a second, where DataFrame.to_csv
    takes several."""
    return _written(pa.table({str(name): _csv_column(frame[name]) for name in frame.columns}))


def _written(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode())
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


CSV_CHUNK_ROWS = 32_768  # rows written at a time: a chunk's columns are built, written and let go


def table_csv_bytes(data: pd.DataFrame | Rows, columns: Mapping[str, str]) -> bytes:
    """`to_csv_bytes` of the columns (renamed to their headers) of a frame or a selection. A selection's columns are
    taken straight from the shared table's, never built into a frame first, and written a chunk of rows at a time,
    so memory holds the file and one chunk, not a copy of every column too: a million rows in about a second."""
    if not isinstance(data, Rows) or data.extra:
        return to_csv_bytes(as_frame(data, list(columns)).rename(columns=dict(columns)))
    pick = {header: _column_picker(data.table, name) for name, header in columns.items()}
    # The text read from the memory-mapped cache is handed back after each chunk (parley.mapped_pages): at a million
    # rows it is about as large as the file built, and would otherwise stay counted in the process's memory.
    pages = PageRelease(picked.source for picked in pick.values() if picked.source is not None)
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode())
    writer = None
    for start in range(0, max(len(data), 1), CSV_CHUNK_ROWS):
        index = data.index[start : start + CSV_CHUNK_ROWS]
        chunk = pa.table({header: picked(index) for header, picked in pick.items()})
        if writer is None:
            writer = pacsv.CSVWriter(buffer, chunk.schema)
        writer.write_table(chunk)
        del chunk
        pages.release()
    if writer is not None:
        writer.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class _Picker:
    """For one column of a shared table: the CSV cells of the rows at given positions, and the Arrow data they are
    read from when it is the column's own (`source`: text that may lie in the memory-mapped cache)."""

    pick: Callable[[np.ndarray], pa.Array]
    source: pa.Array | pa.ChunkedArray | None = None

    def __call__(self, index: np.ndarray) -> pa.Array:
        return self.pick(index)


def _column_picker(table: pd.DataFrame, name: str) -> _Picker:
    """What is the same for every chunk (a category's safe text, the column as Arrow) is worked out once."""
    values = table[name]
    if isinstance(values.dtype, pd.CategoricalDtype):
        safe = _safe_text(pa.array(values.cat.categories.astype(str), type=pa.string()))
        codes = values.cat.codes.to_numpy()

        def by_code(index: np.ndarray) -> pa.Array:
            picked = codes[index]
            return pc.take(safe, pa.array(picked, mask=picked < 0))

        return _Picker(by_code)
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        whole = pa.array(values, from_pandas=True)  # the column's own Arrow data, not a copy
        return _Picker(lambda index: _safe_text(whole.take(pa.array(index))), whole)
    return _Picker(lambda index: _csv_column(values.take(index).reset_index(drop=True)))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


MAX_FILTERS_IN_NAME = 100  # characters: file systems and mail clients cope, and the start says the most


def filters_in_name(query: dict[str, list[str]]) -> str:
    """The filters of a view (its URL query) as a file-name part: party-RUS-UKR_from-2025-11-01_hide_low-1.

    Empty for the unfiltered view; cut with "-etc" past MAX_FILTERS_IN_NAME characters."""
    parts = [f"{key}-" + "-".join(re.sub(r"[^A-Za-z0-9.-]+", "", v) for v in values) for key, values in query.items()]
    text = "_".join(parts)
    if len(text) > MAX_FILTERS_IN_NAME:
        text = text[: MAX_FILTERS_IN_NAME - 4].rstrip("-_") + "-etc"
    return text


def file_name(page: str, what: str, version: str, today: date, ext: str, filters: str = "") -> str:
    """parley_<page>_<what>[_<filters>]_v<data version>_<date>.<ext>: the data version, and for tables the filters
    that made them, travel with every download."""
    view = f"_{filters}" if filters else ""
    return f"parley_{slug(page)}_{slug(what)}{view}_v{version}_{today.isoformat()}.{ext}"


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
