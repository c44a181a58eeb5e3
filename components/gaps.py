"""How far apart: the pair chooser and the gap section of the Positions page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components.charts import show_chart
from components.tables import show_table
from parley import gaps, palette
from parley.filters import Filters, format_date
from parley.gap_charts import gap_now_chart, gap_over_time_chart
from parley.loading import Dataset
from parley.text import escape_markdown

DEFAULT_PAIR = ("RUS", "UKR")
COMPARE_WITH = {"90 days earlier": 90, "a year earlier": 365}


def choose_pair(ds: Dataset, placed: gaps.Placed, key: str) -> tuple[str, str] | None:
    """Two parties that hold options in the view (default Russia and Ukraine); None, with a note, when fewer do."""
    counts = placed.actor_counts()
    candidates = [a for a in ds.parties if a in counts] + [a for a in counts if a not in ds.parties]
    if len(candidates) < 2:
        st.info(
            "Fewer than two parties hold an option on an issue scale in this view, so there is no gap to measure. "
            "Widen the date range or the party filter.",
            icon=":material/search:",
        )
        return None
    first = DEFAULT_PAIR[0] if DEFAULT_PAIR[0] in candidates else candidates[0]
    second = DEFAULT_PAIR[1] if DEFAULT_PAIR[1] in candidates and first != DEFAULT_PAIR[1] else None
    second = second or next(c for c in candidates if c != first)
    left, right = st.columns(2)
    a = left.selectbox("Party", candidates, index=candidates.index(first), format_func=ds.actor_name, key=f"{key}.a")
    others = [c for c in candidates if c != a]
    b = right.selectbox(
        "Compared with",
        others,
        index=others.index(second) if second in others else 0,
        format_func=ds.actor_name,
        key=f"{key}.b",
    )
    return a, b


def show_gaps(ds: Dataset, f: Filters, placed: gaps.Placed, described: str, key: str) -> None:
    pair = choose_pair(ds, placed, key)
    if pair is None:
        return
    names = (ds.actor_name(pair[0]), ds.actor_name(pair[1]))
    days = COMPARE_WITH[st.radio("Change since", list(COMPARE_WITH), horizontal=True, key=f"{key}.since", index=1)]
    today = gaps.reference_day(placed, f.end)
    then = gaps.days_before(today, days)
    table = gaps.gap_table(placed, ds.issue_options, pair, today, then)
    shown = gaps.with_none_placed(table)
    if gaps.measured(table).empty:
        st.info(
            f"{escape_markdown(names[0])} and {escape_markdown(names[1])} never both hold an option on the same "
            "issue in this view.",
            icon=":material/search:",
        )
    show_chart(
        gap_now_chart(table, names, (palette.party_colour(pair[0]), palette.party_colour(pair[1]))),
        title="Gap now",
        page="positions",
        ds=ds,
        filters_text=f"{described} · {names[0]} and {names[1]} as of {_day(today)}",
        key=f"{key}.now",
    )
    st.caption(
        "Each party's latest option on each issue's scale as of "
        f"{_day(today)}; the grey bar is the gap. Hollow = that option rests on a disputed or low-confidence "
        "record. Ranks order the options, they do not measure distance: compare gaps within an issue or over time."
    )
    show_table(
        shown,
        page="positions",
        name="gap by issue",
        ds=ds,
        key=f"{key}.table",
        columns={
            "issue_label": "Issue",
            "a_option": names[0],
            "a_date": f"{names[0]} since",
            "b_option": names[1],
            "b_date": f"{names[1]} since",
            "gap": "Gap (steps)",
            "scale_size": "Options on the scale",
            "gap_then": f"Gap on {_day(then)}",
            "change": "Change (steps)",
            "caution": "Rests on a flagged record",
        },
    )
    over_time = gaps.gap_over_time(placed, pair, ds.labels["issue"])
    if over_time.empty:
        return
    show_chart(
        gap_over_time_chart(over_time, gaps.scale_size_map(ds.issue_options)),
        title="Gap over time",
        page="positions",
        ds=ds,
        filters_text=f"{described} · {names[0]} and {names[1]}",
        key=f"{key}.over_time",
    )
    st.caption(
        "The gap on each issue from the first day both parties held an option on it: the thicker the bar, the wider "
        "the gap as a share of the issue's scale (a hairline = same option). A hollow bar rests on a disputed or "
        "low-confidence record."
    )


def _day(day: pd.Timestamp | date | None) -> str:
    return format_date(day) if day is not None else "—"
