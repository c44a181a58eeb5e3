"""Add an article: how does an analyst code one article's rounds, participants, agreed items, positions, reactions,
commitment events and plan provisions without editing a file or typing an id?"""

import streamlit as st

from components.article import (
    check,
    discard,
    existing_ids,
    known_urls,
    render_article,
    render_confirm,
    render_saved_drafts,
    save_draft,
    show_article_problems,
    show_flash,
    show_saved_where,
    start_draft,
)
from components.article_forms import render_draft_records, render_record_forms
from components.data import data_dir, get_dataset, get_store, store_status
from components.filters import current_filters, filters_text
from components.layout import show_header
from parley.article import article_source_id, draft_size, to_bundle

ds = get_dataset()
f = current_filters(ds)
store = get_store()
show_header(
    "Add an article",
    "Code one article's rounds, participants, agreed items, positions, reactions, commitment events and plan "
    "provisions in forms: checked as you type, ids given for you, one import batch.",
    filters_text(ds, f),
    ds,
)
show_flash()
refused = store_status().write_refused
if refused:
    st.warning(refused, icon=":material/lock:")
    st.stop()  # the draft could be neither kept nor imported; the banner above says how to fix the store
render_saved_drafts(store)
draft = start_draft(store)

st.subheader("The article")
source = render_article(ds, draft)
if source != draft["source"]:
    draft["source"] = source
    save_draft(store, draft)
show_saved_where()
built = to_bundle(draft, existing_ids(ds), known_urls(ds))
preview = check(built, store, data_dir())
show_article_problems(preview, source, all_fields=draft_size(draft) > 0)
if not source["url"]:
    st.info("Start with the article's URL: every record coded below cites it.", icon=":material/link:")
    st.stop()

st.subheader("What the article reports")
st.caption("Issue scales and the peace plans themselves change with a data release; a plan's points are coded here.")
render_record_forms(ds, draft, store, data_dir(), article_source_id(source["url"], known_urls(ds)))

st.subheader("Preview and confirm")
if draft_size(draft) == 0:
    st.caption(
        "Nothing added yet: add a position, a reaction, a round, a participant, an agreed item, a commitment event, "
        "a plan provision or an actor above."
    )
else:
    render_draft_records(draft, built, store)
    render_confirm(preview, store, built)
if st.button("Discard this draft", key="add.discard", icon=":material/delete:"):
    discard(store)
    st.rerun()
