"""A columnar copy of the built tables on disk, so a restart reads typed tables instead of re-reading CSV.

One entry per key (data files, store revision, code), plus one for the bundled stage (the raw bundled frames that
passed validation, keyed by the bundled files and code only: see `bundled_key`): one Arrow IPC (Feather v2,
uncompressed) file per table plus `meta.json`. Arrow IPC rather than Parquet: a table comes back without decoding
pages, and categoricals go in and out as Arrow dictionaries, categories and order included.

Uncompressed and read memory-mapped: a text column stays in the file (pandas' `str` columns take the Arrow arrays
without a copy) and only the pages of it that are read become resident, as file pages the system can take back,
instead of every text column of every table sitting in the process's own memory. At a million positions: RSS after
a load 860 MB -> 370 MB, read in 0.04 s instead of 0.2-0.4 s; on disk 1.2 GB per data version, bundled stage
included, instead of about 0.15 GB with LZ4 (the synthetic text compresses well; real text less so). Each column
is mapped on its own (see `_mapped`), so a rebuild after an import, which replaces the raw bundled columns one by
one, peaks at about 1.0 GB there instead of 1.15 GB (LZ4) or 1.4 GB (one mapping per table).

An entry is never written in place (a new folder is renamed into place; the search index later adds a file of its
own beside the tables, also renamed into place once whole: parley.search), and removing one that a loaded dataset
still maps is safe: the data stays until it is let go. Editing an entry's files in place while a server maps them is
not: delete the folder instead. Anything that goes wrong here (a read-only disk, a half-written or damaged entry, a
full disk) means "no cache", never an error: the caller builds from the CSV files instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

CACHE_DIR_ENV = "PARLEY_CACHE_DIR"
DEFAULT_CACHE_DIR = Path(__file__).resolve().parent.parent / ".parley" / "cache"
OFF = ("off", "none", "0")
# Bump when the stored layout changes; changes to the code that builds the tables are caught by CODE_FILES.
FORMAT = "2"
# The modules whose source decides what a built, validated Dataset holds.
CODE_FILES = (
    "loading.py",
    "reading.py",
    "building.py",
    "schema.py",
    "validation.py",
    "aggregate.py",
    "store.py",
    "store_engine.py",
    "store_tables.py",
    "layers.py",
    "cache.py",
)
KEEP = 4  # entries of either kind together: the bundled stage's is read (so kept fresh) on every rebuild
# A file modified this recently may be modified again within the file system's timestamp granularity
# without its size or mtime changing: such a file is keyed on its content too.
RACY_NS = 2_000_000_000
META = "meta.json"
SUFFIX = ".arrow"


def cache_dir(override: Path | None = None) -> Path | None:
    """Where entries live: the argument, else PARLEY_CACHE_DIR (`off` disables), else `.parley/cache`."""
    if override is not None:
        return override
    configured = os.environ.get(CACHE_DIR_ENV, "").strip()
    if configured.lower() in OFF:
        return None
    return Path(configured) if configured else DEFAULT_CACHE_DIR


@lru_cache(maxsize=1)
def _code_digest() -> str:
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{FORMAT}|{pd.__version__}|{pa.__version__}".encode())
    for name in CODE_FILES:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


def cache_key(files: Iterable[Path], revision: str) -> str | None:
    """Changes when a data file, the store revision or the building code changes; None when the code's own
    source cannot be read (an install without sources), since a stale entry could then never be told apart."""
    try:
        code = _code_digest()
    except OSError:
        return None
    digest = hashlib.sha256(code.encode())
    now = time.time_ns()
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            digest.update(f"{path.name}:missing|".encode())
            continue
        if now - stat.st_mtime_ns < RACY_NS:
            # A file this fresh may change again within its mtime's resolution: no entry is read or written until
            # it settles. (Keying on its contents instead would give a different key seconds later.)
            return None
        digest.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}|".encode())
    digest.update(revision.encode())
    return digest.hexdigest()[:40]


# The bundled stage: the raw bundled frames, once they passed every check on their own. Keyed by the bundled files
# and the code alone, so every store revision layered over the same files shares it.
BUNDLED_PREFIX = "bundled-"
BUNDLED_STAGE = "raw bundled frames, checked alone"


def bundled_key(files: Iterable[Path]) -> str | None:
    """The key of the bundled stage's entry; like cache_key, None when no entry may be read or written."""
    key = cache_key(files, BUNDLED_STAGE)
    return None if key is None else f"{BUNDLED_PREFIX}{key}"


def read(directory: Path, key: str) -> tuple[dict[str, pd.DataFrame], dict[str, Any]] | None:
    """The tables and metadata stored under `key`, or None when there is no usable entry."""
    entry = directory / key
    if not entry.is_dir():
        return None
    try:
        meta = json.loads((entry / META).read_text(encoding="utf-8"))
        if meta.get("key") != key:
            raise ValueError("entry holds another key")
        tables = {}
        for name, spec in meta["tables"].items():
            frame = _mapped(entry / f"{name}{SUFFIX}").to_pandas(self_destruct=True)
            if len(frame) != spec["rows"] or list(frame.columns) != spec["columns"]:
                raise ValueError(f"{name}: stored table does not match its description")
            tables[name] = frame
    except Exception:  # noqa: BLE001 - a damaged entry of any kind is rebuilt, never shown to the analyst
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry)  # entries are evicted least recently used first
    return tables, meta["extra"]


def _mapped(path: Path) -> pa.Table:
    """The table in `path`, each column from a mapping of its own: a column let go (a build replacing the raw
    column by its sorted copy, one at a time) then takes the pages of it that were read out of the process's
    memory, where with one mapping they would stay until the last column is let go."""

    def whole() -> pa.Table:
        # Slices of the mapping, no data read. (feather.read_table with `columns` copies the columns instead.)
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()

    table = whole()
    if table.num_columns > 1:
        columns = [table.column(0), *(whole().column(i) for i in range(1, table.num_columns))]
        # The schema keeps the pandas metadata: index, categoricals, column names.
        table = pa.Table.from_arrays(columns, schema=table.schema)
    table.validate()  # buffers as long as the schema says (cheap: reads no data pages)
    return table


def write(directory: Path, key: str, tables: Mapping[str, pd.DataFrame], extra: Mapping[str, Any]) -> bool:
    """Store the tables under `key` atomically; False (and nothing left behind) when that is not possible."""
    temp = directory / f".tmp-{key}-{uuid.uuid4().hex}"
    try:
        temp.mkdir(parents=True)
        specs = {}
        for name, frame in tables.items():
            arrow = pa.Table.from_pandas(frame, preserve_index=None)
            # One record batch: with several, every batch repeats the categories and reading them back means
            # unifying those dictionaries again (seconds for a category per round at 600k rounds).
            # Uncompressed, so that a read maps the text instead of decompressing it into memory.
            feather.write_feather(
                arrow, temp / f"{name}{SUFFIX}", compression="uncompressed", chunksize=max(len(frame), 1)
            )
            specs[name] = {"rows": len(frame), "columns": list(frame.columns)}
        meta = {"key": key, "written": time.time(), "tables": specs, "extra": dict(extra)}
        (temp / META).write_text(json.dumps(meta), encoding="utf-8")
        os.rename(temp, directory / key)  # atomic: readers see a whole entry or none
    except Exception:  # noqa: BLE001 - read-only or full disk, or another process won the race: no cache, no error
        shutil.rmtree(temp, ignore_errors=True)
        return False
    _evict(directory)
    return True


def _evict(directory: Path) -> None:
    """Keep the most recently used entries; drop temp folders that a killed process left behind."""
    try:
        entries = [p for p in directory.iterdir() if p.is_dir()]
        now = time.time()
        for path in entries:
            if path.name.startswith(".tmp-") and now - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
        kept = sorted((p for p in entries if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime)
        for path in kept[:-KEEP]:
            shutil.rmtree(path, ignore_errors=True)
    except OSError:
        pass
