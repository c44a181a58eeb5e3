"""Correcting one record (bundled or imported): check the changed fields, preview old and new, write one batch.

Pure Python. A correction supersedes the record in place: it keeps its id, and the batch holds the fields changed
with their previous values (parley.store, `record_corrections`). It is checked by the import's rules: the record's
own fields by `validate_table` (the same messages an imported file gets), dates that cannot lie ahead, then the whole
data with the correction applied, so a link it breaks (an option off the issue, an unknown round) is refused too.
Only problems the correction causes count. Written by Store.write_batch, undone by importer.undo_batch like any batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from parley import schema as s
from parley.importer import NOT_IN_FUTURE, ImportRefused, with_suggestions
from parley.layers import _with_cells
from parley.loading import DEFAULT_DATA_DIR, bundled_tables, rows_to_check, validate_layered
from parley.store import Batch, Correction, RecordHistory, Store, layered
from parley.validation import Problem, codes_from, validate_actor_types, validate_table

# The record page's kinds that can be corrected, and their tables: the record tables an analyst imports into.
CORRECTABLE = {
    "position": "positions",
    "reaction": "reactions",
    "round": "talks",
    "item": "agreed_items",
    "actor": "actors",
    "source": "sources",
}
VIA = "app (correct a record)"


def editable_columns(table: str) -> list[s.Column]:
    """Every field but the id: a corrected record keeps its id, so links to it stay."""
    t = s.TABLES_BY_NAME[table]
    return [c for c in t.columns if c.name != t.key]


def label_for(table: str, record_id: str) -> str:
    """Where a correction's problems are reported (the `file` of each Problem)."""
    return f"{s.TABLES_BY_NAME[table].file} (correction of {record_id})"


@dataclass(frozen=True)
class Base:
    """What a correction is checked against: the bundled raw tables and the store's rows, read at `revision`.
    `checked`: the bundled tables are known to pass every check alone (loading.bundled_tables), so only the rows
    imports and corrections changed go through the per-cell rules again."""

    bundled: dict[str, pd.DataFrame]
    imported: dict[str, pd.DataFrame]
    revision: str
    checked: bool = False


def read_base(store: Store, data_dir: Path = DEFAULT_DATA_DIR) -> Base:
    bundled, problems, checked = bundled_tables(data_dir)
    if problems:
        raise ImportRefused("The bundled data does not load; nothing can be corrected.", problems)
    revision = store.revision()  # before the rows: a write in between makes the commit check again
    return Base(bundled, store.imported_rows(), revision, checked)


def _position(frames: Mapping[str, pd.DataFrame], table: str, record_id: str) -> int | None:
    key = s.TABLES_BY_NAME[table].key
    assert key is not None, f"{table} has no id column"
    # Compared vectorised: a Python string per row would cost a second at a million positions.
    hits = np.flatnonzero(frames[table][key].astype(str).eq(record_id).to_numpy(dtype=bool, na_value=False))
    return int(hits[0]) if len(hits) else None


def current_values(base: Base, table: str, record_id: str) -> dict[str, str] | None:
    """The record as the app shows it now (bundled or imported, corrections applied), as raw text; None if absent."""
    frames = layered(base.bundled, base.imported).frames
    i = _position(frames, table, record_id)
    if i is None:
        return None
    columns = s.TABLES_BY_NAME[table].column_names
    return {c: str(v) for c, v in zip(columns, frames[table].iloc[i][columns], strict=True)}


@dataclass(frozen=True)
class CorrectionPreview:
    """What a correction would change, and the rules it breaks. Commit it only when `ok`."""

    table: str
    record_id: str
    before: dict[str, str]  # the whole record now ({} when it is not in the data)
    after: dict[str, str]  # the whole record corrected
    problems: tuple[Problem, ...]
    base_revision: str
    _base: Base = field(repr=False)
    _today: date = field(repr=False, default_factory=date.today)

    @property
    def changes(self) -> dict[str, tuple[str, str]]:
        """The changed fields, each as (now, corrected), in the table's column order."""
        return {c: (self.before[c], self.after[c]) for c in self.after if self.before.get(c) != self.after[c]}

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.changes)

    def frame(self) -> pd.DataFrame:
        """Old and new values side by side, only the changed fields, as text."""
        rows = [{"field": c, "now": old, "corrected": new} for c, (old, new) in self.changes.items()]
        return pd.DataFrame(rows, columns=["field", "now", "corrected"], dtype=str)


def preview_correction(
    table: str,
    record_id: str,
    changes: Mapping[str, str],
    store: Store,
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    seen: Mapping[str, str] | None = None,
    today: date | None = None,
    base: Base | None = None,
) -> CorrectionPreview:
    """Check setting `changes` ({column: new raw text}) on one record. Writes nothing.

    `seen` holds the values the analyst started from; a changed field whose value moved since (another correction
    landed) is refused rather than silently overwritten."""
    if table not in CORRECTABLE.values():
        raise ValueError(f"{table} records cannot be corrected")
    editable = {c.name for c in editable_columns(table)}
    unknown = set(changes) - editable
    if unknown:
        raise ValueError(f"not an editable field of {table}: {', '.join(sorted(unknown))}")
    base = base or read_base(store, data_dir)
    when = today or date.today()
    cleaned = {c: str(v).strip() for c, v in changes.items()}
    before, after, problems = _evaluate(table, record_id, cleaned, base, when, seen)
    return CorrectionPreview(table, record_id, before, after, tuple(problems), base.revision, base, when)


def _evaluate(
    table: str,
    record_id: str,
    changes: Mapping[str, str],
    base: Base,
    today: date,
    seen: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    t = s.TABLES_BY_NAME[table]
    label = label_for(table, record_id)
    layers = layered(base.bundled, base.imported)
    i = _position(layers.frames, table, record_id)
    if i is None:
        rule = "no record has this id (it may have been removed by an undo since): there is nothing to correct"
        return {}, {}, [Problem(label, None, t.key, record_id, rule)]
    frame = layers.frames[table]
    before = {c: str(v) for c, v in zip(t.column_names, frame.iloc[i][t.column_names], strict=True)}
    after = before | dict(changes)
    moved = [c for c in changes if seen is not None and c in seen and seen[c] != before[c]]
    if moved:
        rule = (
            "this field was changed by another correction or undo since the form was opened "
            f"(now: '{before[moved[0]]}'): close the form and open it again to start from the record as it is now"
        )
        return before, after, [Problem(label, None, c, seen[c] if seen else None, rule) for c in moved]
    # The record's own fields, by the rules an imported file's rows meet (same messages).
    codes = codes_from(base.bundled["codebook"], base.bundled["issues"])
    row = pd.DataFrame([after], columns=t.column_names, dtype=str)
    problems = [Problem(label, None, p.column, p.value, p.rule) for p in validate_table(t, row, codes)]
    latest = today + timedelta(days=1)  # as the import: 'tomorrow' is a time-zone matter, not an error
    for column in NOT_IN_FUTURE.get(table, ()):
        value = after[column]
        if not problems and column in changes and value and date.fromisoformat(value) > latest:
            problems.append(Problem(label, None, column, value, f"date is in the future (today is {today})"))
    if problems or before == after:
        return before, after, problems
    # Everything that depends on other records, on the whole data with the correction applied. The changed columns
    # are rebuilt around the new cells, the others shared: no copy of a table of a million rows for one record.
    corrected = dict(layers.frames)
    corrected[table] = frame.copy(deep=False)
    for column, value in changes.items():
        corrected[table][column] = _with_cells(frame[column], {i: value})
    # Cell by cell, only the rows imports and corrections changed, this one included, when the bundled rows are
    # known to pass alone (loading.rows_to_check); the same problems as checking every row.
    unchanged = rows_to_check(base.bundled, layers, base.checked)
    rows = rows_to_check(base.bundled, layers, base.checked, corrected)
    if rows is not None:
        rows = rows | {table: np.union1d(rows[table], np.array([i], dtype=np.int64))}

    def checked(frames: Mapping[str, pd.DataFrame], rules) -> list[Problem]:  # type: ignore[no-untyped-def]
        return layers.relabel(_relabelled(rules(frames), t, i, label))

    problems = checked(corrected, lambda frames: validate_layered(frames, rows))
    if problems:
        existing = checked(layers.frames, lambda frames: validate_layered(frames, unchanged))
        if existing:
            raise ImportRefused(
                "The data has problems already (listed below), so a correction cannot be checked. "
                "Nothing was written; undo the batch each problem names first.",
                sorted(set(existing), key=str),
            )
    else:
        # The import holds new records to the actor kinds (a party is a state, organisation or bloc, a speaker a
        # person); a correction is held to them wherever it makes a record break them.
        kinds = checked(corrected, validate_actor_types)
        if kinds:
            existing_kinds = set(checked(layers.frames, validate_actor_types))
            problems = [p for p in kinds if p not in existing_kinds]
    return before, after, with_suggestions(problems, [base.bundled, base.imported])


def _relabelled(problems: list[Problem], t: s.Table, i: int, label: str) -> list[Problem]:
    """Problems in the corrected record's row named as the correction's; the rest as they are."""
    out = []
    for p in problems:
        mine = p.file == t.file and p.row == i + 2
        out.append(Problem(label, None, p.column, p.value, p.rule) if mine else p)
    return out


def commit_correction(preview: CorrectionPreview, store: Store, *, via: str = VIA) -> Batch:
    """Write the correction as one batch, in one transaction. Raises ImportRefused; then nothing is written."""
    if preview.problems:
        raise ImportRefused(
            f"The correction has {len(preview.problems)} problem(s); nothing was written.", preview.problems
        )
    if not preview.changes:
        raise ImportRefused("Nothing to correct: every field is as it was. Nothing was written.")
    changes = {c: new for c, (_, new) in preview.changes.items()}

    def recheck(current: dict[str, pd.DataFrame]) -> None:
        again = Base(preview._base.bundled, current, "", preview._base.checked)
        before, _, problems = _evaluate(preview.table, preview.record_id, changes, again, preview._today)
        if problems:
            raise ImportRefused(
                "Another import, correction or undo landed while this correction was being reviewed, and it now has "
                "problems. Nothing was written; check the correction again.",
                problems,
            )
        if any(before.get(c) != preview.before[c] for c in changes):
            raise ImportRefused(
                f"Another correction or undo changed {preview.record_id} while this correction was being reviewed. "
                "Nothing was written; check the record as it is now and correct it again."
            )

    return store.write_batch(
        {},
        files=(),
        via=via,
        expect_revision=preview.base_revision,
        recheck=recheck,
        corrections=[Correction(preview.table, preview.record_id, preview.changes)],
    )


def history(store: Store, table: str, record_id: str) -> RecordHistory:
    """Where the record comes from and its corrections, oldest first."""
    return store.history(table, record_id)
