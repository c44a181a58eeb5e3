"""Search: which records mention a name, place or phrase — rounds, positions, reactions, sources and the rest?"""

import streamlit as st

from components.data import get_dataset
from components.filters import current_filters, filters_text
from components.layout import show_empty, show_header
from components.search import get_index, render_search_box, show_results, show_scope
from parley.plans import plans_in_view
from parley.search import records_in_view, search
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
show_header("Search", "Which records mention a name, place or phrase?", filters_text(ds, f), ds)
text = render_search_box()
if apply_view(ds, f).is_empty and plans_in_view(ds, f).is_empty:
    show_empty("records")
    st.stop()
if not text.strip():
    st.caption(
        "Type one or more words: every record that holds all of them is found, within the sidebar filters, and "
        "counted by kind (rounds, positions, reactions, agreed items, sources, actors, fact checks, plans and their "
        "points); pick a kind to list its records, newest first. Each row links to the record's page. Names "
        "match whatever their spelling or accents: Erdogan finds Erdoğan, Zelenskyy finds Zelensky, Turkey finds "
        "Türkiye."
    )
    show_scope(records_in_view(ds, f))
    st.stop()

results = search(get_index(ds), ds, text, f)
if results.query.empty:
    st.info("The search holds no letters or digits to look for: type a word.", icon=":material/search:")
    st.stop()
if results.kept == 0:
    if results.matched:
        st.info(
            f"{results.matched:,} record(s) contain these words, but none within the current filters. "
            "Widen the date range or clear a filter in the sidebar.",
            icon=":material/search:",
        )
    else:
        st.info(
            "No record contains all of these words, whatever the filters. Try fewer or other words.",
            icon=":material/search:",
        )
    st.stop()
show_results(results, ds)
