"""render_round_picker: choose one round, from the list or by clicking the timeline; render_zoom: the span drawn."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.filters import K_ROUND
from components.registry import page_at
from components.sections import section_key
from parley.aggregate import round_span
from parley.filters import format_date
from parley.loading import Dataset
from parley.memo import per_dataset

_LAST_CLICK = "timeline.last_click"


def _clicked(event: object) -> str | None:
    points = getattr(getattr(event, "selection", None), "points", None) or []
    for point in points:
        data = point.get("customdata") if isinstance(point, dict) else None
        if data:
            return str(data[0])
    return None


def _show_chosen_round() -> None:
    """A round just chosen is shown at once: its section opens, whichever section the reader had open."""
    if st.session_state.get(K_ROUND) is not None:
        page = page_at("timeline")
        st.session_state[section_key(page)] = dict(page.sections)["round"]


@per_dataset
def _round_titles(talks: pd.DataFrame) -> dict[str, str]:
    """Every round's name in the list, worked out once per dataset: the list names each round in view on every rerun
    (thousands at a million records)."""
    return dict(zip(talks["talk_id"], talks["title"] + " · " + talks["start_date"].map(format_date), strict=True))


def render_round_picker(ds: Dataset, talks: pd.DataFrame, chart_event: object) -> str | None:
    """A click on the chart selects the round once; afterwards the list decides, so the two never fight.

    `talks` are the rounds in view, a selection of the dataset's."""
    clicked = _clicked(chart_event)
    if clicked and clicked != st.session_state.get(_LAST_CLICK):
        st.session_state[K_ROUND] = clicked
        st.session_state[_LAST_CLICK] = clicked
        _show_chosen_round()
        # The link to this view was written before the page ran: run again so it names the round at once.
        st.rerun()
    st.session_state[_LAST_CLICK] = clicked
    ordered = talks.sort_values("start_date", ascending=False)
    options = ordered["talk_id"].tolist()
    if st.session_state.get(K_ROUND) not in options:
        st.session_state[K_ROUND] = None
    titles = _round_titles(ds.talks)
    return st.selectbox(
        "Open a round",
        options,
        key=K_ROUND,
        format_func=lambda t: titles.get(t, t),
        index=None,
        placeholder="Choose a round to see participants, outcome and sources",
        persist_state="session",
        on_change=_show_chosen_round,
    )


def render_zoom(talks: pd.DataFrame, key: str) -> tuple[date, date] | None:
    """A slider over the rounds' span: the chart, and its image, show exactly this window (None: too short to zoom).

    The bounds are part of the widget's key, so new filters start again from the whole span."""
    span = round_span(talks)
    if span is None or (span[1] - span[0]).days < 2:
        return span
    chosen = st.slider(
        "Zoom",
        min_value=span[0],
        max_value=span[1],
        value=span,
        format="D MMM YYYY",
        key=f"{key}.{span[0].isoformat()}.{span[1].isoformat()}",
        help="The span the chart draws; the PNG and SVG downloads show the same span. The table lists every round "
        "in the date filter.",
    )
    return (chosen[0], chosen[1])
