"""Read the CSV tables, validate them, and build one typed, enriched Dataset for the pages."""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from parley import cache
from parley import schema as s
from parley.aggregate import issue_links, prisoner_counts
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
BUNDLED = "bundled"
REPEATED_TEXT = (
    "actor_id",
    "speaker_id",
    "talk_id",
    "actor_name",
    "speaker_name",
    "talk_title",
    "stance_label",
    "issue_label",
    "flags",
    "actor_type",
    "country_iso3",
    "origin",
    "role",
    "head_name",
    "delegation_head_id",
    "option_id",
    "option_label",
    "source_ids",  # records citing the same sources share one list: the cited sources are found per list, not row
)
IMPORTED = "imported"
# Without a store, or with one holding no imports, the dataset is the bundled files alone: one cache entry for both.
NO_STORE = EMPTY_REVISION

Progress = Callable[[float, str], None]


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
    collected then."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


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


@dataclass(frozen=True)
class Dataset:
    """Every table, typed and enriched for display. Treat as read-only: it is shared between sessions."""

    version: str
    sources: pd.DataFrame
    actors: pd.DataFrame
    issues: pd.DataFrame
    codebook: pd.DataFrame
    talks: pd.DataFrame
    participants: pd.DataFrame
    items: pd.DataFrame
    positions: pd.DataFrame
    reactions: pd.DataFrame
    fact_checks: pd.DataFrame
    issue_options: pd.DataFrame  # the issue scales, in issue order then rank
    plans: pd.DataFrame  # the coded peace plans, oldest first
    provisions: pd.DataFrame  # their points, in plan order then point
    commitments: pd.DataFrame  # the dated status history of every agreed item, item by item then by date
    labels: dict[str, dict[str, str]] = field(default_factory=dict)

    @cached_property
    def issue_links(self) -> pd.DataFrame:
        """Which issues each round touched (through positions and agreed items), computed once per dataset."""
        return issue_links(self.positions, self.items, self.talks)

    @cached_property
    def talk_ids(self) -> frozenset[str]:
        return frozenset(self.talks["talk_id"])

    @cached_property
    def filter_actors(self) -> list[str]:
        """Actors offered in the party filter: parties first, then reacting actors, most active first."""
        reacting = self.reactions["actor_id"].astype(str).value_counts().index.tolist()
        return list(dict.fromkeys([*self.parties, *reacting]))

    def label(self, scheme: str, code: str) -> str:
        return self.labels.get(scheme, {}).get(code, code)

    def actor_name(self, actor_id: str) -> str:
        return self.labels.get("actor", {}).get(actor_id, actor_id)

    @cached_property
    def parties(self) -> list[str]:
        """Actors that hold positions or sit at the table as a party, most active first."""
        counts = pd.concat(
            [
                self.positions["actor_id"],
                self.participants.loc[self.participants["role"] == "party", "actor_id"],
            ]
        ).value_counts()
        return [a for a in counts.index if a in self.labels.get("actor", {})]

    @cached_property
    def date_span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        dates = pd.concat(
            [self.talks["start_date"], self.talks["end_date"], self.positions["date"], self.reactions["date"]]
        ).dropna()
        return dates.min(), dates.max()


def _labels(codebook: pd.DataFrame, issues: pd.DataFrame, actors: pd.DataFrame) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for scheme, group in codebook.groupby("scheme"):
        labels[str(scheme)] = dict(zip(group["code"], group["label"], strict=True))
    labels["issue"] = dict(zip(issues["issue_id"], issues["label"], strict=True))
    labels["actor"] = dict(zip(actors["actor_id"], actors["name"], strict=True))
    return labels


def _typed(table: s.Table, frame: pd.DataFrame, codes: Mapping[str, list[str]]) -> pd.DataFrame:
    out = frame.copy(deep=False)
    for name in out.columns:
        if out[name].dtype == object:  # frames built in code rather than read: the same text dtype as a read
            out[name] = out[name].astype("str")
    for col in table.columns:
        if col.kind == s.DATE:
            # Parsed once per distinct date: parsing every row holds a Python string per row meanwhile.
            at, dates = pd.factorize(out[col.name])
            parsed = pd.to_datetime(pd.Series(dates, dtype=out[col.name].dtype).replace("", None), format="%Y-%m-%d")
            values = parsed.to_numpy()
            out[col.name] = pd.Series(np.append(values, np.array("NaT", dtype=values.dtype))[at], index=out.index)
        elif col.kind == s.BOOL:
            out[col.name] = out[col.name].eq("true")
        elif col.kind == s.INT:
            out[col.name] = pd.to_numeric(out[col.name].replace("", None)).astype("Int64")
        elif col.kind == s.CODE and col.scheme in codes:
            # From the codes of the distinct values, as pd.Categorical(values, categories) gives without a Python
            # string per row.
            at, found = pd.factorize(out[col.name])
            dtype = pd.CategoricalDtype(codes[col.scheme])
            remap = np.append(dtype.categories.get_indexer(pd.Index(found)), -1)
            out[col.name] = pd.Categorical.from_codes(remap[at], dtype=dtype)
    return out


def _arrow(values: pd.Series | pd.Index | pa.Array) -> pa.Array:
    """Text as one Arrow array (nulls where missing); a categorical through its categories, without a
    string per row on the Python side."""
    if isinstance(values, pa.Array):
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = np.asarray(values.cat.codes if isinstance(values, pd.Series) else values.codes)
        categories = _arrow(pd.Index(values.cat.categories if isinstance(values, pd.Series) else values.categories))
        return categories.take(pa.array(codes, mask=codes < 0))
    array = pa.array(values.array if isinstance(values, pd.Index) else values, type=pa.large_string())
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _where(values: pd.Series | pd.Index | pa.Array, universe: pd.Series | pd.Index | pa.Array) -> np.ndarray:
    """The position of each value in `universe` (-1 when absent), hashed by Arrow rather than as Python objects."""
    found = pc.index_in(_arrow(values), value_set=_arrow(universe))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def _text(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    out = array.to_pandas()
    out.index = index
    return out


def _ids_in(cells: pd.Series | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Every id in a column of ';'-separated ids, as (row number, id), in row order: split_ids over the column."""
    parts = pc.split_pattern(_arrow(cells), s.LIST_SEP)
    rows = pc.list_parent_indices(parts).to_numpy()
    ids = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    keep = pc.not_equal(ids, "")
    return rows[keep.to_numpy(zero_copy_only=False)], ids.filter(keep)


def _cited(frame: pd.DataFrame, sources: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(row, source) for every source id a record cites, in row order: the row number of the id in `sources`,
    or, if some id is not among them (unvalidated frames), a number per distinct id above len(sources).

    Split once per distinct list of ids (records citing the same sources share one), then spread over the rows as
    numbers: splitting every row would hold a string per cited id."""
    encoded = pc.dictionary_encode(_arrow(frame["source_ids"]))
    lists = encoded.dictionary
    at_list, ids = _ids_in(lists)
    found = pc.index_in(ids, value_set=sources)
    if found.null_count:
        id_codes, _ = pd.factorize(_text(ids, pd.RangeIndex(len(ids))))
        id_codes = id_codes + len(sources)
    else:
        id_codes = found.to_numpy(zero_copy_only=False).astype(np.int64)
    per_list = np.bincount(at_list, minlength=len(lists))
    first = np.concatenate([[0], np.cumsum(per_list)[:-1]]).astype(np.int64)
    which = encoded.indices.to_numpy(zero_copy_only=False)  # a missing cell cites nothing
    which = np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, which).astype(np.int64)
    counts = np.where(which >= 0, np.append(per_list, 0)[which], 0)
    rows = np.repeat(np.arange(len(which), dtype=np.int64), counts)
    del counts
    # The k-th id of a row is the k-th id of its list.
    starts = np.cumsum(np.bincount(rows, minlength=len(which))) if len(rows) else np.zeros(len(which), np.int64)
    within = np.arange(len(rows), dtype=np.int64) - np.append(0, starts[:-1])[rows]
    codes = id_codes[first[which[rows]] + within]
    return rows, codes


def _n_sources(cited: tuple[np.ndarray, np.ndarray], index: pd.Index) -> pd.Series:
    """Distinct source ids per record."""
    rows, codes = cited
    width = int(codes.max()) + 1 if len(codes) else 1
    # Rows come in order, so the keys are nearly sorted already and the stable sort is close to linear.
    keys = np.sort(rows.astype(np.int64) * width + codes, kind="stable")
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    return pd.Series(np.bincount(keys[first] // width, minlength=len(index)).astype("int64"), index=index)


def _joined(groups: np.ndarray, n_groups: int, values: pa.Array, sep: str, at: np.ndarray | None = None) -> pa.Array:
    """For each group number 0..n_groups-1, its values in row order joined by `sep` ('' for none). Row i holds
    values[at[i]] when `at` is given, else values[i]."""
    known = groups >= 0
    if not known.all():
        groups = groups[known]
        at = np.flatnonzero(known) if at is None else at[known]
    elif at is None:
        at = np.arange(len(groups))
    del known
    counts = np.bincount(groups, minlength=n_groups)
    taken = at[np.argsort(groups, kind="stable")]
    del groups, at
    lists = pa.LargeListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)), values.take(pa.array(taken))
    )
    del taken
    return pc.binary_join(lists, pa.scalar(sep, pa.large_string()))


def _as_category(codes: np.ndarray, values: pa.Array, index: pd.Index) -> pd.Series:
    """Row i holds values[codes[i]] (missing for code -1 or a null value), as the categorical that
    astype('category') would give: the distinct values present, sorted."""
    used = np.bincount(codes[codes >= 0], minlength=len(values)) > 0
    present = pc.unique(pc.drop_null(values.filter(pa.array(used))))
    categories = pd.Index(present.to_pandas(), dtype="str").sort_values().rename(None)
    remap = np.append(_where(values, categories), -1)
    dtype = pd.CategoricalDtype(categories)
    return pd.Series(pd.Categorical.from_codes(remap[codes], dtype=dtype, validate=False), index=index)


def _lookup(keys: pd.Series, mapping: Mapping[str, str], default: str | None = None) -> pd.Series:
    """`keys.map(mapping)` as a categorical, looked up once per distinct key instead of once per row."""
    universe = pa.array(list(mapping), type=pa.large_string())
    return _lookup_in(keys, universe, pa.array(list(mapping.values()), type=pa.large_string()), default)


def _lookup_in(
    keys: pd.Series, universe: pd.Series | pa.Array, values: pd.Series | pa.Array, default: str | None = None
) -> pd.Series:
    """For each key, the value at its position in `universe` (`default` when absent), as a categorical."""
    ids = keys if isinstance(keys.dtype, pd.CategoricalDtype) else keys.astype("category")
    rows = _where(ids.cat.categories, universe)
    looked = _arrow(values).take(pa.array(rows, mask=rows < 0))
    if default is not None:
        looked = pc.fill_null(looked, pa.scalar(default, pa.large_string()))
    return _as_category(ids.cat.codes.to_numpy(), looked, keys.index)


FLAG_TEXTS = [
    ", ".join(p for p in (d, lo, si) if p)
    for d in ("", "disputed")
    for lo in ("", "low confidence")
    for si in ("", "single source")
]


def _flags(frame: pd.DataFrame) -> pd.Series:
    """One readable column that says why a record needs care; empty when it does not."""
    disputed = frame["disputed"].to_numpy(dtype=bool)
    low = (frame["confidence"] == "low").to_numpy(dtype=bool)
    single = (frame["n_sources"] == 1).to_numpy(dtype=bool)
    return _as_category(disputed * 4 + low * 2 + single * 1, pa.array(FLAG_TEXTS, type=pa.large_string()), frame.index)


def _sorted_by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows in `column` order (stable), one column at a time so only one column is ever held twice."""
    order = np.argsort(frame[column].to_numpy(), kind="stable")
    if (order == np.arange(len(order))).all():
        return frame.reset_index(drop=True)
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for name in list(frame.columns):
        out[name] = frame[name].take(order).reset_index(drop=True)
        del frame[name]
        release_memory()
    return out


def build_dataset(frames: Mapping[str, pd.DataFrame], version: str, progress: Progress | None = None) -> Dataset:
    """Type the validated raw frames and add the joined columns the pages show."""
    return _build(dict(frames), version, progress)


def _build(frames: dict[str, pd.DataFrame], version: str, progress: Progress | None) -> Dataset:
    """build_dataset on a dict it may empty: each raw frame is let go once typed, so the two never pile up."""

    def report(fraction: float, text: str) -> None:
        release_memory()  # each step's intermediates are gone by the next: give their memory back
        if progress is not None:
            progress(fraction, text)

    report(0.0, "Typing the tables")
    codebook = frames["codebook"]
    issues = frames["issues"]
    codes: dict[str, list[str]] = {str(k): list(g["code"]) for k, g in codebook.groupby("scheme", sort=False)}
    codes["issue"] = list(issues["issue_id"])
    labels = _labels(codebook, issues, frames["actors"])
    t = {table.name: _typed(table, frames.pop(table.name), codes) for table in s.ALL_TABLES}
    actor = labels["actor"]
    # Repeated ids as categories first: every lookup below then runs once per distinct id.
    for name in ("positions", "reactions", "agreed_items", "talk_participants"):
        frame = t[name]
        for column in ("actor_id", "speaker_id", "talk_id", "delegation_head_id"):
            if column in frame.columns:
                frame[column] = frame[column].astype("category")
    release_memory()
    report(0.2, "Joining names and titles")

    actors = t["actors"]
    actors["affiliation_name"] = actors["affiliation"].map(lambda a: actor.get(a, ""))

    talks = t["talks"]
    talk_index = pd.Index(talks["talk_id"])
    participants = t["talk_participants"]
    participants["actor_name"] = _lookup(participants["actor_id"], actor)
    participants["head_name"] = _lookup(participants["delegation_head_id"], actor, "")
    in_talk = _talk_rows(talk_index, participants["talk_id"])
    names = _arrow(participants["actor_name"])
    for role, column in (("party", "parties"), ("mediator", "mediators"), ("host", "hosts")):
        groups = np.where((participants["role"] == role).to_numpy(dtype=bool), in_talk, -1)
        talks[column] = _text(_joined(groups, len(talks), names, ", "), talks.index)
    headed = (participants["head_name"] != "").to_numpy(dtype=bool)
    head_texts = pc.binary_join_element_wise(
        names, _arrow(participants["head_name"]), pa.scalar(": ", pa.large_string())
    )
    talks["delegation_heads"] = _text(_joined(np.where(headed, in_talk, -1), len(talks), head_texts, "; "), talks.index)
    talks["format_label"] = talks["format"].map(labels["talk_format"]).astype(str)
    source_ids = _arrow(t["sources"]["source_id"])
    cited = {"talks": _cited(talks, source_ids)}
    talks["n_sources"] = _n_sources(cited["talks"], talks.index)
    talks["flags"] = _flags(talks).astype(str)
    talks["year"] = talks["start_date"].dt.year
    talk_ids, titles = _arrow(talks["talk_id"]), _arrow(talks["title"])

    items = t["agreed_items"]
    items["issue_label"] = _lookup(items["issue_id"], labels["issue"])
    items["talk_title"] = _lookup_in(items["talk_id"], talk_ids, titles)
    cited["items"] = _cited(items, source_ids)
    items["n_sources"] = _n_sources(cited["items"], items.index)
    per_side = prisoner_counts(items)
    per_talk = per_side.groupby(per_side["talk_id"].astype(str))["quantity"].sum()
    talks["prisoners_per_side"] = talks["talk_id"].map(per_talk).astype("Int64")
    report(0.4, "Joining positions and reactions")

    positions = t["positions"]
    reactions = t["reactions"]
    for name, frame, stance_scheme in (
        ("positions", positions, "position_stance"),
        ("reactions", reactions, "reaction_stance"),
    ):
        frame["actor_name"] = _lookup(frame["actor_id"], actor)
        frame["speaker_name"] = _lookup(frame["speaker_id"], actor, "")
        frame["stance_label"] = _lookup(frame["stance"], labels[stance_scheme])
        frame["talk_title"] = _lookup_in(frame["talk_id"], talk_ids, titles, "")
        cited[name] = _cited(frame, source_ids)
        frame["n_sources"] = _n_sources(cited[name], frame.index)
        frame["flags"] = _flags(frame)
    positions["issue_label"] = _lookup(positions["issue_id"], labels["issue"])
    options = t["issue_options"]
    option_ids = _arrow(options["option_id"])
    positions["option_label"] = _lookup_in(positions["option_id"], option_ids, _arrow(options["label"]), "")
    at_option = _where(positions["option_id"], option_ids)
    ranks = options["rank"].to_numpy(dtype="float64", na_value=np.nan)
    positions["option_rank"] = pd.array(np.append(ranks, np.nan)[at_option], dtype="Int64")
    actor_type = dict(zip(actors["actor_id"], actors["actor_type"].astype(str), strict=True))
    actor_iso = dict(zip(actors["actor_id"], actors["country_iso3"], strict=True))
    reactions["actor_type"] = _lookup(reactions["actor_id"], actor_type)
    reactions["country_iso3"] = _lookup(reactions["actor_id"], actor_iso, "")
    plans, provisions = _plans(t["plans"], t["plan_provisions"], t["issue_options"], labels)
    cited["plans"] = _cited(plans, source_ids)
    cited["provisions"] = _cited(provisions, source_ids)
    for frame, name in ((plans, "plans"), (provisions, "provisions")):
        frame["n_sources"] = _n_sources(cited[name], frame.index)
        frame["flags"] = _flags(frame).astype(str)
    report(0.6, "Counting the records behind each source")

    sources = t["sources"]
    in_source, record_rows, record_ids = [], [], []
    first_row = 0
    for name, frame, key in (
        ("talks", talks, "talk_id"),
        ("items", items, "item_id"),
        ("positions", positions, "position_id"),
        ("reactions", reactions, "reaction_id"),
        ("plans", plans, "plan_id"),
        ("provisions", provisions, "provision_id"),
    ):
        rows, codes = cited.pop(name)
        in_source.append(codes)
        record_rows.append(rows + first_row)
        record_ids.append(_arrow(frame[key]))
        first_row += len(frame)
    cited_source = np.concatenate(in_source)
    cited_source[cited_source >= len(sources)] = -1  # an id that names no source counts for none
    # Every record's id once, taken straight in source order: not a copy per citation and then another sorted.
    all_ids = pa.chunked_array(record_ids, type=pa.large_string()).combine_chunks()
    del in_source, record_ids
    citing = np.concatenate(record_rows)
    del record_rows
    sources["records"] = _text(_joined(cited_source, len(sources), all_ids, "; ", citing), sources.index)
    del all_ids, citing
    sources["n_records"] = np.bincount(cited_source[cited_source >= 0], minlength=len(sources)).astype("int64")
    checks = t["fact_checks"]
    checked = checks.groupby("source_id")["verdict"].agg(lambda v: ", ".join(str(x) for x in v)).to_dict()
    sources["fact_check"] = sources["source_id"].map(lambda sid: checked.get(sid, ""))
    report(0.8, "Ordering the tables")

    events = t["commitment_events"]
    for frame in (talks, items, positions, reactions, sources, actors, participants, provisions, events):
        if "origin" not in frame.columns:
            frame["origin"] = BUNDLED
    # Rows of talks in display order; linked tables carry the row number so filters can mark rounds without lookups.
    talks = _sorted_by(talks, "start_date")
    order = pd.Index(talks["talk_id"])
    for frame in (participants, items):
        frame["talk_pos"] = _talk_rows(order, frame["talk_id"])
    # Repeated ids and labels as categories: filtering a large table then copies small integer codes, not text.
    for frame in (positions, reactions, items, participants):
        for column in REPEATED_TEXT:
            if column in frame.columns and not isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = frame[column].astype("category")
    positions = _sorted_by(positions, "date")
    reactions = _sorted_by(reactions, "date")
    options = t["issue_options"]
    options["issue_label"] = options["issue_id"].map(labels["issue"]).astype(str)
    # issue_id is a categorical in issues.csv order, so the scales come out in the codebook's order of issues.
    options = options.sort_values(["issue_id", "rank"], kind="stable").reset_index(drop=True)
    commitments = _commitments(t["commitment_events"], items, talks, participants, labels)
    report(1.0, "Built the tables")

    return Dataset(
        version=version,
        sources=sources,
        actors=actors,
        issues=t["issues"],
        codebook=t["codebook"],
        talks=talks,
        participants=participants,
        items=items,
        positions=positions,
        reactions=reactions,
        fact_checks=checks,
        issue_options=options,
        plans=plans,
        provisions=provisions,
        commitments=commitments,
        labels=labels,
    )


def _commitments(
    events: pd.DataFrame,
    items: pd.DataFrame,
    talks: pd.DataFrame,
    participants: pd.DataFrame,
    labels: Mapping[str, Mapping[str, str]],
) -> pd.DataFrame:
    """Commitment events with their item, round, issue, the round's parties and each item's latest status joined.
    One row per event, a few per agreed item, so plain mappings serve."""
    status_label = labels.get("commitment_status", {})
    events = events.sort_values(["item_id", "date", "event_id"], kind="stable").reset_index(drop=True)
    events["status_label"] = events["status"].astype(str).map(lambda c: status_label.get(c, c))
    events["level"] = events["status"].astype(str).map(s.COMMITMENT_LEVELS).astype("Int64")
    by_item = items.assign(item_id=items["item_id"].astype(str)).set_index("item_id")
    item_ids = events["item_id"].astype(str)
    events["summary"] = item_ids.map(by_item["summary"].astype(str)).fillna("")
    events["issue_id"] = item_ids.map(by_item["issue_id"].astype(str)).fillna("")
    events["issue_label"] = events["issue_id"].map(labels.get("issue", {})).fillna("")
    events["item_status"] = item_ids.map(by_item["status"].astype(str)).map(
        lambda c: labels.get("item_status", {}).get(c, c)
    )
    events["talk_id"] = item_ids.map(by_item["talk_id"].astype(str)).fillna("")
    by_talk = talks.assign(talk_id=talks["talk_id"].astype(str)).set_index("talk_id")
    events["talk_title"] = events["talk_id"].map(by_talk["title"].astype(str)).fillna("")
    events["round_date"] = events["talk_id"].map(by_talk["start_date"])
    party_rows = participants[participants["role"].astype(str) == "party"]
    parties = party_rows.groupby(party_rows["talk_id"].astype(str), sort=False)["actor_id"].agg(
        lambda ids: s.LIST_SEP.join(sorted(str(a) for a in ids))
    )
    events["party_ids"] = events["talk_id"].map(parties).fillna("")
    actor = labels.get("actor", {})
    events["party_names"] = events["party_ids"].map(
        lambda ids: ", ".join(actor.get(a, a) for a in ids.split(s.LIST_SEP) if a)
    )
    last = ~events["item_id"].astype(str).duplicated(keep="last")
    latest = events.loc[last].set_index(events.loc[last, "item_id"].astype(str))
    events["latest_status"] = item_ids.map(latest["status"].astype(str))
    events["latest_status_label"] = item_ids.map(latest["status_label"])
    events["is_latest"] = last.to_numpy(dtype=bool)
    return events


def _plans(
    plans: pd.DataFrame, provisions: pd.DataFrame, options: pd.DataFrame, labels: Mapping[str, Mapping[str, str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plans with their proposers' names and status in words; provisions with their plan, issue and option joined.
    A few hundred rows at most, so plain mappings serve."""
    actor = labels.get("actor", {})
    plans = plans.sort_values(["presented", "plan_id"], kind="stable").reset_index(drop=True)
    plans["proposer_names"] = plans["proposer_ids"].map(
        lambda ids: ", ".join(actor.get(a, a) for a in str(ids).split(s.LIST_SEP) if a)
    )
    plans["status_label"] = plans["status"].astype(str).map(lambda c: labels.get("plan_status", {}).get(c, c))
    titles = dict(zip(plans["plan_id"], plans["title"], strict=True))
    plans["superseded_by_title"] = plans["superseded_by"].map(titles).fillna("")
    plans["n_provisions"] = plans["plan_id"].map(provisions["plan_id"].value_counts()).fillna(0).astype("int64")
    plans["disputed"] = False  # plans carry no disputed flag: a contested text is coded as low confidence

    order = dict(zip(plans["plan_id"], range(len(plans)), strict=True))
    provisions = provisions.assign(_order=provisions["plan_id"].map(order))
    provisions = provisions.sort_values(["_order", "point", "provision_id"], kind="stable").drop(columns="_order")
    provisions = provisions.reset_index(drop=True)
    joined = plans[["plan_id", "title", "presented", "proposer_ids", "proposer_names", "status_label"]].rename(
        columns={"title": "plan_title", "status_label": "plan_status"}
    )
    provisions = provisions.merge(joined, on="plan_id", how="left", validate="many_to_one")
    provisions["issue_label"] = provisions["issue_id"].astype(str).map(labels.get("issue", {})).fillna("")
    by_option = options.set_index("option_id")
    provisions["option_label"] = provisions["option_id"].map(by_option["label"]).fillna("")
    provisions["option_rank"] = provisions["option_id"].map(by_option["rank"]).astype("Int64")
    provisions["disputed"] = False
    return plans, provisions


def _talk_rows(talks: pd.Index, talk_ids: pd.Series) -> np.ndarray:
    """The row of each id's talk in `talks` (-1 for none), looked up once per distinct id."""
    ids = talk_ids if isinstance(talk_ids.dtype, pd.CategoricalDtype) else talk_ids.astype("category")
    rows = np.append(_where(ids.cat.categories, talks), -1)
    return rows[ids.cat.codes.to_numpy()]


def read_version(data_dir: Path) -> str:
    path = data_dir / "VERSION"
    return path.read_text(encoding="utf-8").strip() if path.exists() else "unversioned"


TABLE_FIELDS = [f.name for f in fields(Dataset) if f.name not in ("version", "labels")]


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
    dataset = _build(frames, read_version(data_dir), stages.part(0.6, 0.9))
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
    return Dataset(version=extra["version"], labels=extra["labels"], **tables)


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
