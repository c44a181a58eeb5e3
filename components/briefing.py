"""Briefing pack: the sidebar buttons, and the register of what the page shows in this run.

show_header starts a new Pack on every run and draws the buttons; show_metric, show_chart and show_table add to it as
the page runs. The buttons' callables run on click, after the run has finished, so they read the complete Pack of
the run the reader is looking at (parley.briefing writes the file).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from parley.briefing import ChartSource, Pack, find_chromium, pack_title, to_html, to_pdf
from parley.export import file_name
from parley.loading import Dataset
from parley.selection import Rows
from parley.text import escape_markdown

K_PACK, K_HTML, K_PDF = "briefing.pack", "briefing.html", "briefing.pdf"
NO_CHROMIUM = (
    "PDF needs Chromium on the server (Debian: `apt-get install chromium`); the HTML pack works without it and "
    "prints to PDF from any browser."
)


def start_pack(title: str, question: str, filters_text: str, ds: Dataset) -> None:
    """A new, empty pack for this run of the page, and the buttons that download it."""
    pack = Pack(page=title, title=title, question=question, filters_text=filters_text)
    st.session_state[K_PACK] = pack
    chromium = find_chromium()
    with st.sidebar:
        st.caption("📑 Briefing pack: this view's figures, charts, first rows of each table and numbered sources")
        row = st.container(horizontal=True)
        row.download_button(
            "HTML",
            data=lambda: to_html(pack, ds, date.today()).encode("utf-8"),
            file_name=file_name(pack.page, "briefing", ds.version, date.today(), "html"),
            mime="text/html",
            key=K_HTML,
            on_click="ignore",
            icon=":material/description:",
            help=f"{pack_title(pack)}: one HTML file that opens offline and loads nothing",
        )
        row.download_button(
            "PDF",
            data=(lambda: to_pdf(to_html(pack, ds, date.today()), chromium)) if chromium else b"",
            file_name=file_name(pack.page, "briefing", ds.version, date.today(), "pdf"),
            mime="application/pdf",
            key=K_PDF,
            on_click="ignore",
            icon=":material/description:",
            disabled=chromium is None,
            help=NO_CHROMIUM if chromium is None else f"{pack_title(pack)} as PDF, printed on the server",
        )
        if chromium is None:
            st.caption(NO_CHROMIUM)


def current_pack() -> Pack | None:
    """This run's pack, or None on a page that has not started one (its parts must not land in another page's)."""
    ctx = get_script_run_ctx()
    keys = getattr(getattr(ctx, "shared", None), "widget_user_keys_this_run", None)
    if keys is not None and K_HTML not in keys:
        return None
    return st.session_state.get(K_PACK)


def register_chart(title: str, source: ChartSource, filters_text: str) -> None:
    if (pack := current_pack()) is not None:
        pack.add_chart(title, source, filters_text)


def register_table(name: str, frame: pd.DataFrame | Rows, columns: dict[str, str]) -> None:
    if (pack := current_pack()) is not None:
        pack.add_table(name, frame, columns)


def cite(*records: pd.DataFrame | Rows) -> None:
    """Cite in the pack the sources of records a page sums up without listing them."""
    if (pack := current_pack()) is not None:
        pack.cite(*records)


def show_metric(where: object, label: str, value: object, *, help: str = "", detail: str = "") -> None:
    """st.metric, also put in the pack. `help` is the app's own words (Markdown); `detail` is data text, shown
    literally in the help and the pack."""
    where.metric(label, value, help=escape_markdown(detail) if detail else help)  # type: ignore[attr-defined]
    if (pack := current_pack()) is not None:
        pack.add_figure(label, value, detail or help)
