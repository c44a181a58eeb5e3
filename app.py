"""Parley: a peace-talks tracker. This file only routes: page config, global filters, navigation."""

import streamlit as st

from components.data import get_dataset, render_new_records_notice
from components.filters import render_filters
from components.registry import HIDDEN_PAGES, PAGES, ROOT

st.set_page_config(page_title="Parley — peace-talks tracker", page_icon="🕊️", layout="wide")

navigation = st.navigation(
    [
        st.Page(str(ROOT / p.path), title=p.title, icon=p.icon, url_path=p.url_path, default=(i == 0))
        for i, p in enumerate(PAGES)
    ]
    + [
        st.Page(str(ROOT / p.path), title=p.title, icon=p.icon, url_path=p.url_path, visibility="hidden")
        for p in HIDDEN_PAGES
    ]
)
dataset = get_dataset()
render_filters(dataset)
render_new_records_notice()
navigation.run()
