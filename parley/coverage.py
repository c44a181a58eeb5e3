"""Where the record starts and ends, per table and month: an empty chart must not read as "nothing happened"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from parley.charts import coverage_chart
from parley.filters import Filters, format_date
from parley.grouping import month_codes
from parley.loading import Dataset
from parley.memo import per_dataset
from parley.selection import Rows
from parley.views import apply_view

# Table label → (Dataset field, date column). Loaded tables are in date order, so their span is the first and last.
DATED = {
    "rounds": ("talks", "start_date"),
    "positions": ("positions", "date"),
    "reactions": ("reactions", "date"),
    "plans": ("plans", "presented"),
}


@dataclass(frozen=True)
class Span:
    label: str
    first: pd.Timestamp | None
    last: pd.Timestamp | None
    count: int


@per_dataset
def spans(ds: Dataset) -> tuple[Span, ...]:
    out = []
    for label, (table, column) in DATED.items():
        dates = getattr(ds, table)[column]
        known = dates.dropna() if dates.hasnans else dates
        # Sorted on load, so the ends are the first and last values (not a scan of a million dates).
        first, last = (known.iloc[0], known.iloc[-1]) if len(known) else (None, None)
        if len(known) and not known.is_monotonic_increasing:
            first, last = known.min(), known.max()
        out.append(Span(label, first, last, len(dates)))
    return tuple(out)


@per_dataset
def last_day(ds: Dataset) -> pd.Timestamp | None:
    """The last date anything in the record is dated (a round's end included)."""
    days = [s.last for s in spans(ds) if s.last is not None]
    ends = ds.talks["end_date"].dropna()
    if len(ends):
        days.append(ends.max())
    return max(days) if days else None


def through_text(ds: Dataset) -> str:
    day = last_day(ds)
    return f"records through {format_date(day)}" if day is not None else "no dated records"


@per_dataset
def spans_text(ds: Dataset) -> str:
    """'rounds 28 Feb 2022 – 22 Mar 2026 (52) · positions ...' for the tables that hold records."""
    parts = [f"{s.label} {format_date(s.first)} – {format_date(s.last)} ({s.count:,})" for s in spans(ds) if s.count]
    return " · ".join(parts)


def why_empty(ds: Dataset, f: Filters) -> str:
    """Whether nothing is coded for the window, or the other filters exclude what the window holds."""
    window = Filters(start=f.start, end=f.end)
    if f.start is None and f.end is None:
        return "Widen or clear a filter in the sidebar: together they exclude every record."
    if apply_view(ds, window).is_empty:
        return (
            f"Nothing is coded between {format_date(f.start) if f.start else 'the start'} and "
            f"{format_date(f.end) if f.end else 'the end'}: the record spans {spans_text(ds)}. "
            "Widen the date range."
        )
    return (
        "The window holds records, but the other filters (parties, issues, talk formats, hiding low confidence) "
        "exclude them all. Widen or clear one of them in the sidebar."
    )


@per_dataset
def monthly(ds: Dataset) -> pd.DataFrame:
    """Records per month per table, over the whole record: month, table, count. Shared: callers must not change it."""
    frames = []
    for label, (table, column) in DATED.items():
        dates = getattr(ds, table)[column].dropna()
        if not len(dates):
            continue
        # Months by table lookup and one bincount: sorting a million dates (np.unique) costs ten times as much.
        months = month_codes(Rows.all(pd.DataFrame({"d": dates.to_numpy()})), "d")
        counts = np.bincount(months.codes, minlength=months.size)
        present = np.flatnonzero(counts)
        frames.append(pd.DataFrame({"month": months.values[present], "table": label, "count": counts[present]}))
    if not frames:
        return pd.DataFrame(columns=["month", "table", "count"])
    return pd.concat(frames, ignore_index=True)


@per_dataset
def monthly_chart(ds: Dataset) -> dict:
    """The chart of `monthly`: filters do not apply to it, so it is built once per dataset, not on every rerun."""
    return coverage_chart(monthly(ds))
