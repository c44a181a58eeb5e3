"""The dataset seen through one Filters object: every table a page may show, filtered consistently."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from parley.filters import (
    Filters,
    apply_items,
    apply_positions,
    apply_reactions,
    apply_talks,
    sources_cited_by,
)
from parley.loading import Dataset


@dataclass(frozen=True)
class View:
    talks: pd.DataFrame
    items: pd.DataFrame
    positions: pd.DataFrame
    reactions: pd.DataFrame

    @property
    def is_empty(self) -> bool:
        return self.talks.empty and self.positions.empty and self.reactions.empty

    def sources(self, ds: Dataset) -> pd.DataFrame:
        return sources_cited_by(ds.sources, self.talks, self.items, self.positions, self.reactions)


def apply_view(ds: Dataset, f: Filters) -> View:
    talks = apply_talks(ds.talks, f, ds.participants, ds.issue_links)
    return View(
        talks=talks,
        # When no filter narrowed the rounds, the items need no lookup by round (costly on large tables).
        items=apply_items(ds.items, None if len(talks) == len(ds.talks) else talks["talk_id"], f),
        positions=apply_positions(ds.positions, f),
        reactions=apply_reactions(ds.reactions, f),
    )


def linked_to_talk(frame: pd.DataFrame, talk_id: str) -> pd.DataFrame:
    return frame[frame["talk_id"] == talk_id]
