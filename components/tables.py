"""show_table: a filtered table plus its CSV download (exactly the filtered rows, spreadsheet-safe).

Ids and round names in the table link to their record page (record?id=...); the CSV keeps the plain ids and names.
What the reader sees is words: codes in their codebook label, missing values as empty cells (never "None", "nan" or
"<NA>"), and records newest first wherever the table has a record date, said under the table.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pyarrow as pa
import streamlit as st

from components.briefing import register_table
from components.filters import K_CURRENT
from parley.aggregate import newest_first
from parley.export import file_name, filters_in_name, table_csv_bytes
from parley.filters import Filters, dates_text
from parley.loading import TABLE_FIELDS, Dataset
from parley.memo import per_dataset
from parley.recent import per_selection
from parley.record_links import AUTO_LINKS, LINK_DISPLAY, id_link_cells, link_cell, safe_href
from parley.selection import Rows, as_frame

# The browser payload, not pandas, is the cost: a reader scrolls a few hundred rows at most; the CSV has them all.
MAX_ROWS_SHOWN = 500
LIST_HELP = "Opens the first record; the row's own record page lists them all."
# Columns that hold a codebook code, and the codebook scheme that words them (partly_confirmed -> partly confirmed).
CODE_SCHEMES = {
    "verdict": "verdict",
    "confidence": "confidence",
    "source_type": "source_type",
    "role": "participant_role",
    "status": "item_status",
    "actor_type": "actor_type",
}
# The record date a table is sorted by, newest first, when it shows one (the first found, in this order).
RECORD_DATES = ("date", "start_date", "presented", "published", "round_date")
DATE_SHOWN = "%-d %b %Y"  # as the DateColumn shows dates ("D MMM YYYY")
CURRENT_VIEW = object()  # show_table's default `view`: the filters of this run


def in_words(values: pd.Series, labels: dict[str, str]) -> pd.Series:
    """Codes as their labels; a column holding anything that is not a code of the scheme is left as it is."""
    present = values.dropna().unique()  # a handful of distinct codes, whatever the number of rows
    if len(present) == 0 or any(str(v) not in labels for v in present):
        return values
    return values.map({v: labels[str(v)] for v in present}, na_action="ignore")


def blank_missing(column: pd.Series) -> pd.Series:
    """The column with missing cells empty: a data grid prints a missing value as "None". Only a column with a
    missing cell becomes text (numbers and dates written as shown), so the rest keep their number and date types."""
    missing = column.isna().to_numpy()
    if not missing.any():
        return column
    if pd.api.types.is_datetime64_any_dtype(column):
        text = dates_text(column, DATE_SHOWN).tolist()
    elif pd.api.types.is_float_dtype(column) and (column.dropna() % 1 == 0).all():
        text = [v if gone else str(int(v)) for v, gone in zip(column.tolist(), missing, strict=True)]  # 3, not 3.0
    else:
        text = [str(v) for v in column.tolist()]
    # In Python: a shown column holds at most a few hundred cells, and pandas' typed steps cost more than the loop.
    cells = ["" if gone else t for t, gone in zip(text, missing, strict=True)]
    return pd.Series(cells, index=column.index, name=column.name, dtype=object)


def _filters_named(view: Filters | None | object) -> str:
    f = st.session_state.get(K_CURRENT) if view is CURRENT_VIEW else view
    return filters_in_name(f.to_query()) if isinstance(f, Filters) else ""


def newest_order(frame: pd.DataFrame | Rows, columns: dict[str, str]) -> tuple[pd.DataFrame | Rows, str | None]:
    """The rows newest first by the table's record date, and that date's header; unchanged without one."""
    date = next((c for c in RECORD_DATES if c in columns and c in frame.columns), None)
    if date is None or len(frame) == 0:
        return frame, None
    if isinstance(frame, pd.DataFrame):  # stable: rows of one date keep their order (a plan's points stay 1, 2, 3)
        return frame.sort_values(date, ascending=False, kind="stable", na_position="last"), columns[date]
    return newest_first(frame, date), columns[date]


def show_table(
    frame: pd.DataFrame | Rows,
    *,
    page: str,
    name: str,
    ds: Dataset,
    columns: dict[str, str],
    column_config: dict[str, object] | None = None,
    key: str,
    links: dict[str, str | None] | None = None,
    view: Filters | None | object = CURRENT_VIEW,
) -> None:
    """Show `frame[columns]` with readable headers; the CSV has the same columns and every filtered row.

    `links` maps a shown column to the column holding the record id(s) it links to (None: no link); id columns and
    round names (ID_COLUMNS, AUTO_LINKS) link without being named. `view` is the filters that made the rows, named
    in the CSV's file name: the page's filters unless given (None: a table no filter applies to)."""
    total = len(frame)
    wanted = {col: by for col, by in {**AUTO_LINKS, **(links or {})}.items() if col in columns and by}
    table = next((field for field in TABLE_FIELDS if getattr(ds, field) is frame), None)
    if table is not None:
        # A table of the dataset itself (the codebook's): the same on every rerun, so built once per dataset.
        built = _dataset_table_shown(ds, table, tuple(columns.items()), tuple(wanted.items()))
        frame, newest_by, shown, config = built
    else:
        frame, newest_by, shown, config = _shown(ds, frame, columns, wanted)
    config = dict(config)
    config.update(column_config or {})
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key=key)
    register_table(name, frame, columns)  # the briefing pack prints its first rows and cites its sources
    row = st.container(horizontal=True, vertical_alignment="center")
    if total > MAX_ROWS_SHOWN:
        row.caption(
            f"Showing the first {MAX_ROWS_SHOWN:,} of {total:,} rows"
            + (f", newest first (by {newest_by.lower()})" if newest_by else "")
            + f"; the CSV holds all {total:,}."
        )
    else:
        row.caption(f"{total:,} row(s)" + (f", newest first (by {newest_by.lower()})" if newest_by else ""))
    row.download_button(
        "Download CSV",
        data=lambda: table_csv_bytes(frame, columns),
        file_name=file_name(page, name, ds.version, date.today(), "csv", _filters_named(view)),
        mime="text/csv",
        key=f"{key}.csv",
        on_click="ignore",
        icon=":material/download:",
    )


def _shown(
    ds: Dataset, frame: pd.DataFrame | Rows, columns: dict[str, str], wanted: dict[str, str]
) -> tuple[pd.DataFrame | Rows, str | None, pa.Table, dict[str, object]]:
    """The rows newest first, the date they are ordered by, and the frame and column config the grid shows."""
    ordered, date_column, cells, links = _cells(ds, frame, tuple(columns), tuple(wanted.items()))
    config: dict[str, object] = {}
    for col, values in cells.items():
        if pd.api.types.is_datetime64_any_dtype(values):
            config[columns[col]] = st.column_config.DateColumn(columns[col], format="D MMM YYYY")
    for col, listed in links.items():
        label = columns[col]
        config[label] = st.column_config.LinkColumn(
            label, display_text=LINK_DISPLAY, alignment="left", help=LIST_HELP if listed else None
        )
    shown = _grid({columns[col]: values for col, values in cells.items()})
    return ordered, (columns[date_column] if date_column else None), shown, config


@per_selection
def _cells(
    ds: Dataset, frame: pd.DataFrame | Rows, columns: tuple[str, ...], wanted_pairs: tuple[tuple[str, str], ...]
) -> tuple[pd.DataFrame | Rows, str | None, dict[str, pd.Series | list[str]], dict[str, bool]]:
    """The rows newest first, the date column they are ordered by, each shown column's cells (worded, blanked and
    linked) and, per linked column, whether a cell may list several records.

    Remembered per selection (parley.recent), apart from the headers: a filter change that keeps the rows, or a
    header that names the window's date, finds the cells already built."""
    date_column = next((c for c in RECORD_DATES if c in columns and c in frame.columns), None)
    if date_column is not None and len(frame):
        frame, _ = newest_order(frame, {date_column: date_column})
    # Only the rows shown are built here; the CSV is built from every filtered row when the button is clicked.
    head = frame.head(MAX_ROWS_SHOWN)
    wanted = {col: by for col, by in wanted_pairs if by in head.columns}
    raw = as_frame(head, list(dict.fromkeys([*columns, *wanted.values()]))).reset_index(drop=True)
    # One pass: each shown column is worded, blanked and linked once, in the order of `columns`.
    cells: dict[str, pd.Series | list[str]] = {}
    for col in columns:
        values = raw[col]
        scheme = CODE_SCHEMES.get(col)
        if scheme is not None and scheme in ds.labels:
            values = in_words(values, ds.labels[scheme])
        cells[col] = blank_missing(values)
    links: dict[str, bool] = {}
    for col, by in wanted.items():
        ids = raw[by].tolist()
        # No record to link: an empty cell, not "None".
        if col == by:
            cells[col] = id_link_cells(ids)
        else:
            cells[col] = [link_cell(i, n) or "" for i, n in zip(ids, raw[col].tolist(), strict=True)]
        links[col] = col == by and any(";" in str(i) for i in ids)
    if "url" in columns:  # shown as a link by the pages: only an http(s) address may be one (the CSV keeps it as is)
        cells["url"] = [safe_href(u) or "" for u in raw["url"].tolist()]
    return frame, date_column, cells, links


def _grid(cells: dict[str, pd.Series | list[str]]) -> pa.Table:
    """The shown columns as one Arrow table, which Streamlit sends as it is: given a pandas frame, it converts each
    column to Arrow again (with the frame built first, about 2 ms for a table of a few hundred rows)."""
    return pa.table({label: pa.array(values) for label, values in cells.items()})


@per_dataset
def _dataset_table_shown(
    ds: Dataset, table: str, columns: tuple[tuple[str, str], ...], wanted: tuple[tuple[str, str], ...]
) -> tuple[pd.DataFrame | Rows, str | None, pa.Table, dict[str, object]]:
    """_shown of one of the dataset's own tables; shared by every session: callers must not change it."""
    return _shown(ds, getattr(ds, table), dict(columns), dict(wanted))
