"""render_plan_pair: choose the two peace plans to compare (kept in the session, not the URL)."""

from __future__ import annotations

import streamlit as st

from parley.loading import Dataset
from parley.plans import PlanView, plan_choices

# Session state, not the URL: the filter object owns the query string (components.filters writes it whole on every
# run and reports any other key in a link as "not a filter of this app"), and Filters has no field for plans.
K_PLAN_A, K_PLAN_B = "plans.plan_a", "plans.plan_b"


def render_plan_pair(ds: Dataset, view: PlanView) -> tuple[str, str]:
    """Two selectboxes, newest plans first; a choice that has left the view falls back to the default pair
    (the second newest plan as A, the newest as B)."""
    # Option texts are shown as plain text by the selectbox (never Markdown), so titles need no escaping here.
    options, names, defaults = plan_choices(ds, view)
    for key, default in ((K_PLAN_A, defaults[0]), (K_PLAN_B, defaults[1])):
        if st.session_state.get(key) not in options:
            st.session_state[key] = default
    left, right = st.columns(2)
    a = left.selectbox("Plan A", options, key=K_PLAN_A, format_func=names.get, persist_state="session")
    b = right.selectbox("Plan B", options, key=K_PLAN_B, format_func=names.get, persist_state="session")
    return str(a), str(b)
