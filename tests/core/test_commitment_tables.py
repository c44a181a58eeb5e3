"""The commitments' summaries are counted in Python and numpy: each equals the plain pandas build it replaced."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from parley.commitments import (
    FULL,
    LATEST_COLUMNS,
    LIST_SEP,
    SHARE_COLUMNS,
    apply_commitments,
    latest_status,
    share_by_party,
    share_by_round,
)
from parley.filters import Filters
from parley.schema import COMMITMENT_BROKEN

VIEWS = [
    Filters(),
    Filters(parties=("RUS",)),
    Filters(parties=("UKR", "USA")),
    Filters(issues=("prisoners",)),
    Filters(hide_low=True),
    Filters(end=date(2025, 6, 1)),
]


def _pandas_latest(events: pd.DataFrame) -> pd.DataFrame:
    ordered = events.sort_values(["item_id", "date", "event_id"], kind="stable")
    last = ordered.drop_duplicates("item_id", keep="last").copy()
    last["n_events"] = last["item_id"].map(ordered["item_id"].value_counts()).astype("int64")
    status = last["status"].astype(str)
    last["status"] = status
    last["is_full"] = (status == FULL).to_numpy()
    last["is_broken"] = status.isin(COMMITMENT_BROKEN).to_numpy()
    return last.sort_values(["round_date", "item_id"], kind="stable").reset_index(drop=True)[LATEST_COLUMNS]


def _pandas_shares(groups) -> pd.DataFrame:
    out = groups.agg(n_commitments=("item_id", "size"), n_full=("is_full", "sum"), n_broken=("is_broken", "sum"))
    out = out.astype("int64")
    out["share_full"] = out["n_full"] / out["n_commitments"]
    return out


def _pandas_by_round(latest: pd.DataFrame) -> pd.DataFrame:
    columns = ["talk_id", "talk_title", "round_date", *SHARE_COLUMNS]
    out = _pandas_shares(latest.groupby(["talk_id", "talk_title", "round_date"], sort=False))
    return out.reset_index().sort_values(["round_date", "talk_id"], kind="stable").reset_index(drop=True)[columns]


def _pandas_by_party(latest: pd.DataFrame, names: dict[str, str], parties: tuple[str, ...]) -> pd.DataFrame:
    columns = ["party_id", "party_name", *SHARE_COLUMNS]
    rows = latest.assign(party_id=latest["party_ids"].astype(str).str.split(LIST_SEP)).explode("party_id")
    rows = rows[rows["party_id"].fillna("") != ""]
    if parties:
        rows = rows[rows["party_id"].isin(parties)]
    out = _pandas_shares(rows.groupby("party_id", sort=False)).reset_index()
    out["party_name"] = out["party_id"].map(lambda p: names.get(p, p))
    out = out.sort_values(["n_commitments", "party_name"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)[columns]


@pytest.mark.parametrize("f", VIEWS)
@pytest.mark.parametrize("shuffled", [False, True])
def test_each_summary_equals_the_pandas_build(bundled, f, shuffled):
    events = apply_commitments(bundled.commitments, f)
    assert len(events), f  # every view here keeps some commitments
    if shuffled:  # the events' order must not matter
        events = events.sample(frac=1.0, random_state=7)
    latest = latest_status(events)
    pd.testing.assert_frame_equal(latest, _pandas_latest(events))
    pd.testing.assert_frame_equal(share_by_round(latest), _pandas_by_round(latest))
    names = bundled.labels["actor"]
    for parties in ((), ("RUS",), ("UKR", "USA", "XXX")):
        pd.testing.assert_frame_equal(share_by_party(latest, names, parties), _pandas_by_party(latest, names, parties))


def test_ties_and_order_are_settled_as_pandas_settles_them(bundled):
    events = apply_commitments(bundled.commitments, Filters())
    # More events of one commitment on the day of its last: the event id breaks the tie (before and after it).
    first = events.sort_values(["item_id", "date"]).drop_duplicates("item_id", keep="last").iloc[0]
    twin = first.copy()
    twin["event_id"], twin["status"] = str(first["event_id"]) + "b", "violated"
    earlier = first.copy()
    earlier["event_id"], earlier["status"] = "0" + str(first["event_id"]), "full"
    tied = pd.concat([events, twin.to_frame().T, earlier.to_frame().T]).astype(events.dtypes.to_dict())
    for seed in range(4):  # the tied events in several orders
        shuffled = tied.sample(frac=1.0, random_state=seed)
        pd.testing.assert_frame_equal(latest_status(shuffled), _pandas_latest(shuffled))
    # Shares of commitments listed in any order: rounds oldest first, then by id.
    latest = latest_status(events).sample(frac=1.0, random_state=5).reset_index(drop=True)
    pd.testing.assert_frame_equal(share_by_round(latest), _pandas_by_round(latest))
