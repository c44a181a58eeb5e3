"""render_round_picker: choose one round, from the list or by clicking the timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.filters import K_ROUND
from parley.filters import format_date

_LAST_CLICK = "timeline.last_click"


def _clicked(event: object) -> str | None:
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        data = point.get("customdata") if isinstance(point, dict) else None
        if data:
            return str(data[0])
    return None


def render_round_picker(talks: pd.DataFrame, chart_event: object) -> str | None:
    """A click on the chart selects the round once; afterwards the list decides, so the two never fight."""
    clicked = _clicked(chart_event)
    if clicked and clicked != st.session_state.get(_LAST_CLICK):
        st.session_state[K_ROUND] = clicked
    st.session_state[_LAST_CLICK] = clicked
    ordered = talks.sort_values("start_date", ascending=False)
    options = ordered["talk_id"].tolist()
    if st.session_state.get(K_ROUND) not in options:
        st.session_state[K_ROUND] = None
    titles = dict(
        zip(ordered["talk_id"], ordered["title"] + " · " + ordered["start_date"].map(format_date), strict=True)
    )
    return st.selectbox(
        "Open a round",
        options,
        key=K_ROUND,
        format_func=lambda t: titles.get(t, t),
        index=None,
        placeholder="Choose a round to see participants, outcome and sources",
        persist_state="session",
    )
