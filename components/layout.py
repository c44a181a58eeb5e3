"""Page header, empty state and safe text: the frame every page shares."""

from __future__ import annotations

import streamlit as st

from parley.loading import Dataset
from parley.text import escape_markdown


def show_header(title: str, question: str, filters_text: str, ds: Dataset) -> None:
    st.title(title)
    st.caption(
        f"{question}  \n**Showing:** {escape_markdown(filters_text)} · data version {escape_markdown(ds.version)}"
    )


def show_empty(what: str) -> None:
    st.info(
        f"No {what} match the current filters. Widen the date range or clear a filter in the sidebar.",
        icon="🔍",
    )


def show_text(text: str) -> None:
    """Text from the data, shown literally: Markdown and HTML in it are escaped, never interpreted."""
    st.markdown(escape_markdown(text))


def show_flag_legend() -> None:
    st.caption(
        "Flags: **disputed** = sources conflict or no source confirms it · **low confidence** = single "
        "secondary source, anonymous sourcing or announcement only · **single source** = one source cited."
    )
