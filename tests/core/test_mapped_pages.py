"""Pages read from the memory-mapped cache are handed back after a long read; nothing else ever is."""

from __future__ import annotations

import mmap
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pytest

import parley.export as export
from parley.export import table_csv_bytes, to_csv_bytes
from parley.loading import load_dataset
from parley.mapped_pages import PAGE, PageRelease, file_mappings
from parley.selection import Rows, as_frame

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pages are released on Linux only")


def _rss_file_kb() -> int:
    with open("/proc/self/status", encoding="utf-8") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("RssFile:"))


def _mapped_text(tmp_path: Path, rows: int = 40_000) -> pa.ChunkedArray:
    path = tmp_path / "text.arrow"
    texts = [f"statement {i} " + "x" * 200 for i in range(rows)]  # about 8 MB of text
    feather.write_feather(pa.table({"text": texts}), path, compression="uncompressed")
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all().column("text")


def test_pages_read_from_a_mapped_file_are_handed_back_and_read_again(tmp_path):
    column = _mapped_text(tmp_path)
    expected = [f"statement {i} " + "x" * 200 for i in (0, 12_345, 39_999)]
    release = PageRelease([column])
    assert release.spans, "the column's buffers lie in a read-only file mapping"
    assert all(lo % PAGE == 0 and hi % PAGE == 0 for lo, hi in release.spans)
    before = _rss_file_kb()
    assert sum(len(s) for s in column.to_pylist()) > 8_000_000  # every page read
    read = _rss_file_kb()
    assert release.release() >= 8_000_000
    after = _rss_file_kb()
    assert read - after >= 6_000, (before, read, after)  # KB: most of the text is out of the process's memory
    assert [column[i].as_py() for i in (0, 12_345, 39_999)] == expected  # and reads back the same


def test_the_processs_own_memory_is_never_released():
    built = pa.chunked_array([pa.array([f"row {i}" for i in range(50_000)])])
    numbers = pa.array(np.arange(100_000))
    release = PageRelease([built, numbers])
    assert release.spans == [] and release.release() == 0
    assert built[49_999].as_py() == "row 49999" and numbers[99_999].as_py() == 99_999


def test_a_mapping_the_process_can_write_is_not_a_candidate(tmp_path):
    path = tmp_path / "rw.bin"
    path.write_bytes(b"\0" * (4 * PAGE))
    with open(path, "r+b") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_WRITE) as writable:
        writable[:5] = b"hello"
        start = ctypes_address(writable)
        assert not any(lo <= start < hi for lo, hi in file_mappings())
        assert writable[:5] == b"hello"


def ctypes_address(buffer: mmap.mmap) -> int:
    import ctypes

    return ctypes.addressof(ctypes.c_char.from_buffer(buffer))


def test_the_csv_of_a_cached_dataset_is_unchanged_by_the_released_pages(monkeypatch, mini_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(mini_dir, data)
    hour_ago = time.time() - 3600
    for path in data.iterdir():  # files written moments ago are not cached (parley.cache.RACY_NS)
        os.utime(path, (hour_ago, hour_ago))
    monkeypatch.setenv("PARLEY_CACHE_DIR", str(tmp_path / "cache"))
    load_dataset(data)  # writes the cache entry
    ds = load_dataset(data)  # reads it back, memory-mapped
    monkeypatch.setattr(export, "CSV_CHUNK_ROWS", 2)  # pages handed back between many small chunks
    released = []
    real = PageRelease.release
    monkeypatch.setattr(PageRelease, "release", lambda self: released.append(real(self)) or released[-1])
    columns = {"position_id": "Record", "summary": "Summary", "actor_name": "Party", "date": "Date"}
    rows = Rows(ds.positions, np.arange(len(ds.positions))[::-1])
    expected = to_csv_bytes(as_frame(rows, list(columns)).rename(columns=columns))
    assert table_csv_bytes(rows, columns) == expected
    assert len(released) >= 2 and max(released) > 0  # the summaries' text came from the mapping, and went back
