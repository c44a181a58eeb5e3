"""Record: everything about one record, where it comes from, what links to it, its history and how to correct it
(opened as record?id=<id>)."""

import streamlit as st

from components.correction import render_correction, show_flash, show_history
from components.data import data_dir, get_dataset, get_store
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
show_flash()
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
record = find(ds, record_id, kind if len(found) > 1 else found[0].kind)
show_record(record)
show_history(get_store(), record, ds)
render_correction(ds, get_store(), data_dir(), record)
