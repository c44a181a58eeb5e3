"""Giving back the pages of the memory-mapped cache that one long read touched (Linux; elsewhere nothing is done).

The built tables are read from read-only file mappings (parley.cache): a page of text read once stays counted in the
process's memory while the mapping lives, although it is only a copy of the file. The CSV of every statement reads
all of them, about 0.45 GB at a million positions, on top of the file it builds. PageRelease tells the system, chunk
by chunk, that the pages read so far are not needed now: a later read takes them again from the system's file cache.

Only whole pages inside a read-only mapping of a file are ever released: the same request on memory the process
wrote would lose what was written.
"""

from __future__ import annotations

import ctypes
import mmap
import sys
from collections.abc import Iterable

import pyarrow as pa

MADV_DONTNEED = 4
PAGE = mmap.PAGESIZE
MAPS = "/proc/self/maps"


def _madvise() -> ctypes._CFuncPtr | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).madvise
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    call.restype = ctypes.c_int
    return call


def file_mappings(maps: str = MAPS) -> list[tuple[int, int]]:
    """(start, end) of every mapping of a file that the process cannot write through."""
    spans = []
    try:
        with open(maps, encoding="utf-8", errors="replace") as lines:
            for line in lines:
                parts = line.split(maxsplit=5)
                if len(parts) < 6 or "w" in parts[1] or parts[4] == "0" or not parts[5].startswith("/"):
                    continue  # writable, anonymous, or a special region ([heap], [stack], ...)
                start, end = (int(x, 16) for x in parts[0].split("-"))
                spans.append((start, end))
    except OSError:
        return []
    return spans


def _buffers(arrays: Iterable[pa.Array | pa.ChunkedArray]) -> list[pa.Buffer]:
    out = []
    for array in arrays:
        for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
            out += [b for b in chunk.buffers() if b is not None and b.size > 0]
    return out


class PageRelease:
    """The page ranges of `arrays` that lie in read-only file mappings, released by each call of release()."""

    def __init__(self, arrays: Iterable[pa.Array | pa.ChunkedArray]) -> None:
        self._madvise = _madvise()
        self.spans: list[tuple[int, int]] = []
        if self._madvise is None:
            return
        mappings = file_mappings()
        for buffer in _buffers(arrays):
            start, end = buffer.address, buffer.address + buffer.size
            inside = next(((lo, hi) for lo, hi in mappings if lo <= start and end <= hi), None)
            if inside is None:
                continue  # in the process's own memory (or across mappings): never released
            # Whole pages, outward, but never past the mapping: every page of it is the file's.
            lo, hi = max(inside[0], start - start % PAGE), min(inside[1], -(-end // PAGE) * PAGE)
            self.spans.append((lo, hi))

    def release(self) -> int:
        """Release the pages; the number of bytes asked for (0 where nothing could be)."""
        released = 0
        for lo, hi in self.spans:
            if self._madvise is not None and self._madvise(lo, hi - lo, MADV_DONTNEED) == 0:
                released += hi - lo
        return released
