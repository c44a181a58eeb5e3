"""A page's sections as tabs, of which only the open one is drawn; the open section is part of the link."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.registry import PageEntry

P_VIEW = "view"  # the link parameter naming the open section


def section_key(page: PageEntry) -> str:
    return f"{page.url_path}.view"


def open_section(page: PageEntry) -> str | None:
    """The slug of the section the reader has open: the tab they chose, else the link's, else the first."""
    if not page.sections:
        return None
    by_label = {label: slug for slug, label in page.sections}
    chosen = st.session_state.get(section_key(page))
    if chosen in by_label:
        return by_label[chosen]
    linked = st.query_params.get(P_VIEW)
    return linked if linked in dict(page.sections) else page.sections[0][0]


def view_query(page: PageEntry | None) -> dict[str, list[str]]:
    """The link parameter for the open section; none for the first section, so a plain link stays plain."""
    if page is None or not page.sections:
        return {}
    slug = open_section(page)
    return {} if slug == page.sections[0][0] else {P_VIEW: [str(slug)]}


def render_sections(page: PageEntry) -> tuple[str, DeltaGenerator]:
    """Draw the page's tabs and return the open section's slug and its container.

    The tabs rerun the page when the reader switches (on_change="rerun"), so a page draws the open section only:
    a rerun after a filter change computes what is on screen, not every section of a long page."""
    key = section_key(page)
    labels = dict(page.sections)
    if key not in st.session_state:  # the session's first run of the page: open the section the link names
        st.session_state[key] = labels[str(open_section(page))]
    tabs = st.tabs(list(labels.values()), key=key, on_change="rerun")
    for slug, tab in zip(labels, tabs, strict=True):
        if tab.open:
            return slug, tab
    return next(iter(labels)), tabs[0]  # Streamlit always opens one; kept for a tab state it did not restore
