"""The search box (its words carried in the URL as `q`), the shared search index, and the results by kind."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from components.tables import show_table
from parley.loading import Dataset
from parley.search import KINDS, MAX_QUERY_CHARS, SearchIndex, SearchResults, build_index, describe_counts

K_QUERY = "search.q"
P_QUERY = "q"  # a page parameter: components.filters leaves it in the link (PAGE_PARAMS)
MAX_INDEXES = 2  # as many as datasets kept by components.data: the current one and the one before an import


@dataclass
class _Indexes:
    """Search indexes built in this process, one per Dataset object, shared by every session."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: OrderedDict[int, tuple[weakref.ref, SearchIndex]] = field(default_factory=OrderedDict)


@st.cache_resource
def _indexes() -> _Indexes:
    return _Indexes()


def get_index(ds: Dataset) -> SearchIndex:
    """The index of this dataset, built on first use. Keyed on the object itself: the weak reference makes sure a
    new dataset that happens to reuse a freed one's id never gets the old index."""
    indexes = _indexes()
    with indexes.lock:
        entry = indexes.entries.get(id(ds))
        if entry is not None and entry[0]() is ds:
            indexes.entries.move_to_end(id(ds))
            return entry[1]
        with st.spinner("Building the search index (once per data version)…"):
            index = build_index(ds)
        indexes.entries[id(ds)] = (weakref.ref(ds), index)
        while len(indexes.entries) > MAX_INDEXES:
            indexes.entries.popitem(last=False)  # sessions still holding it finish with it; then it is freed
        return index


def _to_url() -> None:
    # A callback runs before app.py redraws the filters, so the share link already carries the new words.
    text = st.session_state.get(K_QUERY) or ""
    if text.strip():
        st.query_params[P_QUERY] = text
    elif P_QUERY in st.query_params:
        del st.query_params[P_QUERY]


def render_search_box() -> str:
    """The search box, seeded from the link's `q` when the session first shows it."""
    if K_QUERY not in st.session_state:
        st.session_state[K_QUERY] = (st.query_params.get(P_QUERY) or "")[:MAX_QUERY_CHARS]
    text = st.text_input(
        "Search every record",
        key=K_QUERY,
        max_chars=MAX_QUERY_CHARS,
        placeholder="e.g. Erdogan, prisoner exchange, Zaporizhzhia",
        on_change=_to_url,
        help="Plain words, all of which must appear; accents and case do not matter, and an actor's name also "
        "finds its other names (Turkey finds Türkiye). Quotes, AND/OR/NOT and other search syntax are read as "
        "words.",
    )
    return text or ""


def show_scope(scope: pd.DataFrame) -> None:
    """What a search reads under the current filters, kind by kind."""
    st.caption("Records the search reads under the current filters:")
    st.dataframe(
        scope.rename(columns={"kind": "Kind", "records": "Records"}),
        hide_index=True,
        width="content",
        key="search.scope",
    )


def show_results(results: SearchResults, ds: Dataset) -> None:
    """One table per kind with matches: a link to each record's page, the text quoted literally, a CSV."""
    for kind in KINDS:
        count = results.counts.get(kind.key)
        if count is None or count.kept == 0:
            continue
        st.subheader(f"{kind.label} ({count.kept:,}{'+' if count.truncated else ''})")
        st.caption(describe_counts(count))
        show_table(
            results.of(kind.key),
            page="search",
            name=kind.label.lower(),
            ds=ds,
            key=f"search.{kind.key}",
            columns={"link": "Record", "title": "Title", "snippet": "Text", "date": "Date"},
            column_config={"Record": st.column_config.LinkColumn("Record", display_text=r"record\?id=(.*)")},
        )
