"""Everything linked to one round: the Timeline's round detail.

The detail follows no filter but "Hide low-confidence records", so it stays the same while the reader changes the
others; finding a round's records scans whole tables (a second at a million records, on every rerun), so the last
few details asked for are kept per dataset.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd

from parley.filters import Filters, apply_items, apply_positions, apply_reactions, sources_cited_by
from parley.loading import Dataset
from parley.memo import per_dataset
from parley.recent import Recent
from parley.views import linked_to_talk

KEPT = 8  # details kept per dataset: a few readers each on a round, never every round of a large record


class RoundDetail(NamedTuple):
    talk: pd.Series
    participants: pd.DataFrame
    items: pd.DataFrame
    positions: pd.DataFrame
    reactions: pd.DataFrame
    sources: pd.DataFrame


def round_detail(ds: Dataset, talk_id: str, hide_low: bool) -> RoundDetail:
    """The round, its participants, and the items, positions and reactions linked to it with the sources they cite
    (low-confidence records left out with `hide_low`). Shared between sessions: callers must not change it."""
    return _kept(ds).get((talk_id, hide_low), lambda: _detail(ds, talk_id, hide_low))


@per_dataset
def _kept(ds: Dataset) -> Recent:
    return Recent(KEPT)


def _detail(ds: Dataset, talk_id: str, hide_low: bool) -> RoundDetail:
    confident = Filters(hide_low=hide_low)
    rounds = ds.talks[ds.talks["talk_id"] == talk_id]
    items = apply_items(linked_to_talk(ds.items, talk_id), None, confident)
    positions = apply_positions(linked_to_talk(ds.positions, talk_id), confident)
    reactions = apply_reactions(linked_to_talk(ds.reactions, talk_id), confident)
    return RoundDetail(
        talk=rounds.iloc[0],
        participants=linked_to_talk(ds.participants, talk_id),
        items=items,
        positions=positions,
        reactions=reactions,
        sources=sources_cited_by(ds.sources, rounds, items, positions, reactions),
    )
