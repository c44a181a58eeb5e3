"""show_meaning_legend: the Codebook's legend of meanings, every palette with its colours and labels."""

from __future__ import annotations

import streamlit as st

from components.charts import with_arrow_rows
from parley.legend_chart import legend_specs
from parley.loading import Dataset
from parley.text import escape_markdown


def show_meaning_legend(ds: Dataset, columns: int = 3) -> None:
    slots = st.columns(columns)
    for i, (meaning, spec) in enumerate(legend_specs(ds)):
        with slots[i % columns]:
            st.markdown(f"**{escape_markdown(meaning)}**")
            st.vega_lite_chart(with_arrow_rows(spec), width="content", theme=None, key=f"codebook.legend.{i}")
