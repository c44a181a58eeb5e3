"""Answers that depend on which rows of a dataset's table the filters keep, remembered for the last few selections.

A filter change often keeps the same rows: a day off the window, a party with no record in it, a reader switching
back to the filters of a minute ago. The answers built from those rows (summaries, charts, the grid of a table) are
then the same as on an earlier rerun. Three ways in:

- shared_selection / shared_frame: one object per selection of a table's rows, so a rerun that keeps the rows gets
  the very object of the last one;
- per_selection: a function's answer remembered per arguments, selections and frames compared by identity, so
  summaries of a shared selection, and charts of those summaries, are found again;
- once_per_selection: an answer remembered per rows of small release tables (plans, the commitments ledger).

Each function keeps its last few answers, the oldest dropping out, so readers trying many filters cannot grow them;
selections of more than ROWS_KEYED rows are never remembered. All are dropped when a dataset is loaded or replaced.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from parley.selection import Rows

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
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


# ---- one object per selection, and answers remembered per selection ----------------------------------------
# Selections up to this many rows get one shared object and remembered answers. Larger ones (a wide window over a
# big dataset) rarely come back, and each remembered key would hold its selection alive.
ROWS_KEYED = 20_000


# Held by the process, not per dataset: a selection holds its table, so a store kept with the table would keep it
# alive. forget_selections() empties them when a dataset is loaded or replaced (parley.loading.settle_long_lived).
_stores: dict[str, Recent] = {}
_stores_lock = threading.Lock()


def _store(what: str, size: int = SELECTIONS_REMEMBERED) -> Recent:
    with _stores_lock:
        store = _stores.get(what)
        if store is None:
            store = _stores[what] = Recent(size)
        return store


def forget_selections() -> None:
    """Drop every shared selection and remembered answer (and with them any hold on a replaced dataset)."""
    with _stores_lock:
        _stores.clear()


def selections_held() -> int:
    """How many selections and answers are remembered now (for tests)."""
    with _stores_lock:
        return sum(len(store) for store in _stores.values())


def shared_selection(table: pd.DataFrame, positions: np.ndarray, make: Callable[[], T]) -> T:
    """One object (made by `make`) per selection of `table`'s rows at `positions`, while it is among the last few
    selections of that table.

    A filter change that keeps the same rows (a day off the window, a party with no record in it) then hands the
    pages the very object of the last rerun, and every answer remembered for it (per_selection) is found again.
    `make()` must depend on the selected rows alone."""
    if len(positions) > ROWS_KEYED:
        return make()
    key = (_Same(table), str(positions.dtype), np.ascontiguousarray(positions).tobytes())
    return _store(f"selections.{id(table)}").get(key, make)


def shared_frame(table: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """The kept rows of a shared table as the same frame as on the last rerun that kept these rows: answers
    remembered for it are found again. Only a row subset of `table`, numbered 0..n-1 as a loaded table is (labels
    are positions); for another index, `kept` itself."""
    if not shared_frame_applies(table):
        return kept
    return shared_selection(table, kept.index.to_numpy(), lambda: kept)


def shared_subset(table: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The flagged rows of a small shared table as a frame, built only for a selection not among its last few
    (the same object as on the rerun that first kept these rows)."""
    if not shared_frame_applies(table):
        return table[mask]
    positions = np.flatnonzero(mask)
    return shared_selection(table, positions, lambda: table.iloc[positions])


def shared_frame_applies(table: pd.DataFrame) -> bool:
    """Whether the table is numbered 0..n-1, as a loaded table is, so that its row labels are row positions."""
    numbered = table.index
    return isinstance(numbered, pd.RangeIndex) and numbered.start == 0 and numbered.step == 1


class _Same:
    """A key part equal only to the very object it holds; held, so its address is not reused while the key lives."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Same) and other.obj is self.obj


class _TooLarge(Exception):
    pass


_PLAIN = (str, int, float, bool, type(None), date, pd.Timestamp, np.integer, np.floating, np.bool_)
_SMALL_ARRAY = 4_096  # row numbers compared by content up to this many
_SHORT = 64  # a longer tuple or set is keyed by identity: its key would cost more than it saves


def _key_part(value: object) -> Hashable:
    if isinstance(value, _PLAIN):
        return (type(value).__name__, value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "biu" and value.size <= _SMALL_ARRAY:
        # A few row numbers (the results a page lists): by content, as they are worked out anew on each rerun.
        return ("array", value.dtype.str, value.shape, value.tobytes())
    if isinstance(value, Rows | pd.DataFrame | pd.Series | np.ndarray):
        # By identity: shared_selection hands out one object per selection, and a remembered answer is the same
        # object on every hit, so answers built from answers are found too.
        if len(value) > ROWS_KEYED:
            raise _TooLarge
        return _Same(value)
    if isinstance(value, tuple | list) and len(value) <= _SHORT:
        return (type(value).__name__, tuple(_key_part(v) for v in value))
    if isinstance(value, frozenset | set) and len(value) <= _SHORT:
        return ("set", frozenset(_key_part(v) for v in value))
    if isinstance(value, dict) and len(value) <= _SHORT:
        return ("dict", tuple((_key_part(k), _key_part(v)) for k, v in value.items()))
    if isinstance(value, dict | list | set | tuple | frozenset):
        # A long one by identity: those pages pass on every rerun (a dataset's labels, the map outlines' arcs) are
        # the same object each time, and walking them would cost more than a hit saves.
        return _Same(value)
    try:
        return (type(value).__name__, hash(value), value)  # a frozen record of choices compares by value
    except TypeError:
        return _Same(value)


def per_selection(fn: F | None = None, *, size: int = SELECTIONS_REMEMBERED) -> Any:
    """`fn(*args)` remembered for the last `size` sets of arguments, selections and frames compared by identity.

    For summaries, charts and tables of the rows a page shows: with shared_selection handing out one object per
    selection, a rerun whose filters keep the same rows draws from remembered answers. `fn` must depend on its
    arguments alone and its answer is shared: callers must not change it. Selections over ROWS_KEYED rows are
    computed afresh every time. Used as `@per_selection` or `@per_selection(size=n)`."""
    if fn is None:
        return functools.partial(per_selection, size=size)
    what = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def remembered(*args: Any, **kwargs: Any) -> Any:
        try:
            key = (_key_part(args), _key_part(tuple(sorted(kwargs.items()))))
        except _TooLarge:
            return fn(*args, **kwargs)
        return _store(what, size).get(key, lambda: fn(*args, **kwargs))

    return remembered


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
    return _store(f"once.{what}").get((_Same(table), rows), make)
