"""The search index kept in the dataset's cache entry: read back instead of rebuilt, equal to one built in memory,
and rebuilt (never trusted) when it is damaged, laid out for other data, or of an older format."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pytest

from parley import search as search_module
from parley.filters import Filters
from parley.loading import Dataset, load_dataset
from parley.search import build_index, index_path, load_index, search

QUERIES = ("Erdogan", "ceasefire", "prisoner exchange", "Türkiye", "Istanbul", "energy", "zzzqqq")
WINDOW = Filters(parties=("RUS",))


@pytest.fixture
def stored(tmp_path: Path) -> Dataset:
    """The bundled data read back from its own cache entry, as a restarted server reads it."""
    load_dataset(cache_dir=tmp_path / "cache")  # builds and writes the entry
    ds = load_dataset(cache_dir=tmp_path / "cache")
    assert ds.stored_in is not None and ds.stored_in.is_dir()
    return ds


def _same_results(
    index: search_module.SearchIndex, ds: Dataset, reference: search_module.SearchIndex | None = None
) -> None:
    reference = reference or build_index(ds)
    for text in QUERIES:
        for f in (Filters(), WINDOW):
            got, expected = search(index, ds, text, f), search(reference, ds, text, f)
            assert got.counts == expected.counts, text
            assert got.results.equals(expected.results), text


def _file_of(index: search_module.SearchIndex) -> str:
    return next(row[2] for row in index.connection.execute("PRAGMA database_list") if row[1] == "main")


def test_the_index_is_kept_in_the_entry_and_finds_what_one_built_in_memory_finds(stored):
    index = load_index(stored)
    path = index_path(stored)
    assert path is not None and path.parent == stored.stored_in and path.is_file()
    assert _file_of(index) == str(path)  # read from the file, not held in memory
    assert not list(stored.stored_in.glob(".tmp-*"))  # built under another name and renamed into place
    _same_results(index, stored)


def test_a_restart_reads_the_index_back_without_building_it(stored, monkeypatch):
    load_index(stored)
    built = index_path(stored).stat().st_mtime_ns
    reference = build_index(stored)

    def no_build(*_args, **_kwargs):
        raise AssertionError("the stored index should have been read back")

    monkeypatch.setattr(search_module, "_fill", no_build)
    again = load_index(stored)
    assert index_path(stored).stat().st_mtime_ns == built
    _same_results(again, stored, reference)


def test_a_dataset_without_an_entry_is_indexed_in_memory(tmp_path):
    ds = load_dataset(cache_dir=tmp_path / "cache", use_cache=False)
    assert ds.stored_in is None and index_path(ds) is None
    index = load_index(ds)
    assert _file_of(index) == ""  # SQLite names no file for an in-memory database
    assert search(index, ds, "Erdogan").kept > 0


def test_an_entry_that_cannot_be_written_gives_an_index_in_memory(stored, tmp_path):
    gone = replace(stored, stored_in=tmp_path / "evicted-entry")  # the entry was removed while the data was loaded
    index = load_index(gone)
    assert _file_of(index) == ""
    assert not (tmp_path / "evicted-entry").exists()
    _same_results(index, gone)


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated"])
def test_a_damaged_index_is_built_again(stored, damage):
    load_index(stored)
    path = index_path(stored)
    if damage == "garbage":
        path.write_bytes(b"not a database at all" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.write_bytes(path.read_bytes()[:4096])
    index = load_index(stored)
    assert _file_of(index) == str(path)
    _same_results(index, stored)


def test_an_index_laid_out_for_other_data_is_built_again(stored):
    load_index(stored)
    path = index_path(stored)
    with sqlite3.connect(path) as connection:  # as if the positions table had one record more
        connection.execute("UPDATE layout SET records = records + 1 WHERE kind = 'positions'")
    connection.close()
    index = load_index(stored)
    layout = dict(index.connection.execute("SELECT kind, records FROM layout").fetchall())
    assert layout["positions"] == len(stored.positions)
    _same_results(index, stored)


def test_older_indexes_and_stale_half_written_ones_are_removed(stored):
    entry = stored.stored_in
    older = entry / search_module.INDEX_FILE.format("0000000000000000")
    stale = entry / f".tmp-dead-{older.name}"
    fresh = entry / f".tmp-busy-{older.name}"  # another process may be writing this one right now
    for path in (older, stale, fresh):
        path.write_bytes(b"x")
    hour_ago = time.time() - search_module.STALE_TEMP_S - 60
    os.utime(stale, (hour_ago, hour_ago))
    load_index(stored)
    assert index_path(stored).is_file()
    assert not older.exists() and not stale.exists()
    assert fresh.exists()


def test_the_format_names_the_file(stored, monkeypatch):
    # The file's name carries a digest of the building code: another build of the code never reads this one.
    before = index_path(stored)
    search_module._index_format.cache_clear()
    monkeypatch.setattr(search_module.sqlite3, "sqlite_version", "0.0.0")
    try:
        assert index_path(stored) != before
    finally:
        search_module._index_format.cache_clear()
