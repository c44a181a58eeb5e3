"""Import: how does an analyst add the records coded from new articles, check them before they land, undo them?"""

import streamlit as st

from components.data import data_dir, get_dataset, get_store
from components.filters import current_filters, filters_text
from components.imports import (
    preview_for,
    render_batches,
    render_confirm,
    render_export,
    render_templates,
    render_upload,
    show_flash,
    show_origin,
    show_preview,
)
from components.layout import show_header
from parley.views import apply_view

ds = get_dataset()
f = current_filters(ds)
store = get_store()
show_header(
    "Import",
    "Add the records coded from new articles: checked before anything is written, undone in one click.",
    filters_text(ds, f),
    ds,
)
show_flash()

st.subheader("Add records")
render_templates()
files = render_upload()
if files:
    preview = preview_for(files, store, data_dir())
    if show_preview(preview):
        render_confirm(preview, store)

st.subheader("Import batches")
render_batches(store, data_dir())

st.subheader("Records in the current view")
show_origin(apply_view(ds, f), ds)

st.subheader("Export everything")
render_export(ds, data_dir())
