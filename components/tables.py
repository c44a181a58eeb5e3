"""show_table: a filtered table plus its CSV download (exactly the filtered rows, spreadsheet-safe)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from parley.export import file_name, to_csv_bytes
from parley.loading import Dataset

MAX_ROWS_SHOWN = 1000  # the browser payload, not pandas, is the cost: never send more rows than this at once


def show_table(
    frame: pd.DataFrame,
    *,
    page: str,
    name: str,
    ds: Dataset,
    columns: dict[str, str],
    column_config: dict[str, object] | None = None,
    key: str,
    height: int | None = None,
    on_select: bool = False,
) -> object:
    """Show `frame[columns]` with readable headers; the CSV has the same columns and every filtered row."""
    view = frame[list(columns)].rename(columns=columns)
    shown = view.head(MAX_ROWS_SHOWN)
    config: dict[str, object] = {}
    for col in shown.columns:
        if pd.api.types.is_datetime64_any_dtype(shown[col]):
            config[col] = st.column_config.DateColumn(col, format="D MMM YYYY")
    config.update(column_config or {})
    kwargs: dict[str, object] = {"hide_index": True, "width": "stretch", "column_config": config, "key": key}
    if height:
        kwargs["height"] = height
    if on_select:
        kwargs.update(on_select="rerun", selection_mode="single-row")
    event = st.dataframe(shown, **kwargs)
    left, right = st.columns([3, 1])
    if len(view) > MAX_ROWS_SHOWN:
        left.caption(f"Showing the first {MAX_ROWS_SHOWN:,} of {len(view):,} rows; the CSV holds all {len(view):,}.")
    else:
        left.caption(f"{len(view):,} row(s)")
    right.download_button(
        "Download CSV",
        data=lambda: to_csv_bytes(view),
        file_name=file_name(page, name, ds.version, date.today(), "csv"),
        mime="text/csv",
        key=f"{key}.csv",
        on_click="ignore",
        icon="⬇️",
    )
    return event
