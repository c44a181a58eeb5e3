"""The embedded store of imported records: SQLite through SQLAlchemy Core, one table per record table.

The bundled `data/` files are the base layer and are never written; every import is a batch of rows in the store,
written in one transaction (all or nothing) and removable again with `undo`. A server database can later be used by
setting PARLEY_STORE_URL to its SQLAlchemy URL; only the SQLite specifics (WAL, BEGIN IMMEDIATE) are skipped there.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import NullPool, StaticPool

from parley import schema as s
from parley.validation import Problem

STORE_URL_ENV = "PARLEY_STORE_URL"
BUSY_TIMEOUT_ENV = "PARLEY_STORE_BUSY_TIMEOUT"  # seconds a writer waits for another writer before giving up
# Test hook: a writer pauses inside its transaction, after its first inserts, until `<value>.go` exists, having
# created `<value>.paused`. It lets the tests kill or race a writer at a known point instead of guessing with sleeps.
PAUSE_ENV = "PARLEY_TEST_PAUSE_IN_WRITE"
DEFAULT_STORE_PATH = Path(__file__).resolve().parent.parent / ".parley" / "store.sqlite"
DEFAULT_BUSY_TIMEOUT = 30.0
LAYOUT_VERSION = "1"
EMPTY_REVISION = "empty"

BATCH_ID = "batch_id"
ROW_SEQ = "seq"


def store_url() -> str:
    """The configured store: PARLEY_STORE_URL, or a SQLite file in the git-ignored `.parley/` folder."""
    return os.environ.get(STORE_URL_ENV) or f"sqlite:///{DEFAULT_STORE_PATH}"


class StoreError(Exception):
    """The store cannot be read or written; the message says why and that nothing was changed."""


class StoreBusyError(StoreError):
    """Another writer held the store for longer than the busy timeout."""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    imported_at: str  # UTC, ISO 8601
    via: str
    files: tuple[str, ...]
    counts: dict[str, int]  # records written per table
    skipped: dict[str, int] = field(default_factory=dict)  # exact duplicates not written, per table
    undone_at: str | None = None

    @property
    def n_records(self) -> int:
        return sum(self.counts.values())


def _record_table(metadata: sa.MetaData, table: s.Table) -> sa.Table:
    unique = (table.key,) if table.key else table.unique_together
    return sa.Table(
        table.name,
        metadata,
        sa.Column(ROW_SEQ, sa.Integer, primary_key=True, autoincrement=True),
        *[sa.Column(name, sa.Text, nullable=False, server_default="") for name in table.column_names],
        sa.Column(BATCH_ID, sa.Text, nullable=False, index=True),
        sa.UniqueConstraint(*unique, name=f"uq_{table.name}"),
    )


METADATA = sa.MetaData()
RECORDS: dict[str, sa.Table] = {name: _record_table(METADATA, s.TABLES_BY_NAME[name]) for name in s.RECORD_TABLES}
BATCHES = sa.Table(
    "import_batches",
    METADATA,
    sa.Column(ROW_SEQ, sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(BATCH_ID, sa.Text, nullable=False, unique=True),
    sa.Column("imported_at", sa.Text, nullable=False),
    sa.Column("via", sa.Text, nullable=False, server_default=""),
    sa.Column("files", sa.Text, nullable=False),  # JSON list of file names
    sa.Column("counts", sa.Text, nullable=False),  # JSON {table: records written}
    sa.Column("skipped", sa.Text, nullable=False, server_default="{}"),  # JSON {table: exact duplicates}
    sa.Column("undone_at", sa.Text, nullable=True),
)
META = sa.Table(
    "store_meta",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_batch_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _pause_if_asked(done: str) -> None:
    marker = os.environ.get(PAUSE_ENV)
    if not marker:
        return
    Path(f"{marker}.paused").write_text(done, encoding="utf-8")  # what the open transaction has done so far
    deadline = time.monotonic() + 120
    while not Path(f"{marker}.go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


BATCH_COLUMNS = ("batch_id", "imported_at", "via", "files", "counts", "n_records", "skipped", "undone_at")


def _batch_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    if records:
        return pd.DataFrame.from_records(records, columns=list(BATCH_COLUMNS))
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "n_records" else str) for c in BATCH_COLUMNS})


def _empty(table: str, *, with_batch: bool) -> pd.DataFrame:
    columns = s.TABLES_BY_NAME[table].column_names + ([BATCH_ID] if with_batch else [])
    return pd.DataFrame({c: pd.Series([], dtype=str) for c in columns})


class Store:
    """One store, addressed by a SQLAlchemy URL. Cheap to create; the file and tables appear on the first write."""

    def __init__(self, url: str | None = None, *, busy_timeout: float | None = None):
        self.url = url or store_url()
        timeout = busy_timeout if busy_timeout is not None else float(os.environ.get(BUSY_TIMEOUT_ENV) or 0)
        self.busy_timeout = timeout or DEFAULT_BUSY_TIMEOUT
        parsed = sa.make_url(self.url)
        self._sqlite = parsed.get_backend_name() == "sqlite"
        database = parsed.database or ""
        self._path = Path(database) if self._sqlite and database and database != ":memory:" else None
        kwargs: dict[str, object] = {}
        if self._path is not None:
            # A fresh connection per use: no pooled handle can outlive a replaced file or hold a lock between uses.
            kwargs = {"poolclass": NullPool, "connect_args": {"timeout": self.busy_timeout}}
        elif self._sqlite:
            kwargs = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        self._engine = sa.create_engine(self.url, **kwargs)
        if self._sqlite:
            sa.event.listen(self._engine, "connect", self._on_connect)
            sa.event.listen(self._engine, "begin", self._on_begin)
        self._ready = False

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @staticmethod
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _on_begin)
        dbapi_connection.execute("PRAGMA journal_mode=WAL")

    @staticmethod
    def _on_begin(conn: sa.Connection) -> None:
        # A writer takes the write lock at BEGIN, so two writers queue on the busy timeout instead of
        # failing half-way when a read transaction tries to upgrade.
        write = conn.get_execution_options().get("parley_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    def dispose(self) -> None:
        self._engine.dispose()

    # -- connections -------------------------------------------------------------------------------------------

    def exists(self) -> bool:
        """False for a SQLite file that was never written: reading it must not create it."""
        return self._path is None or self._path.exists()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sa.Connection | None]:
        """One transaction; a reader gets None while the store has no tables yet (nothing imported so far)."""
        try:
            if write and self._path is not None:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._engine.connect() as conn:
                if write:
                    conn = conn.execution_options(parley_write=True)
                with conn.begin():
                    ready = self._ready or self._prepare(conn, create=write)
                    yield conn if ready else None
            # Only once the tables are committed, not when the first transaction rolled back.
            self._ready = self._ready or ready
        except sa.exc.OperationalError as err:
            text = str(err.orig if err.orig is not None else err).lower()
            if "locked" in text or "busy" in text:
                raise StoreBusyError(
                    f"The store is busy: another import or undo has been writing for more than "
                    f"{self.busy_timeout:g} s. Nothing was written; try again in a moment."
                ) from err
            raise StoreError(f"The store at {self.url} could not be used ({err.orig}). Nothing was written.") from err
        except sa.exc.DatabaseError as err:
            raise StoreError(f"The store at {self.url} could not be read ({err.orig}). Nothing was written.") from err

    def _prepare(self, conn: sa.Connection, *, create: bool) -> bool:
        """Check that the tables have the columns this version of Parley writes; a writer creates missing ones.

        A reader never creates tables: inside a read transaction that would wait on, or fail against, the first
        writer, whose uncommitted transaction may be creating them right now."""
        inspector = sa.inspect(conn)
        if not create and not inspector.has_table(META.name):
            return False
        if create:
            METADATA.create_all(conn, checkfirst=True)
            meta = dict(conn.execute(sa.select(META.c.key, META.c.value)).all())
            missing = {"store_id": uuid.uuid4().hex[:12], "revision": "0", "layout": LAYOUT_VERSION}
            missing = {k: v for k, v in missing.items() if k not in meta}
            if missing:
                conn.execute(sa.insert(META), [{"key": k, "value": v} for k, v in missing.items()])
            inspector = sa.inspect(conn)
        for name, table in RECORDS.items():
            found = [c["name"] for c in inspector.get_columns(name)] if inspector.has_table(name) else []
            if set(found) != {c.name for c in table.columns}:
                raise StoreError(
                    f"The store at {self.url} was written by another version of Parley: table {name} has columns "
                    f"{', '.join(found)}; expected {', '.join(c.name for c in table.columns)}."
                )
        return True

    # -- reading ----------------------------------------------------------------------------------------------

    def revision(self) -> str:
        """Changes after every import and undo; the app uses it as a cache key."""
        if not self.exists():
            return EMPTY_REVISION
        with self._transaction(write=False) as conn:
            return EMPTY_REVISION if conn is None else self._revision(conn)

    @staticmethod
    def _revision(conn: sa.Connection) -> str:
        meta = dict(conn.execute(sa.select(META.c.key, META.c.value)).all())
        return f"{meta['store_id']}:{meta['revision']}"

    def imported_rows(self) -> dict[str, pd.DataFrame]:
        """Every record table's imported rows in import order: the schema columns plus `batch_id`, all text."""
        if not self.exists():
            return {name: _empty(name, with_batch=True) for name in s.RECORD_TABLES}
        with self._transaction(write=False) as conn:
            if conn is None:
                return {name: _empty(name, with_batch=True) for name in s.RECORD_TABLES}
            return self._read_rows(conn)

    @staticmethod
    def _read_rows(conn: sa.Connection) -> dict[str, pd.DataFrame]:
        frames: dict[str, pd.DataFrame] = {}
        for name, table in RECORDS.items():
            columns = [*s.TABLES_BY_NAME[name].column_names, BATCH_ID]
            query = sa.select(*[table.c[c] for c in columns]).order_by(table.c[ROW_SEQ])
            rows = conn.execute(query).all()
            frame = pd.DataFrame.from_records(rows, columns=columns) if rows else _empty(name, with_batch=True)
            frames[name] = frame.astype(str)
        return frames

    def imported_frames(self) -> dict[str, pd.DataFrame]:
        """Imported records as raw all-text frames with exactly the schema columns, like read_raw_tables gives."""
        return {name: frame.drop(columns=BATCH_ID) for name, frame in self.imported_rows().items()}

    def batches(self) -> pd.DataFrame:
        """Every batch, newest first: id, time, files, readable counts, number of records, when undone."""
        if not self.exists():
            return _batch_frame([])
        with self._transaction(write=False) as conn:
            batches = [] if conn is None else self._batches(conn)
        return _batch_frame(
            [
                {
                    "batch_id": b.batch_id,
                    "imported_at": b.imported_at,
                    "via": b.via,
                    "files": ", ".join(b.files),
                    "counts": ", ".join(f"{t} {n}" for t, n in b.counts.items() if n),
                    "n_records": b.n_records,
                    "skipped": ", ".join(f"{t} {n}" for t, n in b.skipped.items() if n),
                    "undone_at": b.undone_at or "",
                }
                for b in reversed(batches)
            ]
        )

    @staticmethod
    def _batches(conn: sa.Connection, batch_id: str | None = None) -> list[Batch]:
        query = sa.select(BATCHES).order_by(BATCHES.c[ROW_SEQ])
        if batch_id is not None:
            query = query.where(BATCHES.c[BATCH_ID] == batch_id)
        return [
            Batch(
                batch_id=row.batch_id,
                imported_at=row.imported_at,
                via=row.via,
                files=tuple(json.loads(row.files)),
                counts=json.loads(row.counts),
                skipped=json.loads(row.skipped),
                undone_at=row.undone_at,
            )
            for row in conn.execute(query)
        ]

    def batch(self, batch_id: str) -> Batch | None:
        if not self.exists():
            return None
        with self._transaction(write=False) as conn:
            found = [] if conn is None else self._batches(conn, batch_id)
        return found[0] if found else None

    # -- writing ----------------------------------------------------------------------------------------------

    def _bump(self, conn: sa.Connection) -> str:
        # The first write of every transaction: on a server database it also locks the row, serialising writers.
        current = conn.execute(sa.select(META.c.value).where(META.c.key == "revision").with_for_update()).scalar_one()
        conn.execute(sa.update(META).where(META.c.key == "revision").values(value=str(int(current) + 1)))
        return self._revision(conn)

    def write_batch(
        self,
        rows: Mapping[str, pd.DataFrame],
        *,
        files: Sequence[str],
        skipped: Mapping[str, int] | None = None,
        via: str = "",
        expect_revision: str | None = None,
        recheck: Callable[[dict[str, pd.DataFrame]], None] | None = None,
    ) -> Batch:
        """Write one batch in ONE transaction: every row lands, or none does.

        `expect_revision` is the revision the rows were checked against. If another import or undo landed since,
        `recheck` is called inside the transaction (the write lock held) with the store's current rows; it raises
        to refuse the write."""
        unknown = set(rows) - set(RECORDS)
        if unknown:
            raise StoreError(f"Cannot import into {', '.join(sorted(unknown))}: not a record table.")
        batch = Batch(
            batch_id=_new_batch_id(),
            imported_at=_now(),
            via=via,
            files=tuple(files),
            counts={name: len(rows[name]) for name in s.RECORD_TABLES if name in rows},
            skipped={k: int(v) for k, v in (skipped or {}).items()},
        )
        with self._transaction(write=True) as conn:
            assert conn is not None  # a writer always has the tables
            if expect_revision is not None and self._revision(conn) != expect_revision and recheck is not None:
                recheck(self._read_rows(conn))
            self._bump(conn)
            conn.execute(
                sa.insert(BATCHES).values(
                    batch_id=batch.batch_id,
                    imported_at=batch.imported_at,
                    via=batch.via,
                    files=json.dumps(list(batch.files)),
                    counts=json.dumps(batch.counts),
                    skipped=json.dumps(batch.skipped),
                )
            )
            paused = False
            for name in s.RECORD_TABLES:
                frame = rows.get(name)
                if frame is None or frame.empty:
                    continue
                columns = s.TABLES_BY_NAME[name].column_names
                records = [
                    {**dict(zip(columns, values, strict=True)), BATCH_ID: batch.batch_id}
                    for values in frame[columns].astype(str).itertuples(index=False, name=None)
                ]
                conn.execute(sa.insert(RECORDS[name]), records)
                if not paused:
                    _pause_if_asked(f"inserted {len(records)} {name}")
                    paused = True
        return batch

    def undo(
        self,
        batch_id: str,
        *,
        check: Callable[[dict[str, pd.DataFrame], dict[str, pd.DataFrame]], None] | None = None,
    ) -> Batch:
        """Remove every record of one batch in one transaction and mark the batch undone.

        `check` receives the store's rows now and as they would be without the batch, and raises to refuse the undo
        (for example when a later batch refers to a record of this one)."""
        if not self.exists():
            raise StoreError(f"No import batch {batch_id!r}: the store is empty.")
        with self._transaction(write=True) as conn:
            assert conn is not None  # a writer always has the tables
            found = self._batches(conn, batch_id)
            if not found:
                raise StoreError(f"No import batch {batch_id!r}. `python -m parley batches` lists them.")
            if found[0].undone_at:
                raise StoreError(f"Import batch {batch_id} was already undone at {found[0].undone_at}.")
            if check is not None:
                now = self._read_rows(conn)
                check(now, {name: rows[rows[BATCH_ID] != batch_id] for name, rows in now.items()})
            self._bump(conn)
            undone_at = _now()
            conn.execute(sa.update(BATCHES).where(BATCHES.c[BATCH_ID] == batch_id).values(undone_at=undone_at))
            paused = False
            for name, table in RECORDS.items():
                deleted = conn.execute(sa.delete(table).where(table.c[BATCH_ID] == batch_id)).rowcount
                if deleted and not paused:
                    _pause_if_asked(f"deleted {deleted} {name}")
                    paused = True
        return Batch(**{**found[0].__dict__, "undone_at": undone_at})


# -- the two layers seen as one ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layers:
    """Bundled rows first, then the imported rows that are not exact copies of a bundled row."""

    frames: dict[str, pd.DataFrame]  # schema columns only, ready for validation
    n_bundled: dict[str, int]
    batch_ids: dict[str, list[str]]  # per record table: the batch of each imported row kept, in order

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
        """A problem in an imported row names the record and its batch (the row number would mean nothing)."""
        by_file = {s.TABLES_BY_NAME[name].file: name for name in self.batch_ids}
        out = []
        for p in problems:
            name = by_file.get(p.file)
            position = (p.row - 2 - self.n_bundled.get(name, 0)) if name and p.row is not None else -1
            if name is None or position < 0 or position >= len(self.batch_ids[name]):
                out.append(p)
                continue
            table = s.TABLES_BY_NAME[name]
            row = self.frames[name].iloc[self.n_bundled.get(name, 0) + position]
            record = row[table.key] if table.key else "/".join(row[c] for c in table.unique_together)
            batch = self.batch_ids[name][position]
            out.append(
                Problem(f"{table.file} (imported record {record}, batch {batch})", None, p.column, p.value, p.rule)
            )
        return out


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
        seen = set(base[columns].itertuples(index=False, name=None))
        keep = [values not in seen for values in rows[columns].itertuples(index=False, name=None)]
        kept = rows[keep]
        batch_ids[name] = kept[BATCH_ID].tolist()
        frames[name] = pd.concat([base, kept[columns]], ignore_index=True)
    return Layers(frames=frames, n_bundled=n_bundled, batch_ids=batch_ids)
