"""Reading the data files: each CSV table as text columns, with the problems that stop a file being read."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from parley import schema as s
from parley.validation import Problem

Progress = Callable[[float, str], None]


def release_memory() -> None:
    """Hand memory Arrow has freed back to the system: its allocator keeps it for reuse otherwise, and a load's
    intermediates would stay in the server's footprint for good."""
    pa.default_memory_pool().release_unused()


def decode_text(file: str, raw: bytes) -> tuple[str | None, list[Problem]]:
    """The text of an uploaded or bundled file, or the one problem that stops it being read."""
    if not raw.removeprefix(b"\xef\xbb\xbf").strip():
        return None, [Problem.whole_file(file, "file is empty: expected a header row and records")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as err:
        return None, [Problem.whole_file(file, f"file is not UTF-8 text (byte {err.start})")]


def read_table_bytes(name: str, raw: bytes) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Parse one CSV file's bytes as all-text columns; a file that cannot be parsed is one problem, not a crash."""
    file = f"{name}.csv" if not name.endswith(".csv") else name
    text, problems = decode_text(file, raw)
    if text is None:
        return None, problems
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, csv.Error) as err:
        return None, [Problem.whole_file(file, f"not a valid CSV file: {err}")]
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in range(frame.shape[1]):
        values = frame.iloc[:, column]
        if values.dtype in ("str", "object"):
            # Short rows leave missing cells that are not text: those stay as they are for validation to name.
            frame.isetitem(column, values.str.strip() if values.dtype == "str" else values.map(_strip))
    return frame, []


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


def _read_fast(table: s.Table, path: Path) -> pd.DataFrame | None:
    """A well-formed file read by Arrow's parallel CSV reader; None when it is not plainly well-formed.

    Arrow refuses what the pandas reader would report or read differently (bad encoding, ragged rows, an odd
    header), so anything unusual goes through read_table_bytes and gets its exact messages."""
    names = table.column_names
    if not _quotes_balanced(path):
        return None  # an unclosed quote: Arrow would read it to the end of the file, pandas reports it
    try:
        # Streamed block by block: the whole-file reader holds its parse buffers until the end, about twice
        # the table it returns. Arrow's allocator keeps what a block's parsing freed unless asked to give it back.
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(block_size=1 << 22),
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.large_string())),
        )
        schema = reader.schema
        batches = []
        for batch in reader:
            batches.append(batch)
            release_memory()
        del reader
    except (pa.ArrowException, OSError):
        return None
    header = [c.strip() for c in schema.names]
    if sorted(header) != sorted(names) or any(t != pa.large_string() for t in schema.types):
        return None
    # Each column's blocks joined into one chunk: Arrow would otherwise concatenate the chunks, a whole extra copy
    # of the column, every time rows are taken (sorting by date).
    parts = [[batch.column(i) for batch in batches] for i in range(len(header))]
    del batches
    columns = []
    for i in range(len(header)):
        chunks, parts[i] = parts[i], []
        columns.append(_one_chunk(chunks))
        release_memory()
    return pa.table(columns, names=header).to_pandas(self_destruct=True)


def _one_chunk(chunks: list[pa.Array]) -> pa.ChunkedArray:
    """The blocks of one text column as one chunk, every cell stripped, emptying `chunks` as it goes.

    Copied block by block into a buffer of the column's size, each block let go once copied: Arrow's concatenate
    holds every block until the whole copy is made, twice the column at once."""
    for k, chunk in enumerate(chunks):
        chunks[k] = _stripped(chunk)
    if not chunks or any(chunk.null_count for chunk in chunks):
        column = pa.concat_arrays(chunks) if chunks else pa.array([], pa.large_string())
        chunks.clear()
        return pa.chunked_array([column])
    bounds = [_offsets(chunk) for chunk in chunks]
    sizes = [int(b[-1] - b[0]) for b in bounds]
    # In Arrow's own memory, which release_memory gives back: numpy's would come from the C heap, which keeps
    # what is freed between longer-lived blocks for good.
    offsets_buffer = pa.allocate_buffer((sum(len(chunk) for chunk in chunks) + 1) * 8)
    data_buffer = pa.allocate_buffer(sum(sizes))
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    offsets[0] = row = at = 0
    for k in range(len(chunks)):
        chunk, chunks[k] = chunks[k], None
        first = int(bounds[k][0])
        offsets[row + 1 : row + len(chunk) + 1] = bounds[k][1:] - first + at
        if sizes[k]:
            data[at : at + sizes[k]] = np.frombuffer(chunk.buffers()[2], dtype=np.uint8)[first : first + sizes[k]]
        row, at = row + len(chunk), at + sizes[k]
        bounds[k] = None
        del chunk
        if k % 4 == 3:
            release_memory()  # the blocks copied so far, or they would stay in the footprint beside their copy
    chunks.clear()
    del offsets, data
    column = pa.LargeStringArray.from_buffers(len(offsets_buffer) // 8 - 1, offsets_buffer, data_buffer)
    return pa.chunked_array([column])


def _offsets(chunk: pa.Array) -> np.ndarray:
    """The chunk's offsets into its data buffer, one more than its cells."""
    return np.frombuffer(chunk.buffers()[1], dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]


# Bytes that may start or end a cell Python's str.strip would shorten: ASCII whitespace (str.isspace also takes
# \x1c-\x1f) and any byte of a non-ASCII character, a few of which are spaces.
_MAY_BE_SPACE = np.zeros(256, dtype=bool)
_MAY_BE_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
_MAY_BE_SPACE[128:] = True


def _stripped(chunk: pa.Array) -> pa.Array:
    """The text with every cell stripped; untouched (no copy) when no cell starts or ends with a maybe-space."""
    if len(chunk) == 0:
        return chunk
    data_buffer = chunk.buffers()[2]
    if data_buffer is None:
        return chunk
    offsets = _offsets(chunk)
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    if _MAY_BE_SPACE[data[starts[filled]]].any() or _MAY_BE_SPACE[data[ends[filled] - 1]].any():
        return pc.utf8_trim_whitespace(chunk)
    return chunk


def _quotes_balanced(path: Path) -> bool:
    count = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            count += chunk.count(b'"')
    return count % 2 == 0


def read_raw_tables(data_dir: Path, progress: Progress | None = None) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    sizes = {t.name: (data_dir / t.file).stat().st_size if (data_dir / t.file).exists() else 0 for t in s.TABLES}
    total, done = max(sum(sizes.values()), 1), 0
    for table in s.TABLES:
        if progress is not None:
            progress(done / total, f"Reading {table.file}")
        done += sizes[table.name]
        problems += _read_into(frames, table, data_dir)
    for table in s.RELEASE_TABLES:  # a few dozen rows each: read within the last step
        problems += _read_into(frames, table, data_dir)
    if progress is not None:
        progress(1.0, "Read every file")
    return frames, problems


def _read_into(frames: dict[str, pd.DataFrame], table: s.Table, data_dir: Path) -> list[Problem]:
    """Read one table's file into `frames`; the problems that stop it being read."""
    path = data_dir / table.file
    if not path.exists():
        return [Problem.whole_file(table.file, f"file is missing from {data_dir}")]
    frame = _read_fast(table, path)
    problems: list[Problem] = []
    if frame is None:
        frame, problems = read_table_bytes(table.name, path.read_bytes())
    if frame is not None:
        frames[table.name] = frame
    release_memory()
    return problems
