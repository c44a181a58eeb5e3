"""The dataset seen through one Filters object: every table a page may show, filtered consistently."""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

from parley.filters import (
    Filters,
    items_mask,
    positions_mask,
    reactions_mask,
    sources_cited_by,
    talks_mask,
)
from parley.loading import Dataset
from parley.recent import per_selection, shared_selection, shared_subset
from parley.selection import Rows


class View:
    """Rounds and agreed items (hundreds to thousands) as frames; positions and reactions (up to millions) as row
    selections of the shared tables, built into frames only for what a page shows.

    Each table is filtered when a page first reads it: a page (or a section of one) that shows only positions
    does not filter the rounds, items and reactions on every rerun."""

    def __init__(self, ds: Dataset, f: Filters) -> None:
        self._ds, self._f = ds, f

    @cached_property
    def talks(self) -> pd.DataFrame:
        ds = self._ds
        return shared_subset(ds.talks, talks_mask(ds.talks, self._f, ds.participants, ds.issue_links))

    @cached_property
    def items(self) -> pd.DataFrame:
        ds = self._ds
        return shared_subset(ds.items, items_mask(ds.items, _rows(self.talks, len(ds.talks)), self._f))

    @cached_property
    def positions(self) -> Rows:
        return _shared_rows(self._ds.positions, positions_mask(self._ds.positions, self._f))

    @cached_property
    def reactions(self) -> Rows:
        return _shared_rows(self._ds.reactions, reactions_mask(self._ds.reactions, self._f))

    @property
    def is_empty(self) -> bool:
        return self.talks.empty and self.positions.empty and self.reactions.empty

    def sources(self, ds: Dataset) -> pd.DataFrame:
        return sources_cited_by(ds.sources, self.talks, self.items, self.positions, self.reactions)


VIEWS_SHARED = 4  # a View holds its selections (megabytes at a million records): only the last few are kept


@per_selection(size=VIEWS_SHARED)
def apply_view(ds: Dataset, f: Filters) -> View:
    """The dataset seen through `f`: one View per dataset and filters among the last few asked, shared by every
    caller (a View's rows depend on the two alone), so a page, its header and its search that each ask for the view
    of one rerun work each table's rows out once."""
    return View(ds, f)


def _shared_rows(table: pd.DataFrame, mask: np.ndarray) -> Rows:
    positions = np.flatnonzero(mask)
    return shared_selection(table, positions, lambda: Rows(table, positions, ascending=True))


def _rows(kept: pd.DataFrame, total: int) -> np.ndarray | None:
    """One flag per row of the full table for the rows kept (their index is their row number); None if all are."""
    if len(kept) == total:
        return None
    rows = np.zeros(total, dtype=bool)
    rows[kept.index.to_numpy()] = True
    return rows


def linked_to_talk(frame: pd.DataFrame, talk_id: str) -> pd.DataFrame:
    return frame[frame["talk_id"] == talk_id]
