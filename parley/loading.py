"""Read the CSV tables, validate them, and build one typed, enriched Dataset for the pages."""

from __future__ import annotations

import gc
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from parley import cache
from parley import schema as s
from parley.building import TABLE_FIELDS, Dataset, build_frames
from parley.reading import Progress, read_raw_tables, release_memory
from parley.recent import forget_selections
from parley.store import EMPTY_REVISION, Layers, Store, StoreError, layered
from parley.validation import (
    DataValidationError,
    Problem,
    codes_from,
    validate_links,
    validate_scales,
    validate_table,
)

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
# Without a store, or with one holding no imports, the dataset is the bundled files alone: one cache entry for both.
NO_STORE = EMPTY_REVISION


class _Stages:
    """Maps each stage's own 0..1 progress onto its share of the whole load, never going backwards."""

    def __init__(self, progress: Progress | None):
        self._progress = progress
        self._done = 0.0

    def report(self, fraction: float, text: str) -> None:
        if self._progress is None:
            return
        self._done = max(self._done, min(fraction, 1.0))
        self._progress(self._done, text)

    def part(self, start: float, end: float) -> Progress:
        return lambda fraction, text: self.report(start + (end - start) * fraction, text)


def settle_long_lived() -> None:
    """Collect what a replaced dataset left behind, then take everything alive now out of the garbage collector's
    reach.

    A server holds the libraries and the loaded data for its whole life; walking them on every full collection
    costs more than a page's own work (about 120 ms for today's data). Frozen objects are still freed by reference
    counting; only cycles among them wait for the next call, which unfreezes first so a replaced dataset is
    collected then. Selections and answers remembered for the pages go first: they hold the tables they came from.

    The collector's thresholds stay Python's: collecting the youngest generation every 10,000 allocations instead
    of 700 saved a few percent of a rerun at today's size, but let cyclic garbage of a million-record page wait
    longer, and the server's peak at a million positions rose by about 100 MB."""
    forget_selections()
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def validate_frames(
    frames: Mapping[str, pd.DataFrame],
    progress: Progress | None = None,
    rows: Mapping[str, np.ndarray] | None = None,
) -> list[Problem]:
    """Every problem in the raw frames. `rows`: per table, the only rows that can break a cell's own rules (the
    rest known to pass them, see validate_table); a table it does not name is checked row by row in full."""
    codebook = frames.get("codebook", pd.DataFrame())
    issues = frames.get("issues", pd.DataFrame())
    codes = codes_from(codebook, issues)
    problems: list[Problem] = []
    # Rough shares of the work: per-table checks scale with cells, links with the linked tables.
    weights = {t.name: len(frames[t.name]) * len(t.columns) for t in s.TABLES if t.name in frames}
    total, done = max(sum(weights.values()), 1) * 1.25, 0
    for table in s.TABLES:
        if table.name in frames:
            if progress is not None:
                progress(done / total, f"Checking {table.file}")
            problems += validate_table(table, frames[table.name], codes, _rows_of(rows, table.name))
            done += weights[table.name]
            release_memory()
    for table in s.RELEASE_TABLES:
        if table.name in frames:
            problems += validate_table(table, frames[table.name], codes, _rows_of(rows, table.name))
    if not problems:  # links are only meaningful once every table has the right shape
        if progress is not None:
            progress(done / total, "Checking the links between tables")
        problems += validate_links(frames, s.ALL_TABLES)
        problems += validate_scales(frames)
        release_memory()
    if progress is not None:
        progress(1.0, "Checked every table")
    return problems


def _rows_of(rows: Mapping[str, np.ndarray] | None, name: str) -> np.ndarray | None:
    return None if rows is None else rows.get(name)


def read_version(data_dir: Path) -> str:
    path = data_dir / "VERSION"
    return path.read_text(encoding="utf-8").strip() if path.exists() else "unversioned"


def data_files(data_dir: Path) -> list[Path]:
    """The files a Dataset is built from."""
    return [*bundled_files(data_dir), data_dir / "VERSION"]


def load_dataset(
    data_dir: Path = DEFAULT_DATA_DIR,
    store: Store | None = None,
    *,
    progress: Progress | None = None,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> Dataset:
    """Read, validate and build; raises DataValidationError listing every problem.

    With a store, its imported records are laid over the bundled files (never modified) and get origin 'imported'.
    A Dataset built before from the same files, store revision and code is read back from the cache folder
    (`cache_dir`, else PARLEY_CACHE_DIR, else `.parley/cache`) instead. Otherwise the bundled raw frames come from
    their own entry there (checked alone once, kept across imports, undos and corrections; written by the first load
    with a cache folder, store or not), and only the imported and corrected rows go through the per-cell rules; the
    rules over whole tables see every row. A Dataset just stored is returned as read back from its entry, as a
    restart would read it: its text then stays in the mapped file rather than in the process's own memory.
    `progress(fraction, text)` is called as each stage starts and with 1.0 at the end."""
    stages = _Stages(progress)
    directory = cache.cache_dir(cache_dir) if use_cache else None
    revision = store.revision() if store is not None else NO_STORE
    key = cache.cache_key(data_files(data_dir), revision) if directory is not None else None
    if key is None:
        directory = None
    if directory is not None and key is not None:
        stages.report(0.0, "Reading the prepared tables")
        stored = _mapped(directory, key)
        if stored is not None:
            release_memory()
            stages.report(1.0, "Ready")
            return stored

    frames, problems, checked = _bundled_stage(data_dir, directory, stages.part(0.0, 0.25))
    layers = layered(frames, store.imported_rows() if store is not None and not problems else {})
    if not problems:
        # Bundled rows that passed every check alone and are unchanged need only the rules over whole tables again.
        rows = rows_to_check(frames, layers, checked)
        del frames
        problems += layers.relabel(validate_layered(layers.frames, rows, stages.part(0.25, 0.6)))
    else:
        del frames
    release_memory()
    if problems:
        raise DataValidationError(problems)
    frames = layers.with_origin()
    del layers
    dataset = build_frames(frames, read_version(data_dir), stages.part(0.6, 0.9))
    if directory is not None and key is not None and _unchanged(store, revision):
        stages.report(0.9, "Saving the prepared tables for the next start")
        tables = {name: getattr(dataset, name) for name in TABLE_FIELDS}
        if cache.write(directory, key, tables, {"version": dataset.version, "labels": dataset.labels}):
            del tables
            dataset = _mapped(directory, key) or dataset
    release_memory()
    stages.report(1.0, "Ready")
    return dataset


def bundled_tables(
    data_dir: Path = DEFAULT_DATA_DIR, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], list[Problem], bool]:
    """The raw bundled frames an import, an undo or a correction is checked against, the problems reading them, and
    whether they are known to pass every check alone (then see rows_to_check).

    Through the bundled stage with the configured cache folder (PARLEY_CACHE_DIR, else `.parley/cache`): read back
    from its entry when there is one, which the app's first load from CSV writes; otherwise read from CSV, checked
    alone and stored for the next import, undo or correction."""
    return _bundled_stage(data_dir, cache.cache_dir(), progress or _quiet)


def _quiet(_fraction: float, _text: str) -> None:
    return None


def rows_to_check(
    bundled: Mapping[str, pd.DataFrame],
    layers: Layers,
    checked: bool,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> dict[str, np.ndarray] | None:
    """Per table, the rows of the layered record (`frames`, by default `layers.frames`) that the per-cell rules must
    see, for validate_frames' `rows`: those that are not unchanged bundled rows (Layers.changed_rows), when the bundled
    frames passed every check alone (`checked`) and the code lists every code column is checked against are still
    theirs. None (check every row) otherwise. A caller that changes more rows than `layers` knows adds them."""
    frames = layers.frames if frames is None else frames
    return layers.changed_rows() if checked and _same_codes(bundled, frames) else None


def validate_layered(
    frames: Mapping[str, pd.DataFrame], rows: Mapping[str, np.ndarray] | None, progress: Progress | None = None
) -> list[Problem]:
    """validate_frames(frames, progress, rows) with `rows` from rows_to_check: the same problems as checking every
    row. When `rows` names no row at all the frames are the checked bundled frames as they are: nothing to check."""
    if rows is not None and not any(len(r) for r in rows.values()):
        if progress is not None:
            progress(0.0, "Checking: no imported or corrected records")
        return []
    return validate_frames(frames, progress, rows)


def bundled_files(data_dir: Path) -> list[Path]:
    """The files the raw bundled frames are read from."""
    return [data_dir / table.file for table in s.ALL_TABLES]


def _bundled_stage(
    data_dir: Path, directory: Path | None, progress: Progress
) -> tuple[dict[str, pd.DataFrame], list[Problem], bool]:
    """The raw bundled frames, the problems reading them, and whether they are known to pass every check alone.

    Read back from the bundled stage's cache entry when there is one. Otherwise read from CSV; with a cache folder,
    they are checked alone and, when they pass, stored for the next load, import preview, undo or correction under
    a key that no import, undo or correction changes. Stored even when no store is laid over them: the first
    import's preview would otherwise read and check every CSV file again, and checked here they need no per-cell
    check in the load either (rows_to_check), so storing costs only the write."""
    key = cache.bundled_key(bundled_files(data_dir)) if directory is not None else None
    if directory is not None and key is not None:
        progress(0.0, "Reading the checked bundled tables")
        hit = cache.read(directory, key)
        if hit is not None:
            release_memory()
            progress(1.0, "Read the checked bundled tables")
            return hit[0], [], True
    frames, problems = read_raw_tables(data_dir, progress)
    if problems or directory is None or key is None:
        return frames, problems, False
    progress(1.0, "Checking the bundled tables")
    if validate_frames(frames):
        return frames, problems, False  # reported by the full check of everything below, as without a cache
    progress(1.0, "Saving the checked bundled tables for the next import")
    if cache.write(directory, key, frames, {"stage": cache.BUNDLED_STAGE}):
        # Read back mapped, as the next load would: the text the build only carries along (summaries, notes) then
        # stays in the file until the build takes its rows, one column at a time, instead of in memory throughout.
        hit = cache.read(directory, key)
        if hit is not None:
            frames = hit[0]
            release_memory()
    return frames, problems, True


def _mapped(directory: Path, key: str) -> Dataset | None:
    """The Dataset stored under `key`, as read back from its entry; None when it cannot be."""
    hit = cache.read(directory, key)
    if hit is None:
        return None
    tables, extra = hit
    return Dataset(version=extra["version"], labels=extra["labels"], stored_in=directory / key, **tables)


def _same_codes(bundled: Mapping[str, pd.DataFrame], frames: Mapping[str, pd.DataFrame]) -> bool:
    """The code lists every code column is checked against are those the bundled rows passed with."""
    empty = pd.DataFrame()
    before = codes_from(bundled.get("codebook", empty), bundled.get("issues", empty))
    return before == codes_from(frames.get("codebook", empty), frames.get("issues", empty))


def _unchanged(store: Store | None, revision: str) -> bool:
    """No import or undo landed while the load ran: only then may the result be stored under `revision`."""
    try:
        return store is None or store.revision() == revision
    except StoreError:
        return False
