"""Parley: a peace-talks tracker. This file only routes: page config, global filters, navigation."""

import streamlit as st

from components.data import get_dataset, render_new_records_notice
from components.filters import render_filters
from components.registry import HIDDEN_PAGES, ICON, PAGES, ROOT, page_at

# The tab icon is a picture served by the app itself: an emoji needs an emoji font (an empty box without one), and a
# Material icon as favicon is fetched from Google's font server (no internet at run time).
st.set_page_config(page_title="Parley — peace-talks tracker", page_icon=str(ROOT / ICON), layout="wide")

navigation = st.navigation(
    [
        # The default page is served at "/" and, given a name, reserves it: it gets none, so that OVERVIEW_ALIAS
        # (hidden) serves the same page at /overview.
        st.Page(str(ROOT / p.path), title=p.title, icon=p.icon, url_path=p.url_path if i else "", default=(i == 0))
        for i, p in enumerate(PAGES)
    ]
    + [
        st.Page(str(ROOT / p.path), title=p.title, icon=p.icon, url_path=p.url_path, visibility="hidden")
        for p in HIDDEN_PAGES
    ]
)
dataset = get_dataset()
render_filters(dataset, page_at(navigation.url_path))
render_new_records_notice()
navigation.run()
