"""The bundled rows and the store's rows seen as one set of raw tables: imports appended, corrections applied.

Pure: `layered(bundled, imported)` takes the raw bundled frames and what Store.imported_rows gives (the record tables'
rows with their batch, and the corrections under CORRECTIONS_KEY) and returns the frames the app validates and builds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from parley import schema as s
from parley.validation import Problem

BATCH_ID = "batch_id"
# The key under which `imported_rows` carries the corrections beside the record tables (not a record table itself):
# read in the same snapshot as the rows, handed to `layered` and to an undo's check with them.
CORRECTIONS_KEY = "record_corrections"
CORRECTION_COLUMNS = ("table_name", "record_id", "changes")


def parse_changes(text: str) -> dict[str, tuple[str, str]]:
    """A correction's changed fields as stored (JSON {column: [previous, corrected]})."""
    return {str(k): (str(v[0]), str(v[1])) for k, v in json.loads(text).items()}


@dataclass(frozen=True)
class Layers:
    """Bundled rows first, then the imported rows that are not exact copies of a bundled row; corrections applied."""

    frames: dict[str, pd.DataFrame]  # schema columns only, ready for validation
    n_bundled: dict[str, int]
    batch_ids: dict[str, list[str]]  # per record table: the batch of each imported row kept, in order
    corrected: dict[str, dict[str, str]] = field(default_factory=dict)  # table: {record id: its latest correction}
    dangling: tuple[Problem, ...] = ()  # corrections whose record is not in the data (any more)
    corrected_rows: dict[str, np.ndarray] = field(default_factory=dict)  # table: positions a correction changed

    def changed_rows(self) -> dict[str, np.ndarray]:
        """Per table, the positions (ascending) of every row that is not an unchanged bundled row: the imported
        rows kept and the rows a correction changed. Only these can break a rule the bundled rows passed alone."""
        out = {}
        for name, frame in self.frames.items():
            imported = np.arange(self.n_bundled.get(name, len(frame)), len(frame), dtype=np.int64)
            out[name] = np.union1d(self.corrected_rows.get(name, np.empty(0, dtype=np.int64)), imported)
        return out

    def with_origin(self) -> dict[str, pd.DataFrame]:
        """The frames plus an `origin` column ('bundled' / 'imported') on every record table."""
        out = dict(self.frames)
        for name in s.RECORD_TABLES:
            if name in out:
                n = self.n_bundled.get(name, len(out[name]))
                origin = ["bundled"] * n + ["imported"] * (len(out[name]) - n)
                out[name] = out[name].assign(origin=pd.Series(origin, index=out[name].index, dtype=str))
        return out

    def relabel(self, problems: list[Problem]) -> list[Problem]:
        """A problem in an imported or corrected row names the record and its batch (the row number would mean
        nothing); a correction whose record is gone is a problem too, naming its batch."""
        by_file = {s.TABLES_BY_NAME[name].file: name for name in self.batch_ids}
        out = []
        for p in problems:
            name = by_file.get(p.file)
            n = self.n_bundled.get(name, 0) if name else 0
            position = (p.row - 2 - n) if name and p.row is not None else None
            if name is None or position is None or position >= len(self.batch_ids[name]):
                out.append(p)
                continue
            table = s.TABLES_BY_NAME[name]
            row = self.frames[name].iloc[n + position]
            record = row[table.key] if table.key else "/".join(row[c] for c in table.unique_together)
            fixed = self.corrected.get(name, {}).get(record)
            if position < 0 and fixed is None:
                out.append(p)
                continue
            where = [] if position < 0 else [f"imported record {record}, batch {self.batch_ids[name][position]}"]
            where += [] if fixed is None else [f"{'' if where else f'record {record}, '}corrected in batch {fixed}"]
            out.append(Problem(f"{table.file} ({'; '.join(where)})", None, p.column, p.value, p.rule))
        return out + list(self.dangling)


def layered(bundled: Mapping[str, pd.DataFrame], imported: Mapping[str, pd.DataFrame]) -> Layers:
    """Put the imported rows (with `batch_id`) on top of the bundled raw frames."""
    frames = dict(bundled)
    n_bundled: dict[str, int] = {}
    batch_ids: dict[str, list[str]] = {}
    for name in s.RECORD_TABLES:
        base = frames.get(name)
        if base is None:
            continue
        n_bundled[name] = len(base)
        rows = imported.get(name)
        if rows is None or rows.empty:
            batch_ids[name] = []
            continue
        columns = s.TABLES_BY_NAME[name].column_names
        if set(base.columns) != set(columns):  # a malformed bundled file: validation reports it, nothing to merge onto
            batch_ids[name] = []
            continue
        kept = rows[~_copies(base, rows, s.TABLES_BY_NAME[name])]
        batch_ids[name] = kept[BATCH_ID].tolist()
        frames[name] = pd.concat([base, kept[columns]], ignore_index=True)
    corrected, dangling, corrected_rows = _apply_corrections(frames, imported.get(CORRECTIONS_KEY))
    return Layers(
        frames=frames,
        n_bundled=n_bundled,
        batch_ids=batch_ids,
        corrected=corrected,
        dangling=dangling,
        corrected_rows=corrected_rows,
    )


def _copies(base: pd.DataFrame, rows: pd.DataFrame, table: s.Table) -> np.ndarray:
    """Which of `rows` are exact copies (every schema column equal) of some row of `base`.

    The bundled rows that could be copied are narrowed down first, column by column over the whole frame but
    vectorised (a copy's key is among the imported keys), so the exact comparison in Python runs on those few
    rows, never on every bundled row."""
    columns = table.column_names
    narrow = [table.key] if table.key else list(table.unique_together) or list(columns)
    maybe = np.ones(len(base), dtype=bool)
    for column in narrow:
        maybe &= base[column].isin(rows[column].unique()).to_numpy(dtype=bool)
    seen = set(base.loc[maybe, columns].itertuples(index=False, name=None))
    if not seen:
        return np.zeros(len(rows), dtype=bool)
    return np.fromiter(
        (values in seen for values in rows[columns].itertuples(index=False, name=None)), dtype=bool, count=len(rows)
    )


def _apply_corrections(
    frames: dict[str, pd.DataFrame], corrections: pd.DataFrame | None
) -> tuple[dict[str, dict[str, str]], tuple[Problem, ...], dict[str, np.ndarray]]:
    """Each correction sets its fields on its record, in the order written (`frames` is updated; a frame shared
    with the caller's bundled tables is copied first, never changed in place). Also gives, per table, the positions
    of the rows corrected.

    The records are found without a Python pass over every key: the rows whose key is corrected at all are picked
    out vectorised, and each changed column is set once, all its corrected cells together."""
    corrected: dict[str, dict[str, str]] = {}
    dangling: list[Problem] = []
    rows: dict[str, np.ndarray] = {}
    if corrections is None or corrections.empty:
        return corrected, (), rows
    for name, group in corrections.groupby("table_name", sort=False):
        table = s.TABLES_BY_NAME.get(str(name))
        frame = frames.get(str(name))
        if table is None or table.key is None or frame is None or table.key not in frame.columns:
            continue
        keys = frame[table.key]
        hits = np.flatnonzero(keys.isin(group["record_id"].unique()).to_numpy(dtype=bool))
        where: dict[str, int] = {}
        for i, record in zip(hits.tolist(), keys.iloc[hits].tolist(), strict=True):
            where.setdefault(record, i)  # the first row with the id, as a lookup by id finds it
        cells: dict[str, dict[int, str]] = {}
        for record, changes, batch in group[["record_id", "changes", BATCH_ID]].itertuples(index=False, name=None):
            i = where.get(record)
            if i is None:
                rule = (
                    "a correction of a record that is not in the data (a data release removed it or changed its id): "
                    f"undo batch {batch} (python -m parley undo {batch}), then correct the record again if it exists"
                )
                dangling.append(Problem(f"{table.file} (correction, batch {batch})", None, table.key, record, rule))
                continue
            for column, (_, new) in parse_changes(changes).items():
                if column in frame.columns and column != table.key:
                    cells.setdefault(column, {})[i] = new  # a later correction of the same cell wins
            corrected.setdefault(table.name, {})[record] = batch
        frame = frame.copy(deep=False)  # new columns below replace the shared ones, never write into them
        for column, values in cells.items():
            frame[column] = _with_cells(frame[column], values)
        frames[table.name] = frame
        rows[table.name] = np.unique(np.fromiter(where.values(), dtype=np.int64, count=len(where)))
    return corrected, tuple(dangling), rows


# Up to this many corrected cells in a column, the corrected column is built from slices of the old one.
MAX_SLICED = 64


def _with_cells(column: pd.Series, cells: Mapping[int, str]) -> pd.Series:
    """The column with the cells at these positions set. A text column is not copied: it is rebuilt from slices of
    the old one around the new cells (Arrow chunks, no copy), so a few corrections cost their cells, not a copy of a
    million-row column (a hundred megabytes of prose for positions' notes)."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray) or len(cells) > MAX_SLICED:
        updated = column.copy()
        updated.iloc[list(cells)] = list(cells.values())
        return updated
    values = pa.array(column)
    whole = values if isinstance(values, pa.ChunkedArray) else pa.chunked_array([values])
    parts: list[pa.Array] = []
    at = 0
    for i in sorted(cells):
        parts += whole.slice(at, i - at).chunks
        parts.append(pa.array([cells[i]], type=whole.type))
        at = i + 1
    parts += whole.slice(at).chunks
    chunked = pa.chunked_array([part for part in parts if len(part)], type=whole.type)
    return pd.Series(pd.arrays.ArrowStringArray(chunked, dtype=column.dtype), index=column.index, name=column.name)
