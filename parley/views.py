"""The dataset seen through one Filters object: every table a page may show, filtered consistently."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from parley.filters import (
    Filters,
    apply_items,
    apply_talks,
    positions_mask,
    reactions_mask,
    sources_cited_by,
)
from parley.loading import Dataset
from parley.selection import Rows


@dataclass(frozen=True)
class View:
    """Rounds and agreed items (hundreds to thousands) as frames; positions and reactions (up to millions) as row
    selections of the shared tables, built into frames only for what a page shows."""

    talks: pd.DataFrame
    items: pd.DataFrame
    positions: Rows
    reactions: Rows

    @property
    def is_empty(self) -> bool:
        return self.talks.empty and self.positions.empty and self.reactions.empty

    def sources(self, ds: Dataset) -> pd.DataFrame:
        return sources_cited_by(ds.sources, self.talks, self.items, self.positions, self.reactions)


def apply_view(ds: Dataset, f: Filters) -> View:
    talks = apply_talks(ds.talks, f, ds.participants, ds.issue_links)
    return View(
        talks=talks,
        items=apply_items(ds.items, _rows(talks, len(ds.talks)), f),
        positions=Rows.where(ds.positions, positions_mask(ds.positions, f)),
        reactions=Rows.where(ds.reactions, reactions_mask(ds.reactions, f)),
    )


def _rows(kept: pd.DataFrame, total: int) -> np.ndarray | None:
    """One flag per row of the full table for the rows kept (their index is their row number); None if all are."""
    if len(kept) == total:
        return None
    rows = np.zeros(total, dtype=bool)
    rows[kept.index.to_numpy()] = True
    return rows


def linked_to_talk(frame: pd.DataFrame, talk_id: str) -> pd.DataFrame:
    return frame[frame["talk_id"] == talk_id]
