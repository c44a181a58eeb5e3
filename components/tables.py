"""show_table: a filtered table plus its CSV download (exactly the filtered rows, spreadsheet-safe)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.briefing import register_table
from parley.export import file_name, to_csv_bytes
from parley.loading import Dataset
from parley.selection import Rows, as_frame

MAX_ROWS_SHOWN = 1000  # the browser payload, not pandas, is the cost: never send more rows than this at once


def show_table(
    frame: pd.DataFrame | Rows,
    *,
    page: str,
    name: str,
    ds: Dataset,
    columns: dict[str, str],
    column_config: dict[str, object] | None = None,
    key: str,
) -> None:
    """Show `frame[columns]` with readable headers; the CSV has the same columns and every filtered row."""
    total = len(frame)
    # Only the rows shown are built here; the CSV is built from every filtered row when the button is clicked.
    shown = as_frame(frame.head(MAX_ROWS_SHOWN), columns).rename(columns=columns)
    config: dict[str, object] = {}
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            config[col] = st.column_config.DateColumn(col, format="D MMM YYYY")
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
