"""Answers remembered per selection (parley.recent): found again only for the very same rows and arguments,
never for a large selection, bounded in number, and dropped with the dataset."""

from __future__ import annotations

import gc
import weakref
from datetime import date

import numpy as np
import pandas as pd
import pytest

from parley import recent
from parley.filters import Filters, sources_cited_by
from parley.loading import load_dataset, settle_long_lived
from parley.recent import (
    ROWS_KEYED,
    SELECTIONS_REMEMBERED,
    forget_selections,
    per_selection,
    selections_held,
    shared_frame,
    shared_selection,
)
from parley.selection import Rows
from parley.views import apply_view

CALLS: list[tuple] = []


@per_selection
def _summary(rows: Rows, column: str, labels: dict[str, str] | None = None, *, top: int = 3) -> list[str]:
    CALLS.append((len(rows), column, top))
    values = [str(v) for v in rows.values(column)]
    return [(labels or {}).get(v, v) for v in values][:top]


@pytest.fixture(autouse=True)
def _nothing_remembered():
    forget_selections()
    CALLS.clear()
    yield
    forget_selections()


def _table(n: int) -> pd.DataFrame:
    return pd.DataFrame({"actor_id": [f"a{i % 7}" for i in range(n)], "n": np.arange(n)})


def test_the_same_positions_give_the_same_selection_object_and_others_a_new_one():
    table = _table(50)
    first = shared_selection(table, np.array([1, 2, 3]), lambda: Rows(table, np.array([1, 2, 3])))
    again = shared_selection(table, np.array([1, 2, 3]), lambda: Rows(table, np.array([1, 2, 3])))
    other = shared_selection(table, np.array([1, 2, 4]), lambda: Rows(table, np.array([1, 2, 4])))
    assert again is first and other is not first
    # Another table with the same positions is another selection.
    twin = _table(50)
    assert shared_selection(twin, np.array([1, 2, 3]), lambda: Rows(twin, np.array([1, 2, 3]))) is not first


def test_a_selection_over_the_limit_is_never_shared():
    table = _table(ROWS_KEYED + 1)
    everything = np.arange(ROWS_KEYED + 1)
    first = shared_selection(table, everything, lambda: Rows.all(table))
    assert shared_selection(table, everything, lambda: Rows.all(table)) is not first
    assert selections_held() == 0


def test_an_answer_is_found_again_only_for_the_same_selection_and_arguments():
    table = _table(30)
    rows = Rows(table, np.arange(10))
    labels = {"a1": "One"}
    assert _summary(rows, "actor_id", labels) == ["a0", "One", "a2"]
    assert _summary(rows, "actor_id", {"a1": "One"}) == ["a0", "One", "a2"]  # a short mapping: by content
    assert len(CALLS) == 1
    assert _summary(rows, "actor_id", {"a1": "Uno"}) == ["a0", "Uno", "a2"]
    assert _summary(rows, "actor_id", labels, top=2) == ["a0", "One"]
    assert _summary(rows, "n") == ["0", "1", "2"]
    assert len(CALLS) == 4
    # Another selection object, even of the same rows, is not the same selection unless it is shared.
    assert _summary(Rows(table, np.arange(10)), "actor_id", labels) == ["a0", "One", "a2"]
    assert len(CALLS) == 5


def test_a_large_selection_is_computed_afresh_every_time():
    rows = Rows.all(_table(ROWS_KEYED + 1))
    _summary(rows, "actor_id")
    _summary(rows, "actor_id")
    assert len(CALLS) == 2


def test_only_the_last_few_answers_are_kept():
    table = _table(SELECTIONS_REMEMBERED + 5)
    selections = [Rows(table, np.array([i])) for i in range(SELECTIONS_REMEMBERED + 1)]
    for rows in selections:
        _summary(rows, "n")
    assert selections_held() == SELECTIONS_REMEMBERED
    _summary(selections[-1], "n")  # the newest is still there
    assert len(CALLS) == SELECTIONS_REMEMBERED + 1
    _summary(selections[0], "n")  # the oldest dropped out
    assert len(CALLS) == SELECTIONS_REMEMBERED + 2


def test_a_frame_not_numbered_as_a_loaded_table_is_not_shared():
    table = _table(10).set_index("actor_id", drop=False)
    kept = table.iloc[[1, 2]]
    assert shared_frame(table, kept) is kept
    assert shared_frame(table, table.iloc[[1, 2]]) is not kept


def test_views_that_keep_the_same_rows_share_their_selections(mini):
    last = pd.Timestamp(mini.positions["date"].max()).date()
    a = apply_view(mini, Filters(end=last))
    b = apply_view(mini, Filters(end=date(last.year + 1, 1, 1)))  # a later end keeps the same rows
    assert b.positions is a.positions and b.reactions is a.reactions
    assert b.talks is a.talks and b.items is a.items
    narrower = apply_view(mini, Filters(parties=("RUS",)))
    assert narrower.positions is not a.positions
    assert set(narrower.positions.values("actor_id")) <= {"RUS"}


def test_records_citing_the_same_sources_share_one_selection_of_them(mini):
    everything = apply_view(mini, Filters())
    cited = everything.sources(mini)
    ids = {x.strip() for cell in mini.positions["source_ids"] for x in str(cell).split(";") if x.strip()}
    ids |= {
        x.strip()
        for t in ("talks", "items", "reactions")
        for cell in getattr(mini, t)["source_ids"]
        for x in str(cell).split(";")
        if x.strip()
    }
    assert cited.equals(mini.sources[mini.sources["source_id"].isin(ids)])
    # Other records (a new selection of positions) that cite the same sources: the very same frame.
    first = pd.Timestamp(mini.positions["date"].min()).date()
    later = apply_view(mini, Filters(start=date(first.year - 1, 1, 1)))  # an earlier start keeps every row...
    assert later.sources(mini) is cited
    fewer = sources_cited_by(mini.sources, everything.positions)
    assert set(fewer["source_id"]) <= set(cited["source_id"])
    again = sources_cited_by(mini.sources, everything.positions.take(np.arange(len(everything.positions))))
    assert again is fewer  # ...and a copy of the same positions finds the same sources object


def test_forgetting_and_a_new_load_let_a_replaced_dataset_go(mini_dir):
    ds = load_dataset(mini_dir)
    view = apply_view(ds, Filters())
    _summary(view.positions, "actor_id")
    assert selections_held() > 0
    gone = weakref.ref(ds.positions)
    del ds, view
    gc.collect()
    assert gone() is not None  # still held by what was remembered for it
    settle_long_lived()  # what a load does once a dataset is built
    assert selections_held() == 0
    gc.collect()
    assert gone() is None


def test_key_parts_compare_plain_values_by_value_and_objects_by_identity():
    part = recent._key_part
    assert part(("a", 1, date(2025, 1, 1))) == part(("a", 1, date(2025, 1, 1)))
    assert part(1) != part(1.5) and part("1") != part(1)
    assert part(Filters(parties=("RUS",))) == part(Filters(parties=("RUS",)))
    long = list(range(100))
    assert part(long) == part(long) and part(long) != part(list(range(100)))
    frame = pd.DataFrame({"a": [1]})
    assert part(frame) == part(frame) and part(frame) != part(frame.copy())
