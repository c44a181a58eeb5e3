"""The corrections an export zip carries, so that the zip is a full backup: written beside the tables as
`corrections.csv` and re-applied when the zip is imported.

The zip's tables hold every record as shown, corrections applied. Imported alone, a corrected bundled record would be
refused as a conflict with the bundled one. So the zip also lists its corrections in the order they were written
(one row per changed field, with the value before and after), and an import of the zip takes each record back to
the version before the corrections this store does not hold yet, imports the records (a bundled record is then an
exact duplicate, skipped), and writes each of those corrections as its own correction batch, through the same checks
as a correction made on the record's page: the history and undo work as for those. A correction that the store
already holds (the same record, the same fields and values, at the same place in the record's corrections) is
skipped, so importing the same zip twice changes nothing the second time.

Only an export zip is read this way: a CSV file holding a changed version of an existing record is still a conflict.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import PurePath

import pandas as pd

from parley import schema as s
from parley.import_csv import Part
from parley.layers import parse_changes
from parley.store import Batch, Correction, Store
from parley.validation import Problem, escaped

CORRECTIONS_FILE = "corrections.csv"
COLUMNS = ["correction", "table", "record_id", "field", "previous", "corrected"]
VIA = "import (correction from an export zip)"
# The tables a correction can touch (parley.corrections.CORRECTABLE): the record tables with an id of their own.
_TABLES = ("positions", "reactions", "talks", "agreed_items", "actors", "sources")


def corrections_frame(corrections: pd.DataFrame | None, raw: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The store's corrections (Store.imported_rows()[CORRECTIONS_KEY]) as corrections.csv rows, oldest first; only
    those whose record is in the exported tables `raw` (a correction left behind by a data release is not)."""
    rows: list[dict[str, str]] = []
    if corrections is None or corrections.empty:
        return pd.DataFrame(columns=COLUMNS, dtype=str)
    n = 0
    for table, record, changes in corrections[["table_name", "record_id", "changes"]].itertuples(index=False):
        key = s.TABLES_BY_NAME[table].key if table in s.TABLES_BY_NAME else None
        if key is None or table not in raw or record not in set(raw[table][key]):
            continue
        n += 1
        for field, (previous, corrected) in parse_changes(changes).items():
            rows.append(
                {
                    "correction": str(n),
                    "table": table,
                    "record_id": record,
                    "field": field,
                    "previous": previous,
                    "corrected": corrected,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS, dtype=str)


def read_corrections(files: Sequence[tuple[str, bytes]], max_bytes: int) -> tuple[list[Correction], str, list[Problem]]:
    """The corrections of an export zip given alone, in order, with the label its problems carry; none otherwise."""
    if len(files) != 1 or PurePath(files[0][0]).suffix.lower() != ".zip":
        return [], "", []
    file = escaped(PurePath(files[0][0]).name)
    label = f"{file}: {CORRECTIONS_FILE}"
    try:
        with zipfile.ZipFile(io.BytesIO(files[0][1])) as archive:
            member = next((m for m in archive.infolist() if m.filename == CORRECTIONS_FILE), None)
            if member is None:
                return [], label, []
            if member.file_size > max_bytes:
                return [], label, []  # reported by the zip's reader, with the other files' sizes
            with archive.open(member) as handle:
                data = handle.read(max_bytes + 1)
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError):
        return [], label, []  # reported by the zip's reader
    if len(data) > max_bytes:
        return [], label, []
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        return [], label, [Problem.whole_file(label, f"cannot be read as CSV ({err})")]
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        return [], label, [Problem.whole_file(label, f"missing column(s): {', '.join(missing)} (expected {COLUMNS})")]
    corrections: list[Correction] = []
    problems: list[Problem] = []
    numbers: list[str] = []
    for i, row in enumerate(frame[COLUMNS].itertuples(index=False)):
        number, table, record, field, previous, corrected = (str(v) for v in row)
        where = i + 2  # as a spreadsheet numbers the rows, the header being row 1
        t = s.TABLES_BY_NAME.get(table)
        if table not in _TABLES or t is None:
            problems.append(Problem(label, where, "table", table, f"not a table a correction can change ({_TABLES})"))
            continue
        if field not in t.column_names or field == t.key:
            problems.append(Problem(label, where, "field", field, f"not a field of {table} that can be corrected"))
            continue
        if numbers and number == numbers[-1]:
            last = corrections[-1]
            if (last.table, last.record_id) != (table, record) or field in last.changes:
                rule = "one correction changes one record, each field once"
                problems.append(Problem(label, where, "correction", number, rule))
                continue
            last.changes[field] = (previous, corrected)
            continue
        if number in numbers:
            problems.append(Problem(label, where, "correction", number, "a correction's rows come together"))
            continue
        numbers.append(number)
        corrections.append(Correction(table, record, {field: (previous, corrected)}))
    return corrections, label, problems


def still_to_apply(corrections: Sequence[Correction], in_store: pd.DataFrame | None) -> tuple[list[Correction], int]:
    """The corrections this store does not hold yet, and how many it holds. Per record, the store's corrections that
    match the zip's from the first on are already there; the zip's after them are to be applied."""
    held: dict[tuple[str, str], list[dict[str, tuple[str, str]]]] = {}
    if in_store is not None and not in_store.empty:
        for table, record, changes in in_store[["table_name", "record_id", "changes"]].itertuples(index=False):
            held.setdefault((table, record), []).append(parse_changes(changes))
    seen: dict[tuple[str, str], int] = {}
    pending: list[Correction] = []
    n_held = 0
    for c in corrections:
        key = (c.table, c.record_id)
        n = seen.get(key, 0)
        seen[key] = n + 1
        store_list = held.get(key, [])
        matching = n < len(store_list) and store_list[n] == c.changes
        if matching and not any(p.table == c.table and p.record_id == c.record_id for p in pending):
            n_held += 1
        else:
            pending.append(c)
    return pending, n_held


def before_corrections(
    parts: Mapping[str, Part], pending: Sequence[Correction], label: str
) -> tuple[dict[str, Part], list[Problem]]:
    """The zip's records taken back to the version before `pending` (undone newest first), so that the import meets
    them as they were; a record whose values do not match its corrections is a problem (the zip was changed)."""
    out = dict(parts)
    problems: list[Problem] = []
    frames: dict[str, pd.DataFrame] = {}
    for c in reversed(pending):
        part = out.get(c.table)
        key = s.TABLES_BY_NAME[c.table].key or ""
        if part is None or key not in part.frame.columns:
            rule = f"a correction of a record that is not in the zip's {c.table}.csv"
            problems.append(Problem(label, None, "record_id", c.record_id, rule))
            continue
        frame = frames.setdefault(c.table, part.frame.copy())
        hits = frame.index[frame[key] == c.record_id]
        if not len(hits):
            rule = f"a correction of a record that is not in the zip's {c.table}.csv"
            problems.append(Problem(label, None, "record_id", c.record_id, rule))
            continue
        for field, (previous, corrected) in c.changes.items():
            now = frame.at[hits[0], field] if field in frame.columns else None
            if now != corrected:
                rule = (
                    f"the correction of {c.record_id} sets {field} to '{corrected}', but the zip's {c.table}.csv "
                    f"holds '{now}': the zip was changed after the export; export again"
                )
                problems.append(Problem(label, None, field, corrected, rule))
                continue
            frame.at[hits[0], field] = previous
    for table, frame in frames.items():
        out[table] = replace(out[table], frame=frame)
    return out, problems


def apply_corrections(
    pending: Sequence[Correction],
    store: Store,
    bundled: dict[str, pd.DataFrame],
    today: date,
    written: str,
    *,
    checked: bool = False,
) -> list[Batch]:
    """Each correction as its own batch, checked as one made on the record's page. `written` says what the import
    wrote before (for the message when a correction is refused: what is written stays); `checked`: `bundled` is
    known to pass every check alone (loading.bundled_tables)."""
    # Imported here: parley.corrections builds on the importer, which imports this module.
    from parley.corrections import Base, commit_correction, preview_correction
    from parley.importer import ImportRefused

    batches: list[Batch] = []
    for i, c in enumerate(pending):
        base = Base(bundled, store.imported_rows(), store.revision(), checked)
        new = {field: corrected for field, (_, corrected) in c.changes.items()}
        seen = {field: previous for field, (previous, _) in c.changes.items()}
        preview = preview_correction(c.table, c.record_id, new, store, seen=seen, today=today, base=base)
        if not preview.ok:
            done = [written] if written else []
            done += [f"{i} of the export's {len(pending)} correction(s) were re-applied"] if i else []
            said = "; ".join(done) if done else "nothing was written"
            raise ImportRefused(
                f"The correction of {c.table} {c.record_id} from the export cannot be re-applied (listed below): "
                f"{said}, and the rest was not written. Import the zip again once the record is as the correction "
                "expects: what is already there is skipped.",
                preview.problems,
            )
        batches.append(commit_correction(preview, store, via=VIA))
    return batches


def note(pending: Sequence[Correction], n_held: int) -> str:
    """What the import will do with the export's corrections, for the preview."""
    parts = []
    if pending:
        parts.append(f"{len(pending)} will be re-applied after the records, each as its own correction batch")
    if n_held:
        parts.append(f"{n_held} this store holds already are skipped")
    return f"The export holds {len(pending) + n_held} correction(s): {'; '.join(parts)}."
