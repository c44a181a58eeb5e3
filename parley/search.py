"""Full-text search over every kind of record, through SQLite FTS5, folded for accents and actor aliases.

The index is contentless (it keeps tokens, not text): a hit is a rowid, and each kind owns one block of rowids laid
out so that descending rowid order is the order results are shown in (newest first where a kind has a date).
A query is read as plain words only: each word is quoted for FTS5, so quotes, NEAR, AND/OR/NOT, `*`, `^` and column
filters in it are searched for as text, never run as syntax. A word or run of words that names an actor (its name,
an alias, or a person's surname) also finds the actor's other names: Zelensky finds Zelenskyy, Turkey finds Türkiye.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import sqlite3
import threading
import time
import unicodedata
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from parley import schema as s
from parley.building import _arrow  # a text column, categorical or not, in Arrow
from parley.filters import Filters
from parley.loading import Dataset
from parley.mapped_pages import PageRelease
from parley.plans import plans_in_view
from parley.reading import release_memory
from parley.recent import per_selection
from parley.selection import Rows
from parley.views import apply_view

MAX_SHOWN = 50  # results listed per kind; the rest are counted
SCAN_CAP = 2_000  # matches per kind read and checked against the filters: a common word stays fast at 1M records
COUNT_CAP = 10_000  # matches per kind counted (inside SQLite, without reading them) before "10,000+"
MAX_QUERY_CHARS = 300
MAX_WORDS = 20
SNIPPET_CHARS = 180
KEPT_MEMO = 4  # filter objects whose kept rows are remembered per index (a million positions: ~1 MB each)
_WORD = re.compile(r"[^\W_]+")  # FTS5 unicode61 tokens: runs of letters and digits


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    table: str  # Dataset attribute
    id_column: str
    text: tuple[str, ...]  # columns indexed
    snippet: str  # the column a result quotes
    date: str | None


KINDS: tuple[Kind, ...] = (
    Kind("rounds", "Rounds", "talks", "talk_id", ("title", "outcome", "notes", "city", "venue", "parties",
         "mediators", "hosts", "delegation_heads"), "outcome", "start_date"),
    Kind("positions", "Positions", "positions", "position_id", ("summary", "conditions", "notes", "actor_name",
         "speaker_name", "issue_label", "option_label"), "summary", "date"),
    Kind("reactions", "Reactions", "reactions", "reaction_id", ("summary", "event", "notes", "actor_name",
         "speaker_name"), "summary", "date"),
    Kind("items", "Agreed items", "items", "item_id", ("summary", "issue_label", "talk_title"), "summary", None),
    Kind("sources", "Sources", "sources", "source_id", ("title", "outlet", "reliability_notes"), "title",
         "published"),
    Kind("actors", "Actors", "actors", "actor_id", ("name", "aliases", "affiliation_name"), "aliases", None),
    Kind("fact_checks", "Fact checks", "fact_checks", "check_id", ("claim", "note"), "note", None),
    Kind("plans", "Plans", "plans", "plan_id", ("title", "notes", "proposer_names"), "notes", "presented"),
    Kind("provisions", "Plan provisions", "provisions", "provision_id", ("summary", "notes", "plan_title"),
         "summary", "presented"),
)  # fmt: skip
KIND = {k.key: k for k in KINDS}
RESULT_COLUMNS = ["kind", "id", "title", "snippet", "date", "link"]


# ---- folding ------------------------------------------------------------------------------------------------
_LAST_MARK = 0x1FFFF  # no character above this has a combining class


@functools.cache
def _combining_marks() -> dict[int, None]:
    """A translate table deleting every combining mark (about 900 code points), built once on first use."""
    return {cp: None for cp in range(_LAST_MARK + 1) if unicodedata.combining(chr(cp))}


def fold(text: str) -> str:
    """Compatibility forms split, accents dropped, case folded: Erdoğan and ERDOGAN both become erdogan."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text).translate(_combining_marks()).casefold()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _folded_column(values: pa.Array) -> pa.Array:
    """fold() over a text column, once per distinct non-ASCII value (ASCII text is left to the tokenizer)."""
    encoded = pc.dictionary_encode(values)
    dictionary = encoded.dictionary.to_pylist()
    folded = [v if v is None or v.isascii() else fold(v) for v in dictionary]
    return pa.array(folded, type=pa.large_string()).take(encoded.indices)


# ---- actors' names --------------------------------------------------------------------------------------------
def actor_variants(actors: pd.DataFrame) -> dict[tuple[str, ...], set[str]]:
    """Each way of naming an actor, as folded words, and the actors it names: name, aliases, a person's surname."""
    out: dict[tuple[str, ...], set[str]] = {}
    for actor_id, name, aliases, kind in zip(
        actors["actor_id"], actors["name"], actors["aliases"], actors["actor_type"].astype(str), strict=True
    ):
        names = [str(name), *(a for a in str(aliases).split(s.LIST_SEP) if a.strip())]
        forms = [tuple(words(n)) for n in names]
        if kind == "person" and len(forms[0]) > 1:
            forms.append(forms[0][-1:])
        for form in forms:
            if form:
                out.setdefault(form, set()).add(str(actor_id))
    return out


def _forms_of(variants: dict[tuple[str, ...], set[str]]) -> dict[str, list[tuple[str, ...]]]:
    by_actor: dict[str, list[tuple[str, ...]]] = {}
    for form, ids in variants.items():
        for actor_id in ids:
            by_actor.setdefault(actor_id, []).append(form)
    return by_actor


@dataclass(frozen=True)
class Query:
    """A query as FTS5 reads it: every group must match; a group is one word or the names of the actors it names."""

    groups: tuple[tuple[tuple[str, ...], ...], ...]  # group -> alternatives -> words of a phrase
    actors: tuple[str, ...] = ()  # actors named in the query

    @property
    def empty(self) -> bool:
        return not self.groups

    def match(self) -> str:
        def phrase(ws: tuple[str, ...]) -> str:
            return '"' + " ".join(ws) + '"'  # words are letters and digits only: nothing in them is syntax

        return " AND ".join("(" + " OR ".join(phrase(a) for a in group) + ")" for group in self.groups)

    @property
    def terms(self) -> list[str]:
        return sorted({" ".join(a) for g in self.groups for a in g}, key=len, reverse=True)


def parse_query(text: str, variants: dict[tuple[str, ...], set[str]]) -> Query:
    """The user's text as plain words; runs of words naming an actor expand into all of the actor's names."""
    tokens = words(text[:MAX_QUERY_CHARS])[:MAX_WORDS]
    longest = max((len(v) for v in variants), default=0)
    forms = _forms_of(variants)
    groups: list[tuple[tuple[str, ...], ...]] = []
    named: list[str] = []
    i = 0
    while i < len(tokens):
        for size in range(min(longest, len(tokens) - i), 0, -1):
            span = tuple(tokens[i : i + size])
            if span in variants:
                ids = sorted(variants[span])
                named += ids
                alternatives = dict.fromkeys([span, *(f for a in ids for f in forms[a])])
                groups.append(tuple(alternatives))
                i += size
                break
        else:
            groups.append(((tokens[i],),))
            i += 1
    return Query(tuple(dict.fromkeys(groups)), tuple(dict.fromkeys(named)))


# ---- the index ----------------------------------------------------------------------------------------------
@dataclass
class SearchIndex:
    """One in-memory FTS5 table over every kind; `order[kind]` maps rank (0 = shown first) to the table's row."""

    connection: sqlite3.Connection
    offsets: dict[str, int]
    order: dict[str, np.ndarray]
    variants: dict[tuple[str, ...], set[str]]
    lock: threading.Lock = field(default_factory=threading.Lock)
    # What the last few filter objects keep: the next query under the same filters (the usual case while typing)
    # skips applying them again. Keyed by the frozen Filters; the index belongs to one dataset, so does this.
    _kept: OrderedDict[Filters, dict[str, np.ndarray | None]] = field(default_factory=OrderedDict)

    def kept(self, ds: Dataset, f: Filters) -> dict[str, np.ndarray | None]:
        with self.lock:
            hit = self._kept.get(f)
            if hit is not None:
                self._kept.move_to_end(f)
                return hit
        kept = kept_rows(ds, f)  # outside the lock: other sessions' queries go on meanwhile
        with self.lock:
            self._kept[f] = kept
            while len(self._kept) > KEPT_MEMO:
                self._kept.popitem(last=False)
        return kept

    def rowid_range(self, kind: str, first: int = 0, last: int | None = None) -> tuple[int, int]:
        """Rowids of ranks first..last of a kind (rowids run high to low as rank goes up)."""
        n = len(self.order[kind])
        last = n - 1 if last is None else last
        top = self.offsets[kind] + n - 1
        return top - last, top - first

    def close(self) -> None:
        self.connection.close()


def _display_order(kind: Kind, frame: pd.DataFrame, ds: Dataset) -> np.ndarray:
    """Row numbers in the order results are listed: newest first where the kind has a date."""
    n = len(frame)
    if kind.key in ("rounds", "positions", "reactions"):
        return np.arange(n)[::-1].copy()  # loaded sorted by date, oldest first
    if kind.key == "items":
        starts = ds.talks["start_date"].to_numpy()
        pos = frame["talk_pos"].to_numpy()
        dates = np.where(pos >= 0, starts[np.clip(pos, 0, max(len(starts) - 1, 0))], np.datetime64("NaT"))
        return _newest_first(pd.Series(dates))
    if kind.date is not None:
        return _newest_first(frame[kind.date])
    return np.arange(n)


def _newest_first(dates: pd.Series) -> np.ndarray:
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    keys = np.where(pd.isna(dates).to_numpy(), np.iinfo(np.int64).max, -values)  # undated last
    return np.argsort(keys, kind="stable")  # ties keep table order


def _texts(columns: list[pa.Array | pa.ChunkedArray]) -> pa.Array:
    """A record's searchable text: its text columns joined, then folded."""
    filled = [pc.fill_null(column, "") for column in columns]
    joined = pc.binary_join_element_wise(*filled, pa.scalar(" \n ", pa.large_string()))
    return _folded_column(joined)


INDEX_CHUNK_ROWS = 32_768
INDEX_FILE = "search-{}.sqlite"  # in the dataset's cache entry; named by _index_format()
STALE_TEMP_S = 3600  # a half-written index this old was left by a process that stopped


def _layout(ds: Dataset) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """Each kind's first rowid and its rank order. Worked out from the dataset alone, so an index read back from disk
    is laid out exactly as it was built (its `layout` table is checked against this)."""
    offsets: dict[str, int] = {}
    order: dict[str, np.ndarray] = {}
    start = 1
    for kind in KINDS:
        frame = getattr(ds, kind.table)
        offsets[kind.key], order[kind.key] = start, _display_order(kind, frame, ds)
        start += len(frame)
    return offsets, order


def _fill(connection: sqlite3.Connection, ds: Dataset, offsets: dict[str, int], order: dict[str, np.ndarray]) -> None:
    # Contentless (the text stays in the Dataset) and without per-column sizes: no ranking by bm25 is used.
    connection.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(text, content='', columnsize=0, tokenize='unicode61 remove_diacritics 2')"
    )
    for kind in KINDS:
        frame, start = getattr(ds, kind.table), offsets[kind.key]
        # Rowid start + i holds rank n-1-i: inserted in ascending rowid order, which FTS5 needs to batch its
        # writes (a smaller rowid than the last flushes a segment per record: ten times slower).
        ascending = order[kind.key][::-1].copy()
        sources = [_arrow(frame[c]) for c in kind.text if c in frame.columns]
        # The text read from the memory-mapped cache is handed back after each chunk (parley.mapped_pages).
        pages = PageRelease(sources)
        # A chunk of records at a time: the folded text of every record, and a Python string each, held at once
        # took the build of a million records past 2 GB.
        for first in range(0, len(frame), INDEX_CHUNK_ROWS):
            rows = pa.array(ascending[first : first + INDEX_CHUNK_ROWS])
            texts = _texts([column.take(rows) for column in sources]).to_pylist()
            connection.executemany("INSERT INTO docs(rowid, text) VALUES (?, ?)", enumerate(texts, start=start + first))
            del texts
            pages.release()
        release_memory()  # each kind's folded texts are in the index now: give Arrow's copy back
    connection.execute("INSERT INTO docs(docs) VALUES ('optimize')")
    connection.execute("CREATE TABLE layout(kind TEXT PRIMARY KEY, first INTEGER, records INTEGER)")
    connection.executemany("INSERT INTO layout VALUES (?, ?, ?)", [(k, offsets[k], len(order[k])) for k in offsets])
    connection.commit()


def build_index(ds: Dataset) -> SearchIndex:
    """Index every record of every kind in memory (under a second today, about ten seconds at a million
    positions); the index is then shared read-only."""
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    offsets, order = _layout(ds)
    _fill(connection, ds, offsets, order)
    return SearchIndex(connection, offsets, order, actor_variants(ds.actors))


def load_index(ds: Dataset) -> SearchIndex:
    """The dataset's index. A dataset read from a cache entry keeps its index in a file there: read back after a
    restart instead of built again, and out of the server's memory (at a million positions the index is about a
    quarter of a gigabyte; SQLite reads the pages a query needs through the system's file cache). Built in memory
    when there is no entry or it cannot be written."""
    path = index_path(ds)
    if path is not None:
        layout = _layout(ds)  # worked out once, whether the file is read back or built
        index = open_stored_index(ds, path, layout) or _build_stored(ds, path, layout)
        if index is not None:
            return index
    return build_index(ds)


@functools.cache
def _index_format() -> str:
    """Changes whenever what an index holds could: the code that builds it (this module), Python's Unicode tables
    (folding) and SQLite's tokenizer."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"{unicodedata.unidata_version}|{sqlite3.sqlite_version}".encode())
    return digest.hexdigest()[:16]


def index_path(ds: Dataset) -> Path | None:
    if ds.stored_in is None:
        return None
    try:
        return ds.stored_in / INDEX_FILE.format(_index_format())
    except OSError:  # the module's source cannot be read: a stale index could not be told apart
        return None


Layout = tuple[dict[str, int], dict[str, np.ndarray]]


def open_stored_index(ds: Dataset, path: Path, layout: Layout | None = None) -> SearchIndex | None:
    """The index stored at `path`, read-only; None when there is none, or it is not an index laid out for `ds`."""
    if not path.is_file():
        return None
    connection = None
    try:
        # Immutable: the file is never written once renamed into place, so SQLite takes no locks to read it.
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        stored = {k: (first, n) for k, first, n in connection.execute("SELECT kind, first, records FROM layout")}
        connection.execute("SELECT rowid FROM docs WHERE docs MATCH 'x' LIMIT 1").fetchall()
    except sqlite3.Error:  # damaged, half-written by hand, or another file: built again
        if connection is not None:
            connection.close()
        return None
    offsets, order = layout or _layout(ds)
    if stored != {k: (offsets[k], len(order[k])) for k in offsets}:
        connection.close()
        return None
    return SearchIndex(connection, offsets, order, actor_variants(ds.actors))


def _build_stored(ds: Dataset, path: Path, layout: Layout) -> SearchIndex | None:
    """Build the index into a file beside the dataset's tables, renamed into place once whole; None when the
    folder cannot be written (the caller builds in memory)."""
    temp = path.with_name(f".tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        _tidy(path)
        connection = sqlite3.connect(temp)
        try:
            # A file renamed into place only once whole needs no journal, and no sync until it is whole.
            connection.execute("PRAGMA journal_mode=OFF")
            connection.execute("PRAGMA synchronous=OFF")
            _fill(connection, ds, *layout)
        finally:
            connection.close()
        os.replace(temp, path)
    except (OSError, sqlite3.Error):  # a read-only or full disk, or the entry evicted meanwhile
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)
        return None
    return open_stored_index(ds, path, layout)


def _tidy(path: Path) -> None:
    """Remove indexes of an older format and half-written ones left by a stopped process."""
    now = time.time()
    for other in path.parent.glob("*search-*.sqlite"):
        if other.name.startswith(".tmp-"):
            if now - other.stat().st_mtime > STALE_TEMP_S:
                other.unlink(missing_ok=True)
        elif other != path:
            other.unlink(missing_ok=True)  # a server still reading it keeps its open file


# ---- what the filters keep ------------------------------------------------------------------------------------
def kept_rows(ds: Dataset, f: Filters) -> dict[str, np.ndarray | None]:
    """Per kind, one flag per table row for the records the filters keep (None: every record)."""
    if f.is_default:
        return dict.fromkeys(KIND)
    return _kept_flags(ds, _selections(ds, f), f.parties)


def _selections(ds: Dataset, f: Filters) -> tuple[tuple[str, pd.DataFrame | Rows], ...]:
    """The rows of each filtered kind, as shared selections (parley.recent): the same objects while they keep the
    same rows, so what is worked out from them is found again."""
    view = apply_view(ds, f)
    plans = plans_in_view(ds, f)
    return (
        ("rounds", view.talks),
        ("positions", view.positions),
        ("reactions", view.reactions),
        ("items", view.items),
        ("sources", view.sources(ds)),
        ("plans", plans.plans),
        ("provisions", plans.provisions),
    )


@per_selection
def _kept_flags(
    ds: Dataset, selections: tuple[tuple[str, pd.DataFrame | Rows], ...], parties: tuple[str, ...]
) -> dict[str, np.ndarray | None]:
    def flags(n: int, rows: np.ndarray | pd.Index) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[np.asarray(rows, dtype=np.int64)] = True
        return out

    kept = dict(selections)
    out: dict[str, np.ndarray | None] = {
        kind: flags(len(getattr(ds, KIND[kind].table)), rows.index) for kind, rows in kept.items()
    }
    out["actors"] = _actors_kept(ds.actors, Filters(parties=parties))
    out["fact_checks"] = ds.fact_checks["source_id"].isin(set(kept["sources"]["source_id"])).to_numpy()
    return out


def records_in_view(ds: Dataset, f: Filters) -> pd.DataFrame:
    """How many records of each kind the search reads under these filters: what a query can find."""
    if f.is_default:
        return _scope(ds, None)
    return _scope(ds, (_selections(ds, f), f.parties))


@per_selection
def _scope(ds: Dataset, kept: tuple | None) -> pd.DataFrame:
    if kept is None:
        counts = [len(getattr(ds, kind.table)) for kind in KINDS]
        return pd.DataFrame({"kind": [k.label for k in KINDS], "records": counts})
    selections, parties = kept
    sizes = {key: len(rows) for key, rows in selections}
    sources = dict(selections)["sources"]
    actors = _actors_kept(ds.actors, Filters(parties=parties))
    sizes["actors"] = len(ds.actors) if actors is None else int(np.count_nonzero(actors))
    sizes["fact_checks"] = int(ds.fact_checks["source_id"].isin(set(sources["source_id"])).sum())
    return pd.DataFrame({"kind": [k.label for k in KINDS], "records": [sizes[k.key] for k in KINDS]})


def _actors_kept(actors: pd.DataFrame, f: Filters) -> np.ndarray | None:
    """With a party filter, the chosen actors and the people and bodies affiliated with them; dates and issues do
    not apply to actors."""
    if not f.parties:
        return None
    chosen = list(f.parties)
    return (actors["actor_id"].isin(chosen) | actors["affiliation"].isin(chosen)).to_numpy()


# ---- searching ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KindCount:
    matched: int  # records holding the words, whatever the filters (counted up to COUNT_CAP)
    kept: int  # of those, the ones the filters keep; a lower bound when truncated
    truncated: bool  # kept is not exact: only the newest SCAN_CAP matches were checked against the filters

    @property
    def more(self) -> int:
        return max(self.kept - MAX_SHOWN, 0)


@dataclass(frozen=True, eq=False)  # compared by identity: its arrays have no single truth value
class SearchResults:
    query: Query
    counts: dict[str, KindCount]
    # Each kind's listed rows of its table (at most MAX_SHOWN, in the order shown), for the kinds with any: a kind's
    # results are built into rows only when asked for, so a page that lists one kind builds one kind's rows.
    hits: dict[str, np.ndarray] = field(default_factory=dict)
    ds: Dataset | None = field(default=None, compare=False, repr=False)

    @property
    def found(self) -> list[str]:
        """The kinds with records listed, in KINDS order."""
        return [kind.key for kind in KINDS if kind.key in self.hits]

    @property
    def results(self) -> pd.DataFrame:
        """Every listed row: RESULT_COLUMNS plus `kind_key`, kind by kind."""
        return _results_frame([self._part(kind) for kind in self.found])

    @property
    def matched(self) -> int:
        return sum(c.matched for c in self.counts.values())

    @property
    def kept(self) -> int:
        return sum(c.kept for c in self.counts.values())

    def of(self, kind: str) -> pd.DataFrame:
        return _results_frame([self._part(kind)] if kind in self.hits else [])

    def _part(self, kind: str) -> dict[str, list]:
        # Remembered per selection: a filter change that keeps a kind's results keeps its rows.
        assert self.ds is not None
        return _result_rows(KIND[kind], getattr(self.ds, KIND[kind].table), self.hits[kind], self.ds, self.query)


def _matches(index: SearchIndex, match: str, kind: str, lo: int, hi: int) -> np.ndarray:
    """Ranks (0 = shown first) of the first SCAN_CAP records of a kind the query matches, in rank order."""
    sql = (
        "SELECT group_concat(rowid) FROM (SELECT rowid FROM docs WHERE docs MATCH ? "
        "AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?)"
    )
    rowid_lo, rowid_hi = index.rowid_range(kind, lo, hi)
    with index.lock:
        (joined,) = index.connection.execute(sql, (match, rowid_lo, rowid_hi, SCAN_CAP)).fetchone()
    if not joined:
        return np.zeros(0, dtype=np.int64)
    rowids = np.array(joined.split(","), dtype=np.int64)
    return index.offsets[kind] + len(index.order[kind]) - 1 - rowids


def _count(index: SearchIndex, match: str, kind: str, lo: int, hi: int) -> int:
    """How many records of a kind, ranks lo..hi, the query matches (up to COUNT_CAP), counted inside SQLite."""
    if len(index.order[kind]) == 0 or lo > hi:
        return 0
    sql = "SELECT count(*) FROM (SELECT 1 FROM docs WHERE docs MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?)"
    rowid_lo, rowid_hi = index.rowid_range(kind, lo, hi)
    with index.lock:
        (n,) = index.connection.execute(sql, (match, rowid_lo, rowid_hi, COUNT_CAP)).fetchone()
    return int(n)


def _rank_window(kind: str, ds: Dataset, f: Filters, n: int) -> tuple[int, int]:
    """For kinds stored newest first by date, the ranks inside the date window: the search reads only those."""
    if kind not in ("positions", "reactions") or not (f.start or f.end) or n == 0:
        return 0, n - 1
    dates = getattr(ds, kind)["date"].to_numpy()
    first_row = np.searchsorted(dates, np.datetime64(f.start), "left") if f.start else 0
    last_row = np.searchsorted(dates, np.datetime64(f.end), "right") - 1 if f.end else n - 1
    if last_row < first_row:
        return 1, 0  # an empty range: nothing to read
    return int(n - 1 - last_row), int(n - 1 - first_row)


def search(index: SearchIndex, ds: Dataset, text: str, f: Filters | None = None) -> SearchResults:
    """Records matching every word of `text` (names folded, actors' aliases expanded), kept by the filters."""
    f = f or Filters()
    query = parse_query(text, index.variants)
    counts: dict[str, KindCount] = {}
    listed: dict[str, np.ndarray] = {}
    if query.empty:
        return SearchResults(query, {})
    match = query.match()
    kept = index.kept(ds, f)
    for kind in KINDS:
        frame = getattr(ds, kind.table)
        lo, hi = _rank_window(kind.key, ds, f, len(frame))
        ranks = _matches(index, match, kind.key, lo, hi) if lo <= hi else np.zeros(0, dtype=np.int64)
        rows = index.order[kind.key][ranks]
        keep = kept[kind.key]
        hits = rows if keep is None else rows[keep[rows]]
        whole = (lo, hi) == (0, len(frame) - 1)
        matched = len(rows) if whole and len(rows) < SCAN_CAP else _count(index, match, kind.key, 0, len(frame) - 1)
        n_kept, truncated = len(hits), False
        if len(rows) >= SCAN_CAP:  # more matches than were read
            if keep is None:  # nothing but the date window applies: count the rest inside SQLite
                n_kept = matched if whole else _count(index, match, kind.key, lo, hi)
                truncated = n_kept >= COUNT_CAP
            else:
                truncated = True
        counts[kind.key] = KindCount(matched, n_kept, truncated)
        if len(hits):
            listed[kind.key] = hits[:MAX_SHOWN]
    return SearchResults(query, counts, listed, ds)


@per_selection
def _results_frame(parts: list[dict[str, list]]) -> pd.DataFrame:
    columns = [*RESULT_COLUMNS, "kind_key"]
    frame = pd.DataFrame({c: [v for part in parts for v in part[c]] for c in columns if c != "date"}, dtype="str")
    dates = pd.to_datetime(pd.Series([v for part in parts for v in part["date"]], dtype="object"))
    frame["date"] = dates.astype("datetime64[us]")
    return frame[columns]


def link(record_id: str) -> str:
    return "record?id=" + quote(record_id, safe="")


@per_selection
def _result_rows(kind: Kind, frame: pd.DataFrame, rows: np.ndarray, ds: Dataset, query: Query) -> dict[str, list]:
    """The listed results of one kind as plain lists: at most MAX_SHOWN rows, read column by column."""

    wanted = [kind.id_column, kind.snippet, *_TITLES[kind.key]]
    wanted += [kind.date] if kind.date is not None else []
    wanted += ["talk_pos"] if kind.key == "items" else []
    names = list(dict.fromkeys(wanted))
    # One take of only these columns: the shown rows of a million-row table without touching its other columns.
    shown = frame.iloc[rows, frame.columns.get_indexer(names)]

    def cells(column: str) -> list[object]:
        return shown[column].tolist()

    ids = [str(v) for v in cells(kind.id_column)]
    if kind.key == "items":
        starts = ds.talks["start_date"]
        dates: list[object] = [starts.iloc[p] if p >= 0 else pd.NaT for p in cells("talk_pos")]  # type: ignore[operator]
    else:
        dates = cells(kind.date) if kind.date is not None else [pd.NaT] * len(rows)
    pattern = _terms_pattern(tuple(query.terms))
    return {
        "kind": [kind.label] * len(rows),
        "id": ids,
        "title": _titles(kind.key, shown),
        "snippet": [_snippet(_plain(v), pattern) for v in cells(kind.snippet)],
        "date": dates,
        "link": [link(i) for i in ids],
        "kind_key": [kind.key] * len(rows),
    }


def _plain(value: object) -> str:
    return (
        ""
        if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)
        else str(value)
    )


# The columns a result's title is made of, joined by " · " (empty parts left out).
_TITLES: dict[str, tuple[str, ...]] = {
    "rounds": ("title", "city"),
    "positions": ("actor_name", "issue_label", "stance_label"),
    "reactions": ("actor_name", "event"),
    "items": ("talk_title", "issue_label"),
    "sources": ("outlet", "title"),
    "actors": ("name", "affiliation_name"),
    "fact_checks": ("claim", "verdict"),
    "plans": ("title", "proposer_names"),
    "provisions": ("plan_title", "point"),
}


def _titles(kind: str, shown: pd.DataFrame) -> list[str]:
    parts = []
    for column in _TITLES[kind]:
        values = [_plain(v) for v in shown[column].tolist()]
        parts.append([f"point {v}" if column == "point" and v else v for v in values])
    return [" · ".join(p for p in row if p) for row in zip(*parts, strict=True)]


@functools.lru_cache(maxsize=64)
def _terms_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern finding any of the query's folded words or names, as whole words, in folded text."""
    alternatives = [r"[\W_]+".join(map(re.escape, term.split())) for term in terms] or [r"(?!)"]
    return re.compile(r"(?<![^\W_])(?:" + "|".join(alternatives) + r")(?![^\W_])")


def snippet(text: str, query: Query, width: int = SNIPPET_CHARS) -> str:
    """A window of `text` around the first word of the query found in it (the start when none is), as written."""
    return _snippet(text, _terms_pattern(tuple(query.terms)), width)


def _snippet(text: str, pattern: re.Pattern[str], width: int = SNIPPET_CHARS) -> str:
    folded, where = _folded_with_offsets(text)
    found = pattern.search(folded)
    start = 0 if found is None else where[found.start()]
    start = max(0, start - width // 3)
    end = min(len(text), start + width)
    out = text[start:end].strip()
    return ("…" if start > 0 else "") + out + ("…" if end < len(text) else "")


def _folded_with_offsets(text: str) -> tuple[str, list[int] | range]:
    """fold(text) and, for each of its characters, the position in `text` it came from."""
    folded = fold(text)
    if len(folded) == len(text):  # nearly always: each character folds to exactly one (ğ to g, É to e)
        return folded, range(len(text))
    chars: list[str] = []
    where: list[int] = []
    for i, c in enumerate(text):
        f = fold(c)
        chars.append(f)
        where.extend([i] * len(f))
    return "".join(chars), where


def describe_counts(count: KindCount) -> str:
    """'12 of 40 shown' style caption for one kind, honest about counts cut short."""
    shown = min(count.kept, MAX_SHOWN)
    if count.truncated and count.kept >= COUNT_CAP:
        return f"{shown} shown; more than {COUNT_CAP:,} match (add words or narrow the filters to count them all)"
    if count.truncated:
        return (
            f"{shown} shown; at least {count.more:,} more within the filters, found among the newest {SCAN_CAP:,} "
            f"of the {count.matched:,}{'+' if count.matched >= COUNT_CAP else ''} records holding these words "
            "(add words or narrow the filters to count them all)"
        )
    return f"{shown} shown" + (f", {count.more:,} more" if count.more else "")
