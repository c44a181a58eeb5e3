"""Page header, empty state and safe text: the frame every page shares."""

from __future__ import annotations

import streamlit as st

from components.briefing import start_pack
from components.data import get_dataset
from components.filters import current_filters
from parley.coverage import through_text, why_empty
from parley.loading import Dataset
from parley.text import escape_markdown


def show_header(title: str, question: str, filters_text: str, ds: Dataset) -> None:
    st.title(title)
    st.caption(
        f"{question}  \n**Showing:** {escape_markdown(filters_text)} · data version {escape_markdown(ds.version)}"
        f" · {escape_markdown(through_text(ds))}"
    )
    start_pack(title, question, filters_text, ds)  # every page starts here: the briefing pack of this run


def show_empty(what: str) -> None:
    """Say that nothing matches, and why: nothing is coded for the window, or the other filters exclude it."""
    ds = get_dataset()  # the page has loaded it already: a cache hit
    st.info(f"No {what} match the current filters. {why_empty(ds, current_filters(ds))}", icon=":material/search:")


def show_text(text: str) -> None:
    """Text from the data, shown literally: Markdown and HTML in it are escaped, never interpreted."""
    st.markdown(escape_markdown(text))


def show_flag_legend() -> None:
    st.caption(
        "Flags: **disputed** = sources conflict or no source confirms it · **low confidence** = single "
        "secondary source, anonymous sourcing or announcement only · **single source** = one source cited."
    )
