"""Answers that depend on which rows of a dataset's table the filters keep, remembered for the last few selections.

A filter change often keeps the same rows of a small release table (plans, the commitments ledger): a day off the
window, a party with no record in it. The answers built from those rows (a matrix, a comparison, the latest status of
every commitment) are then the same as on the last rerun. Each table keeps the answers for its last few selections;
the oldest drops out, so readers trying many filters cannot grow it, and all go with the dataset.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

from parley.memo import per_dataset

T = TypeVar("T")
SELECTIONS_REMEMBERED = 32  # per table


class Recent:
    """The answers for the last `size` keys, the least recently asked dropping out first."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._answers: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        value = make()  # outside the lock: two sessions may both work it out once, never wrongly
        with self._lock:
            self._answers[key] = value
            while len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._answers)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._answers


@per_dataset
def recent_of(table: pd.DataFrame) -> Recent:
    """The remembered answers of one of a dataset's tables."""
    return Recent(SELECTIONS_REMEMBERED)


def selected(*pairs: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[tuple[object, ...], ...] | None:
    """Which rows of each dataset table (table, part of it) the part holds, by index label; None when a table's
    labels repeat, so one selection could not be told from another."""
    if not all(table.index.is_unique for table, _ in pairs):
        return None
    return tuple(tuple(part.index.tolist()) for _, part in pairs)


def once_per_selection(table: pd.DataFrame, rows: Hashable | None, what: Hashable, make: Callable[[], T]) -> T:
    """`make()` once per selection of rows (parley.recent.selected) and `what`; computed afresh when rows is None.

    The answer must depend on the selected rows and `what` alone. Shared: callers must not change it."""
    if rows is None:
        return make()
    return recent_of(table).get((what, rows), make)
