"""Records an analyst adds: parse, validate against everything already there, preview, then write one batch.

Accepted input (see data/README.md, "Importing new records"):
- CSV files named after their table (`positions.csv`, `talks.csv`, ...), one or several at once;
- one JSON article bundle: a source with the talks, participants, agreed items, positions and reactions read in it;
- one Parley export zip (`export_all`), so an export can be loaded into another store.

Nothing is written until `commit`; a preview with any problem cannot be committed. Problems name the file, the row
(spreadsheet row for CSV, header = row 1; the record's number in its list for JSON), the column, the value and the rule.

The stages live in their own modules, and this one re-exports their public names: reading the files
(`import_files`, `import_csv`, `import_bundle`), checking them against the recorded data (`import_checks`), and the
templates and export zip (`import_templates`). Preview, commit and undo are here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

import numpy as np
import pandas as pd

from parley import schema as s
from parley.building import BUNDLED, IMPORTED
from parley.import_bundle import BUNDLE_FORMAT, BUNDLE_KEYS, BUNDLE_LISTS, MAX_JSON_KEYS, parse_bundle, source_id_for
from parley.import_checks import CONFLICT_COLUMNS, NOT_IN_FUTURE, _plan, with_suggestions
from parley.import_csv import MAX_CSV_COLUMNS, SAVE_AS_CSV, WORKBOOK_MAGIC, Part, parse_csv
from parley.import_files import (
    EXPORT_EXTRAS,
    MAX_FILE_BYTES,
    MAX_ZIP_TOTAL_BYTES,
    RELEASE_ONLY,
    SPREADSHEETS,
    Parsed,
    parse_files,
    parse_zip,
)
from parley.import_restore import apply_corrections, before_corrections, note, read_corrections, still_to_apply
from parley.import_templates import DATASET_TABLES, EXAMPLE_URL, example_bundle, export_all, template_csv, to_raw_frames
from parley.loading import (
    DEFAULT_DATA_DIR,
    bundled_tables,
    read_version,
    rows_to_check,
    validate_layered,
)
from parley.recent import per_selection
from parley.selection import Rows
from parley.store import CORRECTIONS_KEY, Batch, Correction, Store, layered
from parley.validation import Problem, escaped

# The public names of the import, wherever they live: callers import them from here.
__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_KEYS",
    "BUNDLE_LISTS",
    "CONFLICT_COLUMNS",
    "DATASET_TABLES",
    "EXAMPLE_URL",
    "EXPORT_EXTRAS",
    "ImportRefused",
    "MAX_CSV_COLUMNS",
    "MAX_FILE_BYTES",
    "MAX_JSON_KEYS",
    "MAX_ZIP_TOTAL_BYTES",
    "NOT_IN_FUTURE",
    "Parsed",
    "Part",
    "Preview",
    "RELEASE_ONLY",
    "SAVE_AS_CSV",
    "SPREADSHEETS",
    "VIEW_COLUMNS",
    "WORKBOOK_MAGIC",
    "commit",
    "example_bundle",
    "export_all",
    "imported_records",
    "origin_counts",
    "parse_bundle",
    "parse_csv",
    "parse_files",
    "parse_zip",
    "preview_import",
    "problems_frame",
    "source_id_for",
    "template_csv",
    "to_raw_frames",
    "undo_batch",
    "with_suggestions",
]


class ImportRefused(Exception):
    """Nothing was written; `problems` says why, record by record (may be empty when the message says it all)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()):
        self.problems = list(problems)
        super().__init__(message)


# -- preview and commit -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What an import would change. Commit it only when `ok`; the store may have moved on in between (rechecked)."""

    files: tuple[str, ...]
    problems: tuple[Problem, ...]
    notes: tuple[str, ...]
    new: dict[str, pd.DataFrame]  # per table: the records that will be written
    skipped: dict[str, pd.DataFrame]  # per table: exact duplicates of existing records, not written
    conflicts: dict[str, pd.DataFrame]  # per table: same id as an existing record, different content (refused)
    base_revision: str
    # An export zip's corrections that this store does not hold yet: re-applied after the records, in order.
    corrections: tuple[Correction, ...] = ()
    _parts: dict[str, Part] = field(repr=False, default_factory=dict)
    _bundled: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    _today: date = field(repr=False, default_factory=date.today)
    _checked: bool = field(repr=False, default=False)  # _bundled known to pass every check alone (bundled_tables)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def n_new(self) -> int:
        return sum(len(f) for f in self.new.values())

    @property
    def has_changes(self) -> bool:
        """Whether a commit would write anything: new records, or corrections to re-apply."""
        return self.n_new > 0 or bool(self.corrections)

    @property
    def n_skipped(self) -> int:
        return sum(len(f) for f in self.skipped.values())

    def summary(self) -> pd.DataFrame:
        """One row per table that the import touches: new records, exact duplicates skipped, conflicts."""
        rows = [
            {
                "table": name,
                "new": len(self.new.get(name, ())),
                "duplicates skipped": len(self.skipped.get(name, ())),
                "conflicts": len(self.conflicts.get(name, ())),
            }
            for name in s.RECORD_TABLES
            if name in self.new or name in self.skipped or name in self.conflicts
        ]
        return pd.DataFrame(rows, columns=["table", "new", "duplicates skipped", "conflicts"])


def problems_frame(problems: Sequence[Problem]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"file": p.file, "row": p.row, "column": p.column, "value": p.value, "rule": p.rule} for p in problems],
        columns=["file", "row", "column", "value", "rule"],
    ).astype({"row": "Int64"})


def preview_import(
    files: Sequence[tuple[str, bytes]],
    store: Store,
    data_dir: Path = DEFAULT_DATA_DIR,
    *,
    max_bytes: int = MAX_FILE_BYTES,
    today: date | None = None,
) -> Preview:
    """Parse and validate `(file name, bytes)` pairs against the bundled data plus the store. Writes nothing."""
    names = tuple(escaped(PurePath(name).name) for name, _ in files)
    parsed = parse_files(files, version=read_version(data_dir), max_bytes=max_bytes)
    # The checked bundled stage when the cache holds it (else read from CSV): the existing data is then checked row
    # by row only where imports and corrections changed it.
    bundled, problems, checked = bundled_tables(data_dir)
    revision = store.revision()  # before the rows: a write in between makes commit recheck
    empty: dict[str, pd.DataFrame] = {}
    if problems:
        return Preview(names, tuple(problems), tuple(parsed.notes), empty, empty, empty, revision)
    when = today or date.today()
    imported = store.imported_rows()
    # An export zip lists its corrections: its records are met as they were before those this store lacks.
    corrections, label, restore_problems = read_corrections(files, max_bytes)
    pending, n_held = still_to_apply(corrections, imported.get(CORRECTIONS_KEY))
    parts, mismatched = before_corrections(parsed.parts, pending, label)
    notes = tuple(parsed.notes) + ((note(pending, n_held),) if corrections else ())
    plan = _plan(parts, bundled, imported, when, checked=checked)
    # A cell already reported while parsing (wrong JSON type, missing source) is not reported again as 'required'.
    seen = {(p.file, p.row, p.column) for p in parsed.problems if p.row is not None}
    later = [p for p in plan.problems if (p.file, p.row, p.column) not in seen] + restore_problems + mismatched
    known = [bundled, imported, {name: part.frame for name, part in parsed.parts.items()}]
    return Preview(
        files=names,
        problems=tuple(parsed.problems + with_suggestions(later, known)),
        notes=notes,
        new=plan.new,
        skipped=plan.skipped,
        conflicts=plan.conflicts,
        base_revision=revision,
        corrections=tuple(pending),
        _parts=parts,
        _bundled=bundled,
        _today=when,
        _checked=checked,
    )


def _same(a: Mapping[str, pd.DataFrame], b: Mapping[str, pd.DataFrame]) -> bool:
    names = {n for n, f in a.items() if len(f)} | {n for n, f in b.items() if len(f)}
    return all(n in a and n in b and a[n].reset_index(drop=True).equals(b[n].reset_index(drop=True)) for n in names)


def commit(preview: Preview, store: Store, *, via: str = "") -> Batch:
    """Write the preview's new records as one batch, in one transaction. Raises ImportRefused; nothing is written.

    An export zip's corrections are then re-applied, each as its own correction batch (parley.import_restore); the
    import batch is returned, or the last correction's when there were no new records."""
    if preview.problems:
        raise ImportRefused(
            f"The import has {len(preview.problems)} problem(s); nothing was written.", preview.problems
        )
    if not preview.has_changes:
        raise ImportRefused("Nothing new to import: every record already exists. Nothing was written.")
    batch = _write_records(preview, store, via=via) if preview.n_new else None
    written = f"the records were imported in batch {batch.batch_id}" if batch else ""
    corrected = apply_corrections(
        preview.corrections, store, preview._bundled, preview._today, written, checked=preview._checked
    )
    return batch or corrected[-1]


def _write_records(preview: Preview, store: Store, *, via: str) -> Batch:
    def recheck(current: dict[str, pd.DataFrame]) -> None:
        again = _plan(preview._parts, preview._bundled, current, preview._today, checked=preview._checked)
        if again.problems:
            raise ImportRefused(
                "Another import or undo landed while this one was being reviewed, and this import now has problems. "
                "Nothing was written; check the files again.",
                again.problems,
            )
        if not _same(again.new, preview.new):
            raise ImportRefused(
                "Another import or undo landed while this one was being reviewed and changed what this one would add. "
                "Nothing was written; check the files again and confirm the new preview."
            )

    return store.write_batch(
        {name: frame for name, frame in preview.new.items() if len(frame)},
        files=preview.files,
        skipped={name: len(frame) for name, frame in preview.skipped.items() if len(frame)},
        via=via,
        expect_revision=preview.base_revision,
        recheck=recheck,
    )


def undo_batch(store: Store, batch_id: str, data_dir: Path = DEFAULT_DATA_DIR) -> Batch:
    """Remove one batch, unless that would leave a record pointing at a removed one (then nothing changes)."""
    bundled, problems, checked = bundled_tables(data_dir)
    if problems:
        raise ImportRefused("The bundled data does not load; nothing was changed.", problems)

    def problems_with(rows: dict[str, pd.DataFrame]) -> list[Problem]:
        layers = layered(bundled, rows)
        return layers.relabel(validate_layered(layers.frames, rows_to_check(bundled, layers, checked)))

    def check(now: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
        # Only problems the undo would cause count: undoing a batch that clashes with a new release must stay possible.
        before = set(problems_with(now))
        found = [p for p in problems_with(after) if p not in before]
        if found:
            raise ImportRefused(
                f"Batch {batch_id} cannot be undone: records imported later refer to its records (listed below). "
                "Undo those batches first. Nothing was changed.",
                found,
            )

    return store.undo(batch_id, check=check)


# -- what the current view holds, by origin ---------------------------------------------------------------------

VIEW_COLUMNS = {  # table: (id column, date column, text column) for the list of imported records
    "talks": ("talk_id", "start_date", "title"),
    "agreed_items": ("item_id", None, "summary"),
    "positions": ("position_id", "date", "summary"),
    "reactions": ("reaction_id", "date", "summary"),
    "sources": ("source_id", "published", "title"),
}


def _origin_is(frame: pd.DataFrame | Rows, origin: str) -> np.ndarray | pd.Series:
    """Per row, whether it has this origin; a selection compares category codes, not a million strings."""
    return frame.is_value("origin", origin) if isinstance(frame, Rows) else frame["origin"] == origin


@per_selection
def origin_counts(tables: Mapping[str, pd.DataFrame | Rows]) -> pd.DataFrame:
    """Per table: how many of the rows are bundled and how many imported."""
    rows = [
        {
            "table": name,
            "bundled": int(_origin_is(frame, BUNDLED).sum()),
            "imported": int(_origin_is(frame, IMPORTED).sum()),
        }
        for name, frame in tables.items()
    ]
    return pd.DataFrame(rows, columns=["table", "bundled", "imported"])


@per_selection
def imported_records(tables: Mapping[str, pd.DataFrame | Rows]) -> pd.DataFrame:
    """The imported rows of the given (Dataset) tables as one list: table, id, date, title or summary."""
    parts = []
    for name, frame in tables.items():
        id_col, date_col, text_col = VIEW_COLUMNS[name]
        rows = frame[_origin_is(frame, IMPORTED)]
        if rows.empty:
            continue
        dates = rows[date_col].dt.strftime("%Y-%m-%d").fillna("") if date_col else pd.Series("", index=rows.index)
        parts.append(
            pd.DataFrame({"table": name, "id": rows[id_col], "date": dates, "text": rows[text_col].astype(str)})
        )
    if not parts:
        return pd.DataFrame(columns=["table", "id", "date", "text"])
    return pd.concat(parts, ignore_index=True)
