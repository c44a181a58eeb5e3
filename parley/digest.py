"""What changed since a day: new rounds, moved stances and options, new reactions and new plans, in one list.

"Since" is measured against the record, not the calendar: the presets count back from the last date the record
holds, because a tracker coded from news is always behind today and "the last 7 days" of the calendar would be empty.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import numpy as np
import pandas as pd

from parley.aggregate import party_issue_pairs
from parley.filters import format_date
from parley.grouping import date_ordered, last_of_each
from parley.memo import per_dataset
from parley.recent import per_selection
from parley.selection import Rows, as_rows

DIGEST_COLUMNS = ["date", "kind", "who", "what", "before", "after", "flags", "record"]
PRESET_DAYS = (7, 30, 90)


PLAIN_ID = r"[A-Za-z0-9_.~-]+"  # the characters quote() never changes: such an id is its own link text


def record_link(record_id: str) -> str:
    """The record page's address for an id (relative, so it works behind any base path)."""
    return "record?id=" + quote(str(record_id), safe="")


def record_links(ids: pd.Series) -> pd.Series:
    """record_link of each id; ids of letters, digits and '_.-~' (nearly all) are never quoted, so only the others
    go through quote one by one."""
    text = ids.astype(str)
    links = "record?id=" + text
    odd = ~text.str.fullmatch(PLAIN_ID).fillna(False).astype(bool)
    if odd.any():
        links[odd] = text[odd].map(record_link)
    return links


@per_selection
def since_choices(talks: pd.DataFrame, last_day: pd.Timestamp | None) -> dict[str, pd.Timestamp]:
    """Labels → the day after which changes count. The default (first) is the day before the latest round."""
    choices: dict[str, pd.Timestamp] = {}
    held = talks[talks["status"].astype(str) == "held"]
    if len(held):
        latest = held["start_date"].max()
        day_before = latest - timedelta(days=1)
        choices[f"the latest round ({format_date(latest)})"] = day_before
    if last_day is not None:
        for days in PRESET_DAYS:
            choices[f"{days} days before the last record"] = last_day - timedelta(days=days)
    return choices


MIN_LOOK_BACK = 4_096  # rows before the window first read for the statements the recent ones follow
MAX_STEPS_BACK = 64  # rows left out of a selection stepped over per pair before reading back instead


def _moves(positions: pd.DataFrame | Rows, since: pd.Timestamp) -> pd.DataFrame:
    """Positions after `since` that are a party's first on an issue or change its stance or option, with the
    stance and option before."""
    rows = date_ordered(as_rows(positions), "date")
    if len(rows) == 0:
        return pd.DataFrame(columns=["row", "before_stance", "before_option", "after_stance", "after_option"])
    dates = rows.values("date")
    # Rows are in date order: those after `since` follow every earlier one (missing dates sort last, never after).
    first_recent = int(np.searchsorted(dates, np.datetime64(since), side="right"))
    recent = first_recent + np.flatnonzero(dates[first_recent:] > np.datetime64(since))
    before = _previous_in_selection(rows, recent) if rows.is_ordered_by("date") else None
    if before is None:
        before = _read_back(rows, first_recent, recent)
    # Codes and labels straight from the table, at the rows picked: nothing of the whole selection is copied.
    table_rows = rows.index
    stance, option = (rows.table[c].cat.codes.to_numpy() for c in ("stance", "option_id"))
    now_at, then_at = table_rows[recent], table_rows[np.maximum(before, 0)]
    had = before >= 0
    changed = ~had | (stance[now_at] != stance[then_at]) | (option[now_at] != option[then_at])
    picked, before = recent[changed], before[changed]
    now = rows.take(picked).frame(["position_id", "stance_label", "option_label"])
    then = rows.take(np.maximum(before, 0)).frame(["stance_label", "option_label"])
    first = before < 0
    return pd.DataFrame(
        {
            "row": picked,
            "before_stance": np.where(first, "", then["stance_label"].astype(str)),
            "before_option": np.where(first, "", then["option_label"].astype(str)),
            "after_stance": now["stance_label"].astype(str).to_numpy(),
            "after_option": now["option_label"].astype(str).to_numpy(),
        }
    )


@per_dataset
def _previous_on_pair(table: pd.DataFrame) -> np.ndarray:
    """For each row of a positions table, the row before it (table order) with the same party and issue; -1 for
    none. Once per loaded table: a rerun then looks up the few recent rows instead of grouping a million."""
    pair, _ = party_issue_pairs(Rows.all(table))
    order = np.argsort(pair, kind="stable")
    same = np.r_[False, pair[order][1:] == pair[order][:-1]]
    previous = np.empty(len(table), dtype=np.int64)
    previous[order] = np.where(same, np.r_[-1, order[:-1]], -1)
    return previous


def _previous_in_selection(rows: Rows, recent: np.ndarray) -> np.ndarray | None:
    """For each recent row (a number in the selection), the selection's previous row on its party and issue, or -1.
    The table's previous row is stepped back from while the selection leaves it out (a low-confidence statement
    hidden); None when some pair would need more than MAX_STEPS_BACK steps, for the caller to read back instead.
    The selection must be an ascending subset of a date-sorted table's rows."""
    selected = rows.index
    previous = _previous_on_pair(rows.table)
    candidate = previous[selected[recent]]
    for _ in range(MAX_STEPS_BACK):
        at = np.minimum(np.searchsorted(selected, candidate), len(selected) - 1)
        found = (candidate >= 0) & (selected[at] == candidate)
        # A row before the selection's first has no selected row before it either.
        todo = ~found & (candidate >= selected[0])
        if not todo.any():
            return np.where(found, at, -1)
        candidate[todo] = previous[candidate[todo]]
    return None


def _read_back(rows: Rows, first_recent: int, recent: np.ndarray) -> np.ndarray:
    """_previous_in_selection for any selection: each recent row's previous row on its pair is nearly always among
    the last rows before the window, so read back from there, twice as far each time a pair's earlier row is not
    found yet, instead of grouping every row. A pair with no earlier row at all reads back to the first row."""
    span = MIN_LOOK_BACK
    while True:
        start = max(0, first_recent - span)
        tail = rows.take(slice(start, None))
        pair, total = party_issue_pairs(tail)
        last_before = last_of_each(pair[: first_recent - start], total)
        local = recent - start
        if start == 0 or bool(np.all(last_before[pair[local]] >= 0)):
            break
        span *= 2
    # Only the recent rows are sorted; the rows before them are one pass.
    order = np.argsort(pair[local], kind="stable")
    by_pair = local[order]
    same = np.r_[False, pair[by_pair][1:] == pair[by_pair][:-1]]
    before = np.empty(len(local), dtype=np.int64)
    before[order] = np.where(same, np.r_[-1, by_pair[:-1]], last_before[pair[by_pair]])
    return np.where(before >= 0, before + start, -1)


def _part(frame: pd.DataFrame, date: str, kind: object, who: str, what: pd.Series, key: str) -> dict[str, np.ndarray]:
    """One kind of change as digest columns (arrays: the kinds are joined once, not frame by frame); `before` and
    `after` stay empty unless the caller fills them."""
    n = len(frame)
    return {
        "date": frame[date].to_numpy(),
        "kind": np.broadcast_to(np.asarray(kind, dtype=object), (n,)),
        "who": frame[who].astype(str).to_numpy(dtype=object),
        "what": what.astype(str).to_numpy(dtype=object),
        "before": np.full(n, "", dtype=object),
        "after": np.full(n, "", dtype=object),
        "flags": frame["flags"].astype(str).to_numpy(dtype=object),
        "record": record_links(frame[key]).to_numpy(dtype=object),
    }


def _stance_and_option(stance: pd.Series, option: pd.Series) -> pd.Series:
    text = stance.astype(str)
    return text.where(option.astype(str) == "", text + " · " + option.astype(str))


@per_selection
def changes_since(
    talks: pd.DataFrame,
    positions: pd.DataFrame | Rows,
    reactions: pd.DataFrame | Rows,
    plans: pd.DataFrame,
    since: pd.Timestamp,
    commitments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Everything dated after `since`, newest first: rounds, positions that moved (or open a party's record on an
    issue), reactions, plans and commitments whose status changed; `before` and `after` say how a position or a
    commitment moved, `record` links to the record."""
    # Each kind of change is remembered on its own (parley.recent): a window a day shorter usually changes one kind's
    # rows at most, and the others are found again.
    parts = [
        _rounds_part(talks, since),
        _moves_part(positions, since),
        _reactions_part(reactions, since),
        _plans_part(plans, since),
    ]
    if commitments is not None and len(commitments):
        parts.append(_commitments_part(commitments, since))
    parts = [p for p in parts if len(p["date"])]
    if not parts:
        return pd.DataFrame(columns=DIGEST_COLUMNS)
    out = pd.DataFrame({column: np.concatenate([p[column] for p in parts]) for column in DIGEST_COLUMNS})
    return out.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)


@per_selection
def _rounds_part(talks: pd.DataFrame, since: pd.Timestamp) -> dict[str, np.ndarray]:
    new_talks = talks[talks["start_date"].to_numpy() > np.datetime64(since)]
    return _part(new_talks, "start_date", "round", "parties", new_talks["title"], "talk_id")


@per_selection
def _moves_part(positions: pd.DataFrame | Rows, since: pd.Timestamp) -> dict[str, np.ndarray]:
    moves = _moves(positions, since)
    if not len(moves):
        return {column: np.empty(0, dtype=object) for column in DIGEST_COLUMNS}
    rows = date_ordered(as_rows(positions), "date").take(moves["row"].to_numpy())
    moved = rows.frame(["date", "actor_name", "issue_label", "summary", "flags", "position_id"])
    before = _stance_and_option(moves["before_stance"], moves["before_option"])
    part = _part(
        moved,
        "date",
        np.where(moves["before_stance"] == "", "new position", "position moved"),
        "actor_name",
        moved["issue_label"].astype(str) + ": " + moved["summary"].astype(str),
        "position_id",
    )
    part["before"] = before.where(moves["before_stance"] != "", "—").to_numpy(dtype=object)
    part["after"] = _stance_and_option(moves["after_stance"], moves["after_option"]).to_numpy(dtype=object)
    return part


@per_selection
def _reactions_part(reactions: pd.DataFrame | Rows, since: pd.Timestamp) -> dict[str, np.ndarray]:
    day = np.datetime64(since)
    recent = date_ordered(as_rows(reactions), "date")
    recent = recent.take(np.flatnonzero(recent.values("date") > day))
    if not len(recent):
        return {column: np.empty(0, dtype=object) for column in DIGEST_COLUMNS}
    r = recent.frame(["date", "actor_name", "stance_label", "summary", "flags", "reaction_id"])
    what = r["stance_label"].astype(str) + ": " + r["summary"].astype(str)
    return _part(r, "date", "reaction", "actor_name", what, "reaction_id")


@per_selection
def _plans_part(plans: pd.DataFrame, since: pd.Timestamp) -> dict[str, np.ndarray]:
    new_plans = plans[plans["presented"].to_numpy() > np.datetime64(since)]
    return _part(new_plans, "presented", "plan", "proposer_names", new_plans["title"], "plan_id")


@per_selection
def _commitments_part(commitments: pd.DataFrame, since: pd.Timestamp) -> dict[str, np.ndarray]:
    status = _status_changes(commitments, since)
    return {column: status[column].to_numpy() for column in DIGEST_COLUMNS}


def _status_changes(events: pd.DataFrame, since: pd.Timestamp) -> pd.DataFrame:
    """Commitment events after `since` that change the item's status (its first event included), with the status
    before. Ordered by item then date (stable); the walk is over arrays, and only the picked events become rows: a
    sort of the whole events table, every column copied, cost more than the rest of the list."""
    item_codes = pd.factorize(events["item_id"].astype(str).to_numpy(dtype=object), sort=True)[0]
    order = np.lexsort((events["date"].to_numpy(), item_codes))  # stable: equal keys keep their loaded order
    item = item_codes[order]
    status = events["status"].astype(str).to_numpy(dtype=object)[order]
    labels = events["status_label"].astype(str).to_numpy(dtype=object)[order]
    same_item = np.r_[False, item[1:] == item[:-1]] if len(item) else np.zeros(0, dtype=bool)
    changed = ~(same_item & np.r_[False, status[1:] == status[:-1]][: len(item)])
    keep = np.flatnonzero(changed & (events["date"].to_numpy()[order] > np.datetime64(since)))
    previous = np.where(same_item[keep], labels[np.maximum(keep - 1, 0)], "")
    recent = events.iloc[order[keep]]
    return pd.DataFrame(
        {
            "date": recent["date"],
            "kind": "commitment",
            "who": recent["party_names"].astype(str),
            "what": recent["summary"].astype(str),
            "before": pd.Series(np.where(previous != "", previous, "—"), index=recent.index).astype(str),
            "after": recent["status_label"].astype(str),
            "flags": np.where(recent["confidence"].astype(str) == "low", "low confidence", ""),
            "record": record_links(recent["item_id"]),
        }
    )
