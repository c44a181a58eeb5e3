"""Checking incoming records against everything already there: the table rules, exact duplicates and conflicts with
bundled and imported records, dates in the future, links and actor types over the union, and the nearest known
codes for an unknown id.

Separate from reading (which only turns files into `Part`s) and from preview and commit (which run these checks
once before showing a preview and again inside the write when the store moved on in between).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from parley import schema as s
from parley.import_csv import Part
from parley.loading import rows_to_check, validate_layered
from parley.store import Layers, layered
from parley.validation import Problem, codes_from, validate_actor_types, validate_links, validate_table

# Dates that cannot lie ahead of the day they are recorded (talks can: rounds are announced before they happen).
NOT_IN_FUTURE = {
    "positions": ("date",),
    "reactions": ("date",),
    "commitment_events": ("date",),  # a step taken (or broken), not one planned
    "sources": ("published",),
}


def _at(part: Part, problem: Problem) -> Problem:
    """A problem found in a part's frame (row = position + 2) moved to the record's own file and row."""
    if problem.row is None:
        return Problem(part.file, None, problem.column, problem.value, problem.rule)
    file, row = part.where[problem.row - 2]
    return Problem(file, row, problem.column, problem.value, problem.rule)


def _key_columns(table: s.Table) -> list[str]:
    return [table.key] if table.key else list(table.unique_together)


def _sharing(existing: pd.DataFrame, incoming: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Positions (ascending) of the existing rows that may equal an incoming record in `columns`: each of their values
    occurs in that column of the incoming records. Vectorised `isin`, the first column over the whole table and the
    others over the rows it leaves; every row whose key equals an incoming key is among them (a few more may be,
    which the exact lookup by key then never meets)."""
    maybe = np.flatnonzero(existing[columns[0]].isin(incoming[columns[0]].unique()).to_numpy(dtype=bool))
    for column in columns[1:]:
        if not len(maybe):
            break
        found = existing[column].iloc[maybe].isin(incoming[column].unique()).to_numpy(dtype=bool)
        maybe = maybe[found]
    return maybe


def _tuples(frame: pd.DataFrame, at: np.ndarray, columns: list[str]) -> list[tuple]:
    return list(frame[columns].iloc[at].itertuples(index=False, name=None))


def _origin(layers: Layers, name: str, position: int) -> str:
    n = layers.n_bundled.get(name, 0)
    return "the bundled data" if position < n else f"imported batch {layers.batch_ids[name][position - n]}"


@dataclass
class _Plan:
    new: dict[str, pd.DataFrame] = field(default_factory=dict)
    new_where: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    skipped: dict[str, pd.DataFrame] = field(default_factory=dict)
    conflicts: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _classify(part: Part, layers: Layers, plan: _Plan) -> None:
    """Each incoming record is new, an exact duplicate of an existing one (skipped), or a conflict (refused)."""
    table = part.table
    name = table.name
    columns = table.column_names
    keys = _key_columns(table)
    existing = layers.frames[name]
    # Only existing rows that share a key or a URL with an incoming record can be met below: those are picked out
    # vectorised first, so the Python dicts hold a handful of rows, not every row of a table of millions.
    hits = _sharing(existing, part.frame, keys)
    by_key = {tuple(r): i for i, r in zip(hits.tolist(), _tuples(existing, hits, keys), strict=True)}
    rows = dict(zip(hits.tolist(), _tuples(existing, hits, columns), strict=True))
    urls: dict[str, str] = {}
    if name == "sources":
        at = _sharing(existing, part.frame, ["url"])
        urls = dict(zip(existing["url"].iloc[at], existing["source_id"].iloc[at], strict=True))
    keep, skipped, conflicts = [], [], []
    for i, values in enumerate(part.frame[columns].itertuples(index=False, name=None)):
        file, row = part.where[i]
        record = dict(zip(columns, values, strict=True))
        key = tuple(record[k] for k in keys)
        shown_key = "/".join(key)
        if key in by_key:
            old = rows[by_key[key]]
            where_old = _origin(layers, name, by_key[key])
            if old == values:
                skipped.append({"file": file, "row": row, "record": shown_key, "exists in": where_old})
                continue
            differs = [(c, a, b) for c, a, b in zip(columns, old, values, strict=True) if a != b]
            conflicts.append(
                {
                    "file": file,
                    "row": row,
                    "record": shown_key,
                    "exists in": where_old,
                    "differs in": ", ".join(c for c, _, _ in differs),
                    "old values": "; ".join(f"{c}: {_short(a)}" for c, a, _ in differs),
                    "new values": "; ".join(f"{c}: {_short(b)}" for c, _, b in differs),
                }
            )
            changes = "; ".join(f"{c} was '{_short(a)}', here '{_short(b)}'" for c, a, b in differs)
            rule = f"conflict: this id already exists in {where_old} with other values ({changes}); "
            plan.problems.append(
                Problem(file, row, ", ".join(keys), shown_key, rule + _conflict_advice(name, record, where_old))
            )
            continue
        if name == "sources" and record["url"] in urls:
            plan.problems.append(
                Problem(
                    file,
                    row,
                    "url",
                    record["url"],
                    f"this URL is already recorded as source {urls[record['url']]}: cite that id instead",
                )
            )
            continue
        if name == "sources":
            urls[record["url"]] = record["source_id"]
        keep.append(i)
    plan.new[name] = part.frame.iloc[keep][columns].reset_index(drop=True)
    plan.new_where[name] = [part.where[i] for i in keep]
    plan.skipped[name] = pd.DataFrame(skipped, columns=["file", "row", "record", "exists in"])
    plan.conflicts[name] = pd.DataFrame(conflicts, columns=CONFLICT_COLUMNS)


CONFLICT_COLUMNS = ["file", "row", "record", "exists in", "differs in", "old values", "new values"]


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _conflict_advice(table: str, record: Mapping[str, str], where_old: str) -> str:
    """What to do about a record that would replace another: a bundled record has no batch to undo, so it is changed
    by 'Propose a correction' on its record page; an imported one also by undoing its batch."""
    bundled = where_old == "the bundled data"
    batch = where_old.removeprefix("imported ")
    if table == "talk_participants":  # no record page of its own, so no correction form
        if bundled:
            return "bundled records have no import batch to undo, and a round's participants change with a data release"
        return f"to change it, undo {batch} and import the participant again"
    key = record[s.TABLES_BY_NAME[table].key or ""]
    correct = f"to change the existing record, open record?id={key} and use 'Propose a correction'"
    if table == "sources":
        return f"to cite that source, leave this row out and give its id in source_ids; {correct}"
    if bundled:
        return f"bundled records have no import batch to undo: {correct}; to add a different record, give it a new id"
    return f"{correct}, or undo {batch} and import again; to add a different record, give it a new id"


def _future_dates(plan: _Plan, today: date) -> None:
    latest = today + timedelta(days=1)  # a statement dated 'tomorrow' is a time-zone matter, not an error
    for name, columns in NOT_IN_FUTURE.items():
        frame = plan.new.get(name)
        if frame is None:
            continue
        for column in columns:
            for i, value in enumerate(frame[column]):
                try:
                    when = date.fromisoformat(value) if value else None
                except ValueError:
                    when = None
                if when is not None and when > latest:
                    file, row = plan.new_where[name][i]
                    plan.problems.append(Problem(file, row, column, value, f"date is in the future (today is {today})"))


def _links(plan: _Plan, layers: Layers, bundled: Mapping[str, pd.DataFrame]) -> None:
    """References are checked on the union: bundled + store + new, so a new record may cite an existing one."""
    union = dict(bundled)
    offset: dict[str, int] = {}
    for name in s.RECORD_TABLES:
        offset[name] = len(layers.frames[name])
        new = plan.new.get(name)
        union[name] = layers.frames[name] if new is None else pd.concat([layers.frames[name], new], ignore_index=True)
    by_file = {s.TABLES_BY_NAME[name].file: name for name in s.RECORD_TABLES}
    # A cell already reported (a bad code, a stray character, a missing value) is not reported again as a link.
    reported = {(p.file, p.row, p.column) for p in plan.problems}
    # Every table, the release tables too: a provision cites a plan and an option on its own issue's scale.
    for problem in validate_links(union, s.ALL_TABLES) + validate_actor_types(union):
        table = by_file.get(problem.file)
        if table is not None and problem.row is None and plan.new_where.get(table):
            # "N more ids break this rule": the existing data had none, so they are all in the new records.
            plan.problems.append(replace(problem, file=plan.new_where[table][0][0]))
            continue
        if table is None or problem.row is None or problem.row - 2 < offset[table]:
            continue  # a problem in the existing data was reported by validate_frames already
        file, row = plan.new_where[table][problem.row - 2 - offset[table]]
        if (file, row, problem.column) not in reported:
            plan.problems.append(Problem(file, row, problem.column, problem.value, problem.rule))


def _plan(
    parts: Mapping[str, Part],
    bundled: Mapping[str, pd.DataFrame],
    imported: Mapping[str, pd.DataFrame],
    today: date,
    *,
    checked: bool = False,
) -> _Plan:
    """Classify, date-check and link-check the incoming parts against the bundled frames plus the store's rows.
    `checked`: the bundled frames are known to pass every check alone (loading.bundled_tables), so the existing
    data is checked cell by cell only where imports and corrections changed it, with the same problems."""
    plan = _Plan()
    codes = codes_from(bundled["codebook"], bundled["issues"])
    shaped: list[Part] = []
    for name in s.RECORD_TABLES:
        part = parts.get(name)
        if part is None:
            continue
        found = [_at(part, p) for p in validate_table(part.table, part.frame, codes)]
        plan.problems += found
        if set(part.frame.columns) == set(part.table.column_names):
            shaped.append(part)
    layers = layered(bundled, imported)
    existing = layers.relabel(validate_layered(layers.frames, rows_to_check(bundled, layers, checked)))
    if existing:
        plan.problems += existing
        return plan
    for part in shaped:
        _classify(part, layers, plan)
    _future_dates(plan, today)
    _links(plan, layers, bundled)  # with the other problems, so that one pass lists them all
    plan.problems = sorted(dict.fromkeys(plan.problems), key=lambda p: (p.file, p.row or 0, p.column or "", p.rule))
    return plan


# What an unknown id is matched against to suggest the nearest codes: the id, then words a reader would know it by.
_SUGGEST_FROM = {"actors": ("actor_id", "name", "aliases"), "talks": ("talk_id", "title", "city")}
# Which kinds of actor a column may name (schema.ACTOR_TYPES), by column name: only those are suggested.
_KINDS_BY_COLUMN = {column: kinds for (_, column), kinds in s.ACTOR_TYPES.items()}


def with_suggestions(problems: Sequence[Problem], layers: Sequence[Mapping[str, pd.DataFrame]]) -> list[Problem]:
    """An unknown actor or round id names the nearest known codes by id, name and alias ("did you mean RUS —
    Russia?"); an unknown actor also says that a new one can be added in the bundle's `actors`."""
    from parley.article import nearest_codes  # parley.article builds on the importer

    candidates: dict[str, list[tuple[str, str, str, str]]] = {}
    hints: dict[tuple[str, str, str], str] = {}  # a value repeated on many rows is matched once
    out = []
    for problem in problems:
        table = next((t for t in _SUGGEST_FROM if problem.rule == f"unknown id: not in {t}.csv"), None)
        if table is None or not problem.value:
            out.append(problem)
            continue
        if table not in candidates:
            key, name, words = _SUGGEST_FROM[table]
            kind = "actor_type" if table == "actors" else key  # (rounds are of one kind: the key fills the place)
            frames = [f[table] for f in layers if table in f and len(f[table])]
            rows = pd.concat(frames)[[key, name, words, kind]].astype(str).drop_duplicates(key) if frames else None
            candidates[table] = [] if rows is None else list(rows.itertuples(index=False, name=None))
        seen = (table, problem.column or "", problem.value)
        if seen not in hints:
            kinds = _KINDS_BY_COLUMN.get(problem.column or "") if table == "actors" else None
            near = nearest_codes(problem.value, [c[:3] for c in candidates[table] if kinds is None or c[3] in kinds])
            hint = ("; did you mean " + " or ".join(f"{code} — {name}" for code, name in near) + "?") if near else ""
            if table == "actors":
                hint += (
                    "" if near else "."
                ) + " A new actor can be added in the bundle's `actors` (or actors.csv) in the same import."
            hints[seen] = hint
        out.append(replace(problem, rule=problem.rule + hints[seen]))
    return out
