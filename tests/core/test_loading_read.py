"""The fast Arrow reader for data files gives exactly what the pandas reader gives, or steps aside for it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from parley import schema as s
from parley.loading import DEFAULT_DATA_DIR
from parley.reading import _read_fast, read_raw_tables, read_table_bytes

HEADER = b"issue_id,label,definition\n"
SAME = [
    HEADER.replace(b"\n", b"\r\n") + b"a,b,c\r\n",
    b"\xef\xbb\xbf" + HEADER + b"a,b,c\n",
    HEADER + b'a,"multi\nline",c\n',
    HEADER + b'a,"multi\r\nline ",c\n\n\n',
    HEADER + b'a,"b""q",c\n',
    HEADER,
    HEADER + b"a,b,c",
    HEADER + b",,\n",
    HEADER + b'a,\xc2\xa0b\x1f,"  c  "\n',
    HEADER + b"\tx ,\xe2\x80\x83y,z\xc2\x85\n",
    HEADER + b"a,b,c\r",
    b"definition,issue_id,label\na,b,c\n",
]
STEP_ASIDE = [
    b"issue_id, label ,definition\na,b,c\n",  # spaces around a header name
    HEADER + b"a,b,c\n   \n",  # a line of spaces
    HEADER + b"a,b\n",  # a short row
    HEADER + b"a,b,c,d\n",  # a long row
    HEADER + b'a,b,"c\n',  # an unclosed quote
    HEADER + b"a,\xff,c\n",  # not UTF-8
    b"",
    b"issue_id,label\na,b\n",  # a missing column
    b"issue_id,label,definition,mood\na,b,c,d\n",  # an unexpected column
]


def assert_fast_reader_matches_pandas(tmp_path: Path, raw: bytes) -> None:
    """The streamed Arrow reader and the pandas reader give the same issues table for these bytes."""
    path = tmp_path / "issues.csv"
    path.write_bytes(raw)
    fast = _read_fast(s.ISSUES, path)
    slow, problems = read_table_bytes("issues", raw)
    assert fast is not None and not problems
    pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize("raw", SAME)
def test_fast_reader_matches_pandas(tmp_path, raw):
    assert_fast_reader_matches_pandas(tmp_path, raw)


@pytest.mark.parametrize("raw", STEP_ASIDE)
def test_fast_reader_leaves_unusual_files_to_pandas(tmp_path, raw):
    path = tmp_path / "issues.csv"
    path.write_bytes(raw)
    assert _read_fast(s.ISSUES, path) is None


def test_bundled_files_read_as_pandas_reads_them():
    frames, problems = read_raw_tables(DEFAULT_DATA_DIR)
    assert not problems
    for table in s.TABLES:
        slow, _ = read_table_bytes(table.name, Path(DEFAULT_DATA_DIR / table.file).read_bytes())
        pd.testing.assert_frame_equal(frames[table.name], slow, obj=table.name)


def test_read_progress_rises_over_the_files():
    calls: list[float] = []
    read_raw_tables(DEFAULT_DATA_DIR, lambda fraction, text: calls.append(fraction))
    assert calls == sorted(calls) and calls[-1] == 1.0 and len(calls) == len(s.TABLES) + 1
