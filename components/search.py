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
from parley.search import KIND, MAX_QUERY_CHARS, SearchIndex, SearchResults, describe_counts, load_index

K_QUERY = "search.q"
K_KIND = "search.kind"
P_QUERY = "q"  # a page parameter: components.filters leaves it in the link (PAGE_PARAMS)
P_KIND = "kind"  # the kind of record listed; a page parameter too
MAX_INDEXES = 2  # as many as datasets kept by components.data: the current one and the one before an import


@dataclass
class _Indexes:
    """Search indexes opened or built in this process, one per Dataset object, shared by every session."""

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
        with st.spinner("Preparing the search index (built once per data version)…"):
            index = load_index(ds)
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


def _kind_label(results: SearchResults, key: str) -> str:
    count = results.counts[key]
    return f"{KIND[key].label} ({count.kept:,}{'+' if count.truncated else ''})"


def _kind_to_url() -> None:
    # Run before the page redraws: the share link names the kind of record now open.
    st.query_params[P_KIND] = str(st.session_state.get(K_KIND) or "")


def choose_kind(results: SearchResults) -> str:
    """The kind of record whose results are listed: the reader's choice, else the link's, else the first kind with
    results (then the link names none). One kind at a time: a list of every kind's results cost more than the rest
    of the page, and on a phone it was a long scroll past kinds the reader did not want."""
    found = results.found
    if st.session_state.get(K_KIND) not in found:
        linked = st.query_params.get(P_KIND)
        st.session_state[K_KIND] = linked if linked in found else found[0]
    chosen = st.segmented_control(
        "Kind of record",
        found,
        format_func=lambda key: _kind_label(results, key),
        key=K_KIND,
        required=True,
        on_change=_kind_to_url,
        help="How many records of each kind hold every word within the filters; a + means at least that many.",
    )
    kind = chosen if chosen in found else found[0]
    wanted = None if kind == found[0] else kind
    if st.query_params.get(P_KIND) != wanted:  # the link names the open kind only when it is not the first one
        if wanted is None:
            del st.query_params[P_KIND]
        else:
            st.query_params[P_KIND] = wanted
    return kind


def show_results(results: SearchResults, ds: Dataset) -> None:
    """The chosen kind's matches: a link to each record's page, the text quoted literally, a CSV."""
    key = choose_kind(results)
    kind, count = KIND[key], results.counts[key]
    st.subheader(_kind_label(results, key))
    st.caption(describe_counts(count))
    show_table(
        results.of(key),
        page="search",
        name=kind.label.lower(),
        ds=ds,
        key=f"search.{key}",
        columns={"link": "Record", "title": "Title", "snippet": "Text", "date": "Date"},
        column_config={"Record": st.column_config.LinkColumn("Record", display_text=r"record\?id=(.*)")},
    )
