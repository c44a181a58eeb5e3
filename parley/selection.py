"""Rows: a selection of rows of one shared table, kept as row positions so that filtering copies nothing.

A filter marks the rows it keeps; aggregations read the columns they need (category codes, dates) at those
positions, and only the rows a page shows (at most a thousand) or a download asks for are ever built into a frame.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import pandas as pd

from parley.memo import per_dataset

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Rows:
    """Rows `index` (positions) of `table`, in that order. `extra` holds computed columns aligned with `index`.

    The table is shared between sessions and never modified."""

    table: pd.DataFrame
    index: np.ndarray
    extra: Mapping[str, np.ndarray | pd.Categorical] = field(default_factory=dict)
    # Known to be strictly ascending (a filter's kept rows, or a forward slice of them): no check needed.
    ascending: bool = False
    # Category codes read once per selection: a page's summaries group the same columns several times.
    _codes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _ordered: dict[str, bool] = field(default_factory=dict, repr=False)
    _memo: dict[str, object] = field(default_factory=dict, repr=False)

    @classmethod
    def all(cls, table: pd.DataFrame) -> Rows:
        return cls(table, np.arange(len(table)), ascending=True)

    @classmethod
    def where(cls, table: pd.DataFrame, mask: np.ndarray | pd.Series) -> Rows:
        return cls(table, np.flatnonzero(np.asarray(mask)), ascending=True)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def empty(self) -> bool:
        return len(self.index) == 0

    @property
    def columns(self) -> list[str]:
        return [*self.table.columns, *self.extra]

    @property
    def whole(self) -> bool:
        """Every row of the table, in table order: column reads need no gather."""
        return self.ascending and len(self.index) == len(self.table)

    def codes(self, column: str) -> np.ndarray:
        """The category codes of a categorical column at the selected rows (-1 for a missing value). Read-only."""
        if column not in self._codes:
            codes = self.table[column].cat.codes.to_numpy()
            self._codes[column] = _read_only(codes) if self.whole else codes[self.index]
        return self._codes[column]

    def is_ordered_by(self, column: str) -> bool:
        """Whether the selected rows are in ascending order of `column` (loaded tables are sorted by date)."""
        if column not in self._ordered:
            ascending = self.ascending or bool(np.all(np.diff(self.index) > 0))
            self._ordered[column] = ascending and table_is_sorted(self.table, column)
        return self._ordered[column]

    def is_newest_first(self, column: str) -> bool:
        """Whether the selected rows are an ascending selection reversed (newest first by `column`), so a second
        'newest first' need not sort a million dates again."""
        if len(self.index) <= 1:
            return True
        return bool(np.all(np.diff(self.index) < 0)) and table_is_sorted(self.table, column)

    def remembered(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once per selection: summaries of one page share work such as a sort by party and issue."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[return-value]

    def categories(self, column: str) -> pd.Index:
        return self.table[column].cat.categories

    def values(self, column: str) -> np.ndarray:
        if column in self.extra:
            return np.asarray(self.extra[column])
        values = self.table[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            # Through the codes of the selected rows: the whole column as objects would cost a million strings.
            return np.append(values.cat.categories.to_numpy(dtype=object), np.nan)[self.codes(column)]
        if self.whole:
            return _read_only(values.to_numpy())
        return values.to_numpy()[self.index]

    def is_value(self, column: str, value: str) -> np.ndarray:
        """Per selected row: whether the (text) column holds `value`; compared as category codes when it can be."""
        values = self.table[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            at = values.cat.categories.get_indexer([value])[0]
            return self.codes(column) == at if at >= 0 else np.zeros(len(self), dtype=bool)
        return self.values(column).astype(str) == value

    def __getitem__(self, column: str | pd.Series | np.ndarray) -> pd.Series | Rows:  # type: ignore[override]
        """A column of the selected rows (as a new Series), or, given flags per selected row, a sub-selection."""
        if not isinstance(column, str):
            return self.take(np.flatnonzero(np.asarray(column, dtype=bool)))
        if column in self.extra:
            return pd.Series(np.asarray(self.extra[column]), name=column)
        return self.table[column].take(self.index).reset_index(drop=True)

    def frame(self, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The selected rows as a new frame, with only `columns` (all by default); index 0..n-1."""
        wanted = list(columns) if columns is not None else self.columns
        # Each column's array taken and handed over as it is: selecting the columns of the table as a frame, taking
        # from it and selecting again cost three times as much for the few hundred rows a page shows.
        data = {
            c: np.asarray(self.extra[c]) if c in self.extra else self.table[c].array.take(self.index) for c in wanted
        }
        return pd.DataFrame(data, columns=wanted, copy=False)

    def take(self, positions: np.ndarray | Sequence[int] | slice) -> Rows:
        """A sub-selection by position within this selection (extra columns follow)."""
        if isinstance(positions, slice):
            # A slice is a view of the positions, not a gather; a forward one keeps them ascending.
            forward = positions.step is None or positions.step > 0
            extra = {k: _pick(v, positions) for k, v in self.extra.items()}
            return Rows(self.table, self.index[positions], extra, ascending=self.ascending and forward)
        picked = np.asarray(positions)
        return Rows(self.table, self.index[picked], {k: _pick(v, picked) for k, v in self.extra.items()})

    def head(self, n: int) -> Rows:
        return self.take(slice(0, n))

    def reversed(self) -> Rows:
        return self.take(slice(None, None, -1))

    def with_columns(self, **columns: np.ndarray | pd.Categorical) -> Rows:
        return Rows(self.table, self.index, {**self.extra, **columns}, ascending=self.ascending)


def _pick(values: np.ndarray | pd.Categorical, at: np.ndarray | slice) -> np.ndarray | pd.Categorical:
    """Extra values at positions; a categorical stays one (codes picked, not a row of objects each)."""
    return values[at] if isinstance(values, pd.Categorical) else np.asarray(values)[at]


def _read_only(values: np.ndarray) -> np.ndarray:
    """A view of a shared table's own array that cannot be written through (a whole-table selection reads the
    table's arrays instead of copying them)."""
    view = values.view()
    view.flags.writeable = False
    return view


@per_dataset
def table_is_sorted(table: pd.DataFrame, column: str) -> bool:
    """Whether a shared table's column ascends, worked out once per table: tables are never modified once built."""
    return bool(table[column].is_monotonic_increasing)


def as_rows(data: pd.DataFrame | Rows) -> Rows:
    """Every aggregation accepts a frame (tests, small tables) or a selection (pages)."""
    return data if isinstance(data, Rows) else Rows.all(data)


def as_frame(data: pd.DataFrame | Rows, columns: Iterable[str] | None = None) -> pd.DataFrame:
    if isinstance(data, Rows):
        return data.frame(columns)
    return data if columns is None else data[list(columns)]
