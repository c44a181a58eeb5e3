"""Commitments seen through the filters: which agreed items are in view, how far each got by the end of the window,
and the share carried out in full per round and per party. Pure pandas; the ledger is a small release table.

The scale is the Peace Accords Matrix's: 0 not started, 1 minimal, 2 intermediate, 3 full (schema.COMMITMENT_LEVELS);
violated and lapsed lie off it (schema.COMMITMENT_BROKEN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from parley.filters import Filters
from parley.recent import once_per_selection, selected
from parley.schema import COMMITMENT_BROKEN, COMMITMENT_LEVELS, LIST_SEP

FULL = "full"
LABEL_CHARS = 60  # a commitment's label on the chart: its id and the start of its summary

LATEST_COLUMNS = [
    "item_id",
    "summary",
    "talk_id",
    "talk_title",
    "round_date",
    "issue_id",
    "issue_label",
    "party_ids",
    "party_names",
    "status",
    "status_label",
    "level",
    "date",
    "confidence",
    "n_events",
    "is_full",
    "is_broken",
]
SHARE_COLUMNS = ["n_commitments", "n_full", "n_broken", "share_full"]
STEP_COLUMNS = [
    "item_id",
    "label",
    "round_date",
    "date",
    "until",
    "status",
    "status_label",
    "level",
    "confidence",
    "is_broken",
    "is_low",
    "summary",
    "note",
]


def _has_party(party_ids: pd.Series, parties: Sequence[str]) -> np.ndarray:
    wanted = set(parties)
    return np.array([bool(wanted.intersection(str(ids).split(LIST_SEP))) for ids in party_ids], dtype=bool)


def apply_commitments(events: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """Events of the commitments agreed inside the window, on a chosen issue, at a round of a chosen party, up to the
    window's end (so the latest event kept is the status as of that day). Hiding low confidence drops low-confidence
    events; a commitment whose agreement is low confidence goes with it."""
    mask = np.ones(len(events), dtype=bool)
    if f.start:
        mask &= (events["round_date"] >= pd.Timestamp(f.start)).to_numpy()
    if f.end:
        mask &= (events["round_date"] <= pd.Timestamp(f.end)).to_numpy()
        mask &= (events["date"] <= pd.Timestamp(f.end)).to_numpy()
    if f.hide_low:
        mask &= (events["confidence"].astype(str) != "low").to_numpy()
    if f.issues:
        mask &= events["issue_id"].astype(str).isin(f.issues).to_numpy()
    if f.parties:
        mask &= _has_party(events["party_ids"], f.parties)
    return events[mask]


def latest_status(events: pd.DataFrame) -> pd.DataFrame:
    """One row per commitment: its last event among `events` (its status then), how many events led there, and
    whether it was carried out in full or broken. Ordered by round date, then item id."""
    if events.empty:
        return pd.DataFrame(columns=LATEST_COLUMNS)
    ordered = events.sort_values(["item_id", "date", "event_id"], kind="stable")
    last = ordered.drop_duplicates("item_id", keep="last").copy()
    last["n_events"] = last["item_id"].map(ordered["item_id"].value_counts()).astype("int64")
    status = last["status"].astype(str)
    last["status"] = status
    last["is_full"] = (status == FULL).to_numpy()
    last["is_broken"] = status.isin(COMMITMENT_BROKEN).to_numpy()
    last = last.sort_values(["round_date", "item_id"], kind="stable").reset_index(drop=True)
    return last[LATEST_COLUMNS]


def latest_in_view(ledger: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """latest_status of `events`, rows of the dataset's `ledger`: once per selection of events (parley.recent), since
    most filter changes keep the same events of this small table. Shared: callers must not change it."""
    return once_per_selection(ledger, selected((ledger, events)), "latest", lambda: latest_status(events))


def history_in_view(ledger: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """`events`, rows of the dataset's `ledger`, in the order of the status history: by round, commitment and date;
    once per selection of events. Shared: callers must not change it."""
    return once_per_selection(ledger, selected((ledger, events)), "history", lambda: history(events))


def history(events: pd.DataFrame) -> pd.DataFrame:
    """The events by round date, then commitment, then date: each commitment's story in the order it happened."""
    return events.sort_values(["round_date", "item_id", "date"], kind="stable")


def steps_in_view(ledger: pd.DataFrame, events: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """status_steps of `events`, rows of the dataset's `ledger`: the open steps once per selection of events, closed
    at `until` on each call (the window's end moves the day without changing the events)."""
    return steps_until(
        once_per_selection(ledger, selected((ledger, events)), "steps", lambda: open_steps(events)), until
    )


def _shares(groups: pd.core.groupby.DataFrameGroupBy) -> pd.DataFrame:
    out = groups.agg(n_commitments=("item_id", "size"), n_full=("is_full", "sum"), n_broken=("is_broken", "sum"))
    out = out.astype("int64")
    out["share_full"] = out["n_full"] / out["n_commitments"]
    return out


def share_by_round(latest: pd.DataFrame) -> pd.DataFrame:
    """Per round (oldest first): commitments in view, how many were carried out in full, how many broken."""
    columns = ["talk_id", "talk_title", "round_date", *SHARE_COLUMNS]
    if latest.empty:
        return pd.DataFrame(columns=columns)
    out = _shares(latest.groupby(["talk_id", "talk_title", "round_date"], sort=False))
    return out.reset_index().sort_values(["round_date", "talk_id"], kind="stable").reset_index(drop=True)[columns]


def share_by_party(latest: pd.DataFrame, names: Mapping[str, str], parties: Sequence[str] = ()) -> pd.DataFrame:
    """Per party at the table (a commitment counts for every party of its round; with `parties`, only those rows):
    commitments, carried out in full, broken, share in full. Most commitments first, then by name."""
    columns = ["party_id", "party_name", *SHARE_COLUMNS]
    if latest.empty:
        return pd.DataFrame(columns=columns)
    rows = latest.assign(party_id=latest["party_ids"].astype(str).str.split(LIST_SEP)).explode("party_id")
    rows = rows[rows["party_id"].fillna("") != ""]
    if parties:
        rows = rows[rows["party_id"].isin(parties)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    out = _shares(rows.groupby("party_id", sort=False)).reset_index()
    out["party_name"] = out["party_id"].map(lambda p: names.get(p, p))
    out = out.sort_values(["n_commitments", "party_name"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)[columns]


def status_steps(events: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """One row per event: the status holds from its date until the commitment's next event, or `until` (the end of
    the window or of the record) for the last one. What the chart draws, a few rows per commitment."""
    return steps_until(open_steps(events), until)


def open_steps(events: pd.DataFrame) -> pd.DataFrame:
    """status_steps with the last step of each commitment left open (`until` missing): all that does not depend on
    the day the statuses are read at, so it can be kept while only that day changes."""
    if events.empty:
        return pd.DataFrame(columns=STEP_COLUMNS)
    steps = events.sort_values(["round_date", "item_id", "date", "event_id"], kind="stable").copy()
    steps["until"] = steps.groupby("item_id", sort=False)["date"].shift(-1)
    steps["status"] = steps["status"].astype(str)
    steps["confidence"] = steps["confidence"].astype(str)
    steps["is_broken"] = steps["status"].isin(COMMITMENT_BROKEN).to_numpy()
    steps["is_low"] = (steps["confidence"] == "low").to_numpy()
    steps["label"] = steps["item_id"].astype(str) + " · " + steps["summary"].astype(str).map(_short)
    steps["note"] = steps["note"].fillna("").astype(str)
    return steps.reset_index(drop=True)[STEP_COLUMNS]


def steps_until(steps: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """Close each commitment's open last step (open_steps) at `until`; an event after `until` still gets a visible
    point. A new frame: `steps` is left as it is."""
    if steps.empty:
        return steps.copy()
    closed = steps[["until", "date"]].assign(until=steps["until"].fillna(pd.Timestamp(until)))
    return steps.assign(until=closed.max(axis=1))


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= LABEL_CHARS else one_line[: LABEL_CHARS - 1].rstrip() + "…"


def level_of(status: str) -> int | None:
    """The status's place on the 0-3 scale; None for violated and lapsed, which lie off it."""
    return COMMITMENT_LEVELS.get(status)


def as_of(data_end: pd.Timestamp, f: Filters) -> pd.Timestamp:
    """The day the statuses are read at: the window's end when it ends before the record does, else the record's end."""
    end = pd.Timestamp(data_end)
    return min(end, pd.Timestamp(f.end)) if f.end else end
