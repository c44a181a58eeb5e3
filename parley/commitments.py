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
    # Row positions sorted with numpy, then one frame of the last rows: two sorts of the whole frame, a
    # duplicate drop and a count per item cost several ms for a hundred commitments.
    item = _text_codes(events["item_id"])
    order = np.lexsort((_text_codes(events["event_id"]), events["date"].to_numpy(), item))  # stable
    ends = np.r_[item[order][1:] != item[order][:-1], True]
    last = order[ends]
    n_events = np.diff(np.r_[0, np.flatnonzero(ends) + 1])
    by_round = np.lexsort((item[last], events["round_date"].to_numpy()[last]))
    out = events.iloc[last[by_round]].reset_index(drop=True)
    status = out["status"].astype(str)
    out["n_events"] = n_events[by_round].astype("int64")
    out["status"] = status
    out["is_full"] = (status == FULL).to_numpy()
    out["is_broken"] = status.isin(COMMITMENT_BROKEN).to_numpy()
    return out[LATEST_COLUMNS]


def _text_codes(values: pd.Series) -> np.ndarray:
    """Codes that sort as the texts do, a missing text last (as pandas sorts them)."""
    codes = pd.factorize(values.astype(str).to_numpy(dtype=object), sort=True)[0]
    missing = values.isna().to_numpy()
    if missing.any():
        codes = np.where(missing, codes.max() + 1, codes)
    return codes


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
    return steps_until(open_steps_in_view(ledger, events), until)


def open_steps_in_view(ledger: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """open_steps of `events`, rows of the dataset's `ledger`, once per selection of events. Shared: callers must
    not change it."""
    return once_per_selection(ledger, selected((ledger, events)), "steps", lambda: open_steps(events))


def share_by_round(latest: pd.DataFrame) -> pd.DataFrame:
    """Per round (oldest first): commitments in view, how many were carried out in full, how many broken."""
    columns = ["talk_id", "talk_title", "round_date", *SHARE_COLUMNS]
    if latest.empty:
        return pd.DataFrame(columns=columns)
    # Counted in Python over the commitments (a hundred or so), as share_by_party is.
    keys = list(zip(latest["talk_id"].tolist(), latest["talk_title"].tolist(), strict=True))
    dates = latest["round_date"].to_numpy()
    counts: dict[tuple[object, object], list] = {}  # in order of first appearance, as a group-by keeps them
    for at, (key, full, broken) in enumerate(
        zip(keys, latest["is_full"].tolist(), latest["is_broken"].tolist(), strict=True)
    ):
        if pd.isna(key[0]) or pd.isna(key[1]) or pd.isna(dates[at]):
            continue  # a group-by leaves rows with a missing key out
        count = counts.setdefault(key, [at, 0, 0, 0])
        count[1] += 1
        count[2] += bool(full)
        count[3] += bool(broken)
    if not counts:
        return pd.DataFrame(columns=columns)
    groups = list(counts.items())
    first = np.array([c[0] for _, c in groups])
    order = np.lexsort((_text_codes(pd.Series([k[0] for k, _ in groups], dtype="str")), dates[first]))
    groups = [groups[i] for i in order]
    out = pd.DataFrame(
        {
            "talk_id": pd.Series([k[0] for k, _ in groups], dtype="str"),
            "talk_title": pd.Series([k[1] for k, _ in groups], dtype="str"),
            "round_date": dates[first[order]],
            "n_commitments": np.array([c[1] for _, c in groups], dtype="int64"),
            "n_full": np.array([c[2] for _, c in groups], dtype="int64"),
            "n_broken": np.array([c[3] for _, c in groups], dtype="int64"),
        }
    )
    out["share_full"] = out["n_full"] / out["n_commitments"]
    return out[columns]


def share_by_party(latest: pd.DataFrame, names: Mapping[str, str], parties: Sequence[str] = ()) -> pd.DataFrame:
    """Per party at the table (a commitment counts for every party of its round; with `parties`, only those rows):
    commitments, carried out in full, broken, share in full. Most commitments first, then by name."""
    columns = ["party_id", "party_name", *SHARE_COLUMNS]
    if latest.empty:
        return pd.DataFrame(columns=columns)
    # Counted in Python: a hundred commitments, where splitting, exploding and grouping them as frames cost more.
    wanted = set(parties)
    counts: dict[str, list[int]] = {}  # party -> commitments, in full, broken; in order of first appearance
    cells = latest["party_ids"].astype(str).tolist()
    for cell, full, broken in zip(cells, latest["is_full"].tolist(), latest["is_broken"].tolist(), strict=True):
        for party in cell.split(LIST_SEP):
            if party == "" or (wanted and party not in wanted):
                continue
            count = counts.setdefault(party, [0, 0, 0])
            count[0] += 1
            count[1] += bool(full)
            count[2] += bool(broken)
    if not counts:
        return pd.DataFrame(columns=columns)
    ranked = sorted(counts.items(), key=lambda item: (-item[1][0], names.get(item[0], item[0])))
    n = np.array([c[0] for _, c in ranked], dtype="int64")
    out = pd.DataFrame(
        {
            "party_id": [p for p, _ in ranked],
            "party_name": [names.get(p, p) for p, _ in ranked],
            "n_commitments": n,
            "n_full": np.array([c[1] for _, c in ranked], dtype="int64"),
            "n_broken": np.array([c[2] for _, c in ranked], dtype="int64"),
        }
    )
    out["share_full"] = out["n_full"] / out["n_commitments"]
    return out[columns]


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
