"""show_meaning_legend: the Codebook's legend of meanings, every palette with its colours and labels."""

from __future__ import annotations

import streamlit as st

from parley.legend_chart import legend_chart, legend_rows
from parley.loading import Dataset
from parley.text import escape_markdown


def show_meaning_legend(ds: Dataset, columns: int = 3) -> None:
    rows = legend_rows(ds.labels)
    slots = st.columns(columns)
    for i, (meaning, part) in enumerate(rows.groupby("meaning", sort=False)):
        with slots[i % columns]:
            st.markdown(f"**{escape_markdown(str(meaning))}**")
            st.vega_lite_chart(legend_chart(part), width="content", theme=None, key=f"codebook.legend.{i}")
