"""show_table: a filtered table plus its CSV download (exactly the filtered rows, spreadsheet-safe).

Ids and round names in the table link to their record page (record?id=...); the CSV keeps the plain ids and names.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.briefing import register_table
from parley.export import file_name, to_csv_bytes
from parley.loading import Dataset
from parley.record_links import AUTO_LINKS, LINK_DISPLAY, link_cell, safe_href
from parley.selection import Rows, as_frame

MAX_ROWS_SHOWN = 1000  # the browser payload, not pandas, is the cost: never send more rows than this at once
LIST_HELP = "Opens the first record; the row's own record page lists them all."


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
) -> None:
    """Show `frame[columns]` with readable headers; the CSV has the same columns and every filtered row.

    `links` maps a shown column to the column holding the record id(s) it links to (None: no link); id columns and
    round names (ID_COLUMNS, AUTO_LINKS) link without being named."""
    total = len(frame)
    wanted = {col: by for col, by in {**AUTO_LINKS, **(links or {})}.items() if col in columns and by}
    # Only the rows shown are built here; the CSV is built from every filtered row when the button is clicked.
    head = frame.head(MAX_ROWS_SHOWN)
    wanted = {col: by for col, by in wanted.items() if by in head.columns}
    raw = as_frame(head, list(dict.fromkeys([*columns, *wanted.values()])))
    shown = raw[list(columns)].rename(columns=columns)
    config: dict[str, object] = {}
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            config[col] = st.column_config.DateColumn(col, format="D MMM YYYY")
    for col, by in wanted.items():
        label = columns[col]
        names = None if col == by else raw[col].tolist()
        ids = raw[by].tolist()
        shown[label] = [link_cell(i, None if names is None else n) for i, n in zip(ids, names or ids, strict=True)]
        listed = col == by and any(";" in str(i) for i in ids)
        config[label] = st.column_config.LinkColumn(
            label, display_text=LINK_DISPLAY, alignment="left", help=LIST_HELP if listed else None
        )
    if "url" in columns:  # shown as a link by the pages: only an http(s) address may be one (the CSV keeps it as is)
        shown[columns["url"]] = raw["url"].map(safe_href)
    config.update(column_config or {})
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, key=key)
    register_table(name, frame, columns)  # the briefing pack prints its first rows and cites its sources
    row = st.container(horizontal=True, vertical_alignment="center")
    if total > MAX_ROWS_SHOWN:
        row.caption(f"Showing the first {MAX_ROWS_SHOWN:,} of {total:,} rows; the CSV holds all {total:,}.")
    else:
        row.caption(f"{total:,} row(s)")
    row.download_button(
        "Download CSV",
        data=lambda: to_csv_bytes(as_frame(frame, columns).rename(columns=columns)),
        file_name=file_name(page, name, ds.version, date.today(), "csv"),
        mime="text/csv",
        key=f"{key}.csv",
        on_click="ignore",
        icon="⬇️",
    )
