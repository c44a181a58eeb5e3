"""Record: everything about one record, where it comes from, and what links to it (opened as record?id=<id>)."""

import streamlit as st

from components.data import get_dataset
from components.filters import current_filters
from components.layout import show_header
from components.record import requested, show_candidates, show_help, show_record, show_unknown
from parley.records import find, matches

ds = get_dataset()
current_filters(ds)  # the sidebar stays the same on every page, though a record is shown whatever the filters
show_header(
    "Record",
    "Everything about one record: its fields in words, its sources and the records linked to it.",
    "All records (a record is shown whatever the filters)",
    ds,
)
record_id, kind = requested()
if not record_id:
    show_help()
    st.stop()
found = matches(ds, record_id)
if not found:
    show_unknown(record_id)
    st.stop()
if len(found) > 1 and kind not in {m.kind for m in found}:
    show_candidates(record_id, found)
    st.stop()
show_record(find(ds, record_id, kind if len(found) > 1 else found[0].kind))
