"""Group a row selection by a few columns with numpy over category codes: counts and the latest row per group.

Grouping a million rows with pandas costs tens to hundreds of milliseconds per summary; the columns grouped on here
are categorical (or few-valued), so a group is a small integer and counting is one `bincount`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from parley.selection import Rows

MAX_DENSE_GROUPS = 4_000_000  # beyond this many possible groups, np.unique replaces bincount (memory)


@dataclass(frozen=True)
class Codes:
    """One grouping key: an integer per selected row in 0..size-1, and what each integer stands for."""

    codes: np.ndarray
    size: int
    values: np.ndarray


def column_codes(rows: Rows, column: str) -> Codes:
    """Category codes shifted so a missing value is its own group (0, shown empty); other columns are factorised."""
    if isinstance(rows.table[column].dtype, pd.CategoricalDtype):
        categories = rows.categories(column).astype(str)
        values = np.array(["", *categories], dtype=object)
        # The smallest type that holds them: a million int64 codes cost more to make than to use.
        kind = np.int16 if len(values) < 2**15 else np.int64
        return Codes(rows.codes(column).astype(kind) + kind(1), len(values), values)
    codes, uniques = pd.factorize(rows.values(column), use_na_sentinel=False)
    values = np.array([str(u) for u in uniques], dtype=object) if len(uniques) else np.array([""], dtype=object)
    return Codes(codes.astype(np.int64), len(values), values)


def month_codes(rows: Rows, column: str) -> Codes:
    """Months since the earliest selected month; each code stands for its month.

    Dates become day numbers (a division), and a table of the few thousand days in the span gives each its month:
    converting every one of a million dates to a month directly costs ten times as much."""
    days = rows.values(column).astype("datetime64[D]").astype(np.int64)
    first_day, last_day = int(days.min()), int(days.max())
    months = np.arange(first_day, last_day + 1).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    first = months[0]
    size = int(months[-1] - first) + 1
    values = (np.datetime64(int(first), "M") + np.arange(size)).astype("datetime64[us]")
    return Codes(months[days - first_day] - first, size, values)


@dataclass(frozen=True)
class Groups:
    """Per group that occurs: its number of rows and the position (in the selection) of its last row."""

    count: np.ndarray
    last: np.ndarray


def _group_numbers(keys: Sequence[Codes], n: int) -> np.ndarray:
    """Each row's group number, first key slowest (int64: a product of key sizes may not fit a small type)."""
    if not keys:
        return np.zeros(n, dtype=np.int64)
    key = keys[0].codes.astype(np.int64)
    for k in keys[1:]:
        key *= k.size
        key += k.codes
    return key


def group(rows: Rows, keys: Sequence[Codes]) -> Groups:
    """Groups in key order (first key slowest). Rows are in date order, so the last row is the latest."""
    n = len(rows)
    if n == 0:
        return Groups(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    key = _group_numbers(keys, n)
    total = int(np.prod([k.size for k in keys], dtype=np.int64))
    if total <= MAX_DENSE_GROUPS:
        count = np.bincount(key, minlength=total)
        last = np.full(total, -1, dtype=np.int64)
        np.maximum.at(last, key, np.arange(n))
        present = count > 0
        return Groups(count[present], last[present])
    uniques, inverse = np.unique(key, return_inverse=True)
    last = np.full(len(uniques), -1, dtype=np.int64)
    np.maximum.at(last, inverse, np.arange(n))
    return Groups(np.bincount(inverse, minlength=len(uniques)), last)


def last_of_each(keys: np.ndarray, size: int) -> np.ndarray:
    """Per key number (0..size-1), the position of its last row (-1: none). No sort: one pass."""
    last = np.full(size, -1, dtype=np.int64)
    np.maximum.at(last, keys, np.arange(len(keys)))
    return last


def counts(rows: Rows, keys: Sequence[Codes]) -> tuple[list[np.ndarray], np.ndarray]:
    """For each group that occurs, in key order: what each key stands for, and the number of rows.

    Read back from the group numbers alone: no row is looked at twice."""
    sizes = [k.size for k in keys]
    total = int(np.prod(sizes, dtype=np.int64)) if keys else 1
    if len(rows) == 0:
        return [k.values[:0] for k in keys], np.zeros(0, dtype=np.int64)
    key = _group_numbers(keys, len(rows))
    if total <= MAX_DENSE_GROUPS:
        per_group = np.bincount(key, minlength=total)
        present = np.flatnonzero(per_group)
        number = per_group[present]
    else:
        present, number = np.unique(key, return_counts=True)
    codes = np.unravel_index(present, sizes)
    return [k.values[c] for k, c in zip(keys, codes, strict=True)], number.astype(np.int64)


def date_ordered(rows: Rows, column: str) -> Rows:
    """The selection in date order (stable); loaded tables already are, so this is usually a no-op."""
    if rows.is_ordered_by(column):
        return rows
    order = np.argsort(rows.values(column), kind="stable")
    return rows.take(order)
