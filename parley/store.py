"""The store of imported records: SQLite or PostgreSQL through the same SQLAlchemy Core code, a table per record table.

The bundled `data/` files are the base layer and are never written; every import is a batch of rows in the store,
written in one transaction (all or nothing) and removable again with `undo`. PARLEY_STORE_URL picks the store: a SQLite
file by default, or a shared PostgreSQL database (`postgresql+psycopg://user:password@host:5432/parley`). Writers queue
one behind the other (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-scoped advisory lock) for at most
PARLEY_STORE_BUSY_TIMEOUT seconds, then fail with StoreBusyError having written nothing. Readers see one consistent
snapshot (SQLite: a read transaction in WAL mode; PostgreSQL: REPEATABLE READ). The layout is versioned in the
`store_meta` table (key `layout`) and upgraded by the next writer.

A store that cannot be read raises StoreUnreadable, whose message names the file and the fix: the app then shows the
bundled data alone. A PostgreSQL server that cannot be reached raises StoreUnreachable (a kind of StoreUnreadable); the
next read after it is back reconnects by itself (pooled connections are checked before use). A SQLite store on a
read-only disk (or with `mode=ro` / `immutable=1` in its URL, e.g. `sqlite:///file:/srv/parley/store.sqlite?mode=ro&uri=true`)
is opened read-only and refuses writes with StoreReadOnly, as a PostgreSQL store does when its user may only read.
A store from an older Parley that lacks columns added since is read with their defaults and upgraded on the next write.

A correction is a batch too: it supersedes one existing record (bundled or imported), which keeps its id. The batch
lists what it supersedes, and its `record_corrections` rows hold the fields it changed with their previous values;
`layered` applies them over the two layers in the order they were written, and undo removes them like records. A
record's corrections are undone newest first (undo refuses the others, saying which batch to undo first).
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import sqlite3
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.pool import NullPool, StaticPool

from parley import schema as s
from parley.layers import (  # noqa: F401  (Layers and layered: the store's rows seen over the bundled files)
    BATCH_ID,
    CORRECTION_COLUMNS,
    CORRECTIONS_KEY,
    Layers,
    layered,
    parse_changes,
)

STORE_URL_ENV = "PARLEY_STORE_URL"
BUSY_TIMEOUT_ENV = "PARLEY_STORE_BUSY_TIMEOUT"  # seconds a writer waits for another writer before giving up
# Test hook: a writer pauses inside its transaction, after its first inserts, until `<value>.go` exists, having
# created `<value>.paused`. It lets the tests kill or race a writer at a known point instead of guessing with sleeps.
PAUSE_ENV = "PARLEY_TEST_PAUSE_IN_WRITE"
DEFAULT_STORE_PATH = Path(__file__).resolve().parent.parent / ".parley" / "store.sqlite"
DEFAULT_BUSY_TIMEOUT = 30.0
# 2: corrections (the record_corrections table, import_batches.supersedes). A Parley that reads up to layout 1 would
# show the superseded records as if never corrected, so it refuses the store instead.
LAYOUT_VERSION = "2"
EMPTY_REVISION = "empty"
# Any fixed number: the PostgreSQL advisory lock that writers take in turn (pg_advisory_xact_lock).
WRITE_LOCK_KEY = 7_253_911_406
# PostgreSQL error codes (SQLSTATE) that mean "another transaction is in the way": lock_timeout, serialization
# failure, deadlock. The server's "read-only transaction" and "permission denied" mean the store refuses writes.
_PG_BUSY = {"55P03", "40001", "40P01"}
_PG_READ_ONLY = {"25006", "42501"}

ROW_SEQ = "seq"


def store_url() -> str:
    """The configured store: PARLEY_STORE_URL, or a SQLite file in the git-ignored `.parley/` folder."""
    return os.environ.get(STORE_URL_ENV) or f"sqlite:///{DEFAULT_STORE_PATH}"


class StoreError(Exception):
    """The store cannot be read or written; the message says why, and for a write that nothing was written."""


class StoreBusyError(StoreError):
    """Another writer held the store for longer than the busy timeout."""


class StoreUnreadable(StoreError):
    """The imported records cannot be read (a damaged file, another version's layout); the message says the fix."""


class StoreUnreachable(StoreUnreadable):
    """The database server does not answer (down, restarting, wrong address); reads work again once it is back."""


class StoreReadOnly(StoreError):
    """The store can be read but not written (read-only disk, file or URL); nothing was written."""


UNREADABLE_REVISION = "unreadable"
_READ_ONLY_OPTIONS = {"mode": "ro", "immutable": "1"}


@dataclass(frozen=True)
class StoreStatus:
    """What the app may do with the store right now. The messages are meant for users: they say what to do."""

    revision: str  # UNREADABLE_REVISION when the records cannot be read
    unreadable: str = ""
    read_only: str = ""

    @property
    def write_refused(self) -> str:
        """Why an import or undo cannot happen now, or "" when it can."""
        return self.unreadable or self.read_only


@dataclass(frozen=True)
class Batch:
    batch_id: str
    imported_at: str  # UTC, ISO 8601
    via: str
    files: tuple[str, ...]
    counts: dict[str, int]  # records written per table
    skipped: dict[str, int] = field(default_factory=dict)  # exact duplicates not written, per table
    undone_at: str | None = None
    supersedes: tuple[tuple[str, str], ...] = ()  # (table, record id) of each record this batch corrects

    @property
    def n_records(self) -> int:
        return sum(self.counts.values()) + len(self.supersedes)

    @property
    def superseded(self) -> str:
        """The corrected records in words ("positions pos-0071"), or "" for an import."""
        return ", ".join(f"{table} {record}" for table, record in self.supersedes)


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
    sa.Column("supersedes", sa.Text, nullable=False, server_default="[]"),  # JSON [[table, record id], ...]
)
# One row per record a correction batch supersedes: the fields it changed, each with its previous and new value.
CORRECTIONS = sa.Table(
    CORRECTIONS_KEY,
    METADATA,
    sa.Column(ROW_SEQ, sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(BATCH_ID, sa.Text, nullable=False, index=True),
    sa.Column("table_name", sa.Text, nullable=False),
    sa.Column("record_id", sa.Text, nullable=False),
    sa.Column("changes", sa.Text, nullable=False),  # JSON {column: [previous value, corrected value]}
)
_CHECKED = {**RECORDS, BATCHES.name: BATCHES, CORRECTIONS.name: CORRECTIONS}  # tables whose columns are checked
META = sa.Table(
    "store_meta",
    METADATA,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)


# Unfinished articles coded in the browser (JSON text), kept until confirmed or discarded. Not records: saving one
# leaves the revision alone, and the table sits outside METADATA so imports neither create nor check it.
DRAFTS = sa.Table(
    "article_drafts",
    sa.MetaData(),
    sa.Column("draft_id", sa.Text, primary_key=True),
    sa.Column("saved_at", sa.Text, nullable=False),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False),
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


BATCH_COLUMNS = (
    "batch_id",
    "imported_at",
    "via",
    "files",
    "counts",
    "supersedes",
    "n_records",
    "skipped",
    "undone_at",
)


def _batch_frame(records: list[dict[str, object]]) -> pd.DataFrame:
    if records:
        return pd.DataFrame.from_records(records, columns=list(BATCH_COLUMNS))
    return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "n_records" else str) for c in BATCH_COLUMNS})


def _empty(table: str, *, with_batch: bool) -> pd.DataFrame:
    names = list(CORRECTION_COLUMNS) if table == CORRECTIONS_KEY else s.TABLES_BY_NAME[table].column_names
    columns = names + ([BATCH_ID] if with_batch else [])
    return pd.DataFrame({c: pd.Series([], dtype=str) for c in columns})


def _no_rows() -> dict[str, pd.DataFrame]:
    return {name: _empty(name, with_batch=True) for name in (*s.RECORD_TABLES, CORRECTIONS_KEY)}


@dataclass(frozen=True)
class Correction:
    """One superseded record: its table, its id and the fields changed, each as (previous value, corrected value)."""

    table: str
    record_id: str
    changes: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class CorrectionEntry:
    """A correction as the record's history shows it: the batch, when it was written, the fields it changed."""

    batch_id: str
    corrected_at: str  # UTC, ISO 8601
    changes: dict[str, tuple[str, str]]


@dataclass(frozen=True)
class RecordHistory:
    """Where a record comes from (`imported_in`: its import batch and time; None: the bundled data) and its
    corrections, oldest first."""

    imported_in: tuple[str, str] | None
    corrections: tuple[CorrectionEntry, ...]


class Store:
    """One store, addressed by a SQLAlchemy URL. Cheap to create; the file and tables appear on the first write."""

    def __init__(self, url: str | None = None, *, busy_timeout: float | None = None):
        self.url = url or store_url()
        timeout = busy_timeout if busy_timeout is not None else float(os.environ.get(BUSY_TIMEOUT_ENV) or 0)
        self.busy_timeout = timeout or DEFAULT_BUSY_TIMEOUT
        parsed = sa.make_url(self.url)
        self._where = parsed.render_as_string(hide_password=True)
        self._sqlite = parsed.get_backend_name() == "sqlite"
        self._postgres = parsed.get_backend_name() == "postgresql"
        database = parsed.database or ""
        if self._sqlite and database.startswith("file:"):  # a SQLite URI filename (`?uri=true`)
            database = database.removeprefix("file:")
        self._path = Path(database) if self._sqlite and database and database != ":memory:" else None
        self._ro_option = ", ".join(
            f"{k}={v}" for k, v in _READ_ONLY_OPTIONS.items() if str(parsed.query.get(k, "")) == v
        )
        if self._path is not None:
            self._where = str(self._path)
            # A fresh connection per use: no pooled handle can outlive a replaced file or hold a lock between uses.
            # Parley opens the file itself, so that a read-only store is opened read-only (see _connect).
            self._engine = sa.create_engine("sqlite://", creator=self._connect, poolclass=NullPool)
        elif self._sqlite:
            self._engine = sa.create_engine(self.url, poolclass=StaticPool, connect_args={"check_same_thread": False})
        else:
            # A pooled connection may have died with a server restart: checking it before use (one round trip)
            # lets the app recover by itself. A server that does not answer fails in seconds, not minutes.
            connect_args = {"connect_timeout": 5} if self._postgres and "connect_timeout" not in parsed.query else {}
            self._engine = sa.create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)
        if self._sqlite:
            sa.event.listen(self._engine, "connect", self._on_connect)
            sa.event.listen(self._engine, "begin", self._on_begin)
        # The columns each table has, as last seen, keyed on the schema version they were read at: another process
        # may migrate or replace the file at any time.
        self._columns: dict[str, frozenset[str] | None] | None = None
        self._columns_at: int | None = None

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    def _connect(self) -> sqlite3.Connection:
        assert self._path is not None
        if not self.read_only_reason():
            conn = sqlite3.connect(self._path, timeout=self.busy_timeout)
            conn.execute("PRAGMA journal_mode=WAL")
            return conn
        # A read-only WAL store needs its -shm file or a folder to create it in; without either (a read-only disk
        # after a clean shutdown) nobody can be writing it, so it is opened as immutable.
        shm = self._path.with_name(self._path.name + "-shm")
        ro = self._ro_option.replace(", ", "&") or (
            "mode=ro" if shm.exists() or os.access(self._path.parent, os.W_OK) else "immutable=1"
        )
        return sqlite3.connect(f"file:{quote(str(self._path))}?{ro}", uri=True, timeout=self.busy_timeout)

    @staticmethod
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (see _on_begin)

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

    def read_only_reason(self) -> str:
        """Why this store cannot be written, or "" when it can (as far as can be told without writing)."""
        if self._path is None:
            return ""
        if self._ro_option:
            return f"its URL opens it read-only ({self._ro_option})"
        if self._path.exists() and not os.access(self._path, os.W_OK):
            return "the file is read-only"
        folder = self._path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        # SQLite writes its journal (-wal, -shm) beside the file, so the folder must be writable too.
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"the folder {folder} is read-only"
        return ""

    def status(self) -> StoreStatus:
        """Whether the imported records can be read and written now, with a message for users when not."""
        try:
            revision = self.revision()
        except StoreError as err:
            return StoreStatus(UNREADABLE_REVISION, unreadable=str(err))
        reason = self.read_only_reason()
        return StoreStatus(revision, read_only=self._read_only_message(reason) if reason else "")

    def _read_only_message(self, reason: str) -> str:
        return (
            f"The store of imported records at `{self._shown()}` is read-only ({reason}): imports and undo are off. "
            f"To import, run Parley where that store can be written, or set {STORE_URL_ENV} to a writable store."
        )

    def _shown(self) -> str:
        return self._where.replace("`", "'")

    def _move_aside(self) -> str:
        if self._path is None:
            return f"repair that database or set {STORE_URL_ENV} to another store"
        path = shlex.quote(str(self._path)).replace("`", "'")
        return f"move the file aside (`mv {path} {path}.broken`), which lets the next import start a new store"

    def _unreadable(self, why: str, *, other_version: bool = False) -> StoreUnreadable:
        restore = "`python -m parley import export.zip` brings back the records of your last export"
        if other_version:
            restore = (
                "to keep its records, export them with the Parley that wrote it (`python -m parley export old.zip`) "
                "and import that zip here (`python -m parley import old.zip`)"
            )
        return StoreUnreadable(
            f"The store of imported records at `{self._shown()}` cannot be read ({why}). "
            f"Until it is fixed, the pages show the bundled data only and imports are off. "
            f"To fix it, {self._move_aside()}; {restore}."
        )

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sa.Connection | None]:
        """One transaction; a reader gets None while the store has no tables yet (nothing imported so far)."""
        if write:
            reason = self.read_only_reason()
            if reason:
                raise StoreReadOnly(f"{self._read_only_message(reason)} Nothing was written.")
        if write and self._path is not None:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise StoreReadOnly(f"{self._read_only_message(str(err))} Nothing was written.") from err
        committing = False
        try:
            with self._engine.connect() as conn:
                if write:
                    conn = conn.execution_options(parley_write=True)
                elif self._postgres:
                    # Every statement of a read sees the same snapshot: rows, batches and revision agree.
                    conn = conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    if self._postgres:
                        self._postgres_begin(conn, write=write)
                    ready = self._prepare(conn, create=write)
                    yield conn if ready else None
                    committing = True
        except sa.exc.DBAPIError as err:
            failure = self._postgres_failure if self._postgres else self._sqlite_failure
            raise failure(err, write=write, committing=committing) from err
        except StoreUnreadable as err:
            if write:
                raise StoreUnreadable(f"{err} Nothing was written.") from err
            raise

    def _busy(self, *, write: bool) -> StoreBusyError:
        if not write:
            return StoreBusyError(
                f"The store is busy: another process has held it for more than {self.busy_timeout:g} s. "
                "Try again in a moment."
            )
        return StoreBusyError(
            f"The store is busy: another import or undo has been writing for more than {self.busy_timeout:g} s. "
            "Nothing was written; try again in a moment."
        )

    def _sqlite_failure(self, err: sa.exc.DBAPIError, *, write: bool, committing: bool) -> StoreError:  # noqa: ARG002
        if isinstance(err, sa.exc.OperationalError):
            text = str(err.orig if err.orig is not None else err).lower()
            if "locked" in text or "busy" in text:
                return self._busy(write=write)
            if write and "readonly" in text.replace("-", "").replace(" ", ""):
                return StoreReadOnly(f"{self._read_only_message(str(err.orig))} Nothing was written.")
            if write:
                return StoreError(
                    f"The store at `{self._shown()}` could not be written ({err.orig}). Nothing was written."
                )
            return self._unreadable(str(err.orig))
        failure = self._unreadable(str(err.orig))  # not a database, or a damaged one
        return StoreUnreadable(f"{failure} Nothing was written.") if write else failure

    # -- PostgreSQL -------------------------------------------------------------------------------------------

    def _postgres_begin(self, conn: sa.Connection, *, write: bool) -> None:
        # lock_timeout bounds every wait for a lock (the writers' turn, or a table another writer is upgrading):
        # past it the statement fails with 55P03, reported as "busy", and the transaction is rolled back.
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {max(1, int(self.busy_timeout * 1000))}")
        if write:
            # Writers take turns from the very start of the transaction: creating the tables, the revision check
            # and the inserts all happen with no other writer in between (READ COMMITTED then sees the last commit).
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(WRITE_LOCK_KEY)))

    def _postgres_failure(self, err: sa.exc.DBAPIError, *, write: bool, committing: bool) -> StoreError:
        code = getattr(err.orig, "sqlstate", None) or ""
        why = (str(err.orig if err.orig is not None else err).strip().splitlines() or ["no answer"])[0]
        if code in _PG_BUSY:
            return self._busy(write=write)
        if write and code in _PG_READ_ONLY:
            return StoreReadOnly(f"{self._read_only_message(why)} Nothing was written.")
        # No code, or class 08 (connection) / 57 (server shutting down): the server is not there.
        if isinstance(err, sa.exc.OperationalError) and (not code or code[:2] in {"08", "57"}):
            written = ""
            if write:
                written = "Nothing was written. "
                if committing:
                    written = "The connection was lost while committing: `python -m parley batches` shows whether "
                    written += "the batch landed. "
            return StoreUnreachable(
                f"The store of imported records at `{self._shown()}` cannot be reached ({why}). {written}"
                "Until the database server answers again, the pages show the bundled data only and imports are off; "
                f"Parley reconnects by itself. Check that the server is running and that {STORE_URL_ENV} points to it."
            )
        if write:
            return StoreError(f"The store at `{self._shown()}` could not be written ({why}). Nothing was written.")
        return self._unreadable(why)

    def _schema_version(self, conn: sa.Connection) -> int | None:
        if self._postgres:
            # PostgreSQL has no schema counter: a checksum of the live columns of this schema's tables changes when
            # another process creates, upgrades or alters a table (one catalog query, well under a millisecond).
            columns = conn.exec_driver_sql(
                "SELECT string_agg(c.relname || '.' || a.attname, ',' ORDER BY c.relname, a.attnum) "
                "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' "
                "AND a.attnum > 0 AND NOT a.attisdropped"
            ).scalar_one()
            return zlib.crc32((columns or "").encode())
        if not self._sqlite:
            return 0  # another server database: its schema only changes through Parley's own writers
        return int(conn.exec_driver_sql("PRAGMA schema_version").scalar_one())

    def _prepare(self, conn: sa.Connection, *, create: bool) -> bool:
        """Check that the tables are ones this version of Parley can read; a writer creates or upgrades them.

        A reader never creates or alters tables: inside a read transaction that would wait on, or fail against, the
        first writer, whose uncommitted transaction may be creating them right now. It reads a column added since
        the store was written as its default; the next writer adds the column."""
        version = self._schema_version(conn)
        if self._columns is not None and version == self._columns_at and not (create and self._lacking()):
            self._check_layout(conn)  # a newer Parley may have written since, without changing any table
            return True
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
        self._check_layout(conn)
        columns: dict[str, frozenset[str] | None] = {}
        for table in _CHECKED.values():
            found = [c["name"] for c in inspector.get_columns(table.name)] if inspector.has_table(table.name) else None
            columns[table.name] = None if found is None else frozenset(found)
            if found is None:
                continue  # a table added since: empty until the first write creates it
            expected = [c.name for c in table.columns]
            unknown = [c for c in found if c not in expected]
            lacking = [table.c[c] for c in expected if c not in found]
            if unknown or any(c.server_default is None and not c.nullable for c in lacking):
                raise self._unreadable(
                    f"it was written by another version of Parley: table {table.name} has columns "
                    f"{', '.join(found)}; this version expects {', '.join(expected)}",
                    other_version=True,
                )
            if create and lacking:
                for column in lacking:
                    conn.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {_column_ddl(column)}")
                columns[table.name] = frozenset(expected)
        if create:
            conn.execute(sa.update(META).where(META.c.key == "layout").values(value=LAYOUT_VERSION))
        self._columns, self._columns_at = columns, self._schema_version(conn)
        return True

    def _lacking(self) -> bool:
        assert self._columns is not None
        return any(found is None or len(found) < len(_CHECKED[name].columns) for name, found in self._columns.items())

    def _check_layout(self, conn: sa.Connection) -> None:
        layout = conn.execute(sa.select(META.c.value).where(META.c.key == "layout")).scalar_one_or_none()
        if layout is not None and (not layout.isdigit() or int(layout) > int(LAYOUT_VERSION)):
            raise self._unreadable(
                f"it was written by a newer version of Parley: store layout {layout}, this version reads up to "
                f"layout {LAYOUT_VERSION}; running the newer Parley reads it",
                other_version=True,
            )

    def _select(self, table: sa.Table, names: Sequence[str]) -> list[sa.ColumnElement]:
        """The columns by name; one the store lacks (written before it existed) comes back as its default."""
        assert self._columns is not None
        found = self._columns.get(table.name) or frozenset()
        return [table.c[n] if n in found else _default_of(table.c[n]).label(n) for n in names]

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
        """Every record table's imported rows in import order: the schema columns plus `batch_id`, all text; and
        under CORRECTIONS_KEY the corrections in the order written (table_name, record_id, changes, batch_id)."""
        if not self.exists():
            return _no_rows()
        with self._transaction(write=False) as conn:
            if conn is None:
                return _no_rows()
            return self._read_rows(conn)

    def _read_rows(self, conn: sa.Connection) -> dict[str, pd.DataFrame]:
        frames: dict[str, pd.DataFrame] = {}
        for name, table in RECORDS.items():
            if self._columns is not None and self._columns.get(name) is None:
                frames[name] = _empty(name, with_batch=True)
                continue
            columns = [*s.TABLES_BY_NAME[name].column_names, BATCH_ID]
            query = sa.select(*self._select(table, columns)).order_by(table.c[ROW_SEQ])
            rows = conn.execute(query).all()
            frame = pd.DataFrame.from_records(rows, columns=columns) if rows else _empty(name, with_batch=True)
            frames[name] = frame.astype(str)
        frames[CORRECTIONS_KEY] = _empty(CORRECTIONS_KEY, with_batch=True)
        if self._columns is not None and self._columns.get(CORRECTIONS.name) is not None:
            columns = [*CORRECTION_COLUMNS, BATCH_ID]
            rows = conn.execute(sa.select(*[CORRECTIONS.c[c] for c in columns]).order_by(CORRECTIONS.c[ROW_SEQ])).all()
            if rows:
                frames[CORRECTIONS_KEY] = pd.DataFrame.from_records(rows, columns=columns).astype(str)
        return frames

    def imported_frames(self) -> dict[str, pd.DataFrame]:
        """Imported records as raw all-text frames with exactly the schema columns, like read_raw_tables gives."""
        rows = self.imported_rows()
        return {name: rows[name].drop(columns=BATCH_ID) for name in s.RECORD_TABLES}

    def history(self, table: str, record_id: str) -> RecordHistory:
        """The import batch a record came in with (None: bundled, or not in the store) and its corrections."""
        if not self.exists() or table not in RECORDS:
            return RecordHistory(None, ())
        with self._transaction(write=False) as conn:
            if conn is None:
                return RecordHistory(None, ())
            imported_in = None
            key = s.TABLES_BY_NAME[table].key
            if key is not None and self._columns is not None and self._columns.get(table) is not None:
                records = RECORDS[table]
                query = (
                    sa.select(BATCHES.c[BATCH_ID], BATCHES.c.imported_at)
                    .select_from(records.join(BATCHES, BATCHES.c[BATCH_ID] == records.c[BATCH_ID]))
                    .where(records.c[key] == record_id)
                )
                found = conn.execute(query).first()
                imported_in = (found[0], found[1]) if found else None
            entries: list[CorrectionEntry] = []
            if self._columns is not None and self._columns.get(CORRECTIONS.name) is not None:
                query = (
                    sa.select(CORRECTIONS.c[BATCH_ID], BATCHES.c.imported_at, CORRECTIONS.c.changes)
                    .select_from(CORRECTIONS.join(BATCHES, BATCHES.c[BATCH_ID] == CORRECTIONS.c[BATCH_ID]))
                    .where(CORRECTIONS.c.table_name == table, CORRECTIONS.c.record_id == record_id)
                    .order_by(CORRECTIONS.c[ROW_SEQ])
                )
                for batch_id, at, changes in conn.execute(query):
                    entries.append(CorrectionEntry(batch_id, at, parse_changes(changes)))
            return RecordHistory(imported_in, tuple(entries))

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
                    "supersedes": b.superseded,
                    "n_records": b.n_records,
                    "skipped": ", ".join(f"{t} {n}" for t, n in b.skipped.items() if n),
                    "undone_at": b.undone_at or "",
                }
                for b in reversed(batches)
            ]
        )

    def _batches(self, conn: sa.Connection, batch_id: str | None = None) -> list[Batch]:
        query = sa.select(*self._select(BATCHES, [c.name for c in BATCHES.columns])).order_by(BATCHES.c[ROW_SEQ])
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
                supersedes=tuple((str(t), str(r)) for t, r in json.loads(row.supersedes)),
            )
            for row in conn.execute(query)
        ]

    def batch(self, batch_id: str) -> Batch | None:
        if not self.exists():
            return None
        with self._transaction(write=False) as conn:
            found = [] if conn is None else self._batches(conn, batch_id)
        return found[0] if found else None

    # -- drafts -----------------------------------------------------------------------------------------------

    def save_draft(self, draft_id: str, title: str, body: str) -> None:
        """Keep an unfinished article (its JSON text) under its id, replacing the earlier save."""
        with self._transaction(write=True) as conn:
            assert conn is not None  # a writer always prepares the store
            DRAFTS.create(conn, checkfirst=True)
            conn.execute(sa.delete(DRAFTS).where(DRAFTS.c.draft_id == draft_id))
            conn.execute(sa.insert(DRAFTS).values(draft_id=draft_id, saved_at=_now(), title=title, body=body))

    def drafts(self) -> list[tuple[str, str, str]]:
        """The unfinished articles as (draft id, saved at, title), the latest saved first."""
        if not self.exists():
            return []
        with self._transaction(write=False) as conn:
            if conn is None or not sa.inspect(conn).has_table(DRAFTS.name):
                return []
            query = sa.select(DRAFTS.c.draft_id, DRAFTS.c.saved_at, DRAFTS.c.title).order_by(DRAFTS.c.saved_at.desc())
            return [(row.draft_id, row.saved_at, row.title) for row in conn.execute(query)]

    def draft(self, draft_id: str) -> str | None:
        if not self.exists():
            return None
        with self._transaction(write=False) as conn:
            if conn is None or not sa.inspect(conn).has_table(DRAFTS.name):
                return None
            return conn.execute(sa.select(DRAFTS.c.body).where(DRAFTS.c.draft_id == draft_id)).scalar_one_or_none()

    def discard_draft(self, draft_id: str) -> None:
        with self._transaction(write=True) as conn:
            assert conn is not None
            DRAFTS.create(conn, checkfirst=True)
            conn.execute(sa.delete(DRAFTS).where(DRAFTS.c.draft_id == draft_id))

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
        corrections: Sequence[Correction] = (),
    ) -> Batch:
        """Write one batch in ONE transaction: every row lands, or none does.

        `expect_revision` is the revision the rows were checked against. If another import or undo landed since,
        `recheck` is called inside the transaction (the write lock held) with the store's current rows; it raises
        to refuse the write. `corrections` supersede existing records (checked by the caller, as the rows are)."""
        unknown = set(rows) - set(RECORDS) | {c.table for c in corrections} - set(RECORDS)
        if unknown:
            raise StoreError(f"Cannot import into {', '.join(sorted(unknown))}: not a record table.")
        batch = Batch(
            batch_id=_new_batch_id(),
            imported_at=_now(),
            via=via,
            files=tuple(files),
            counts={name: len(rows[name]) for name in s.RECORD_TABLES if name in rows},
            skipped={k: int(v) for k, v in (skipped or {}).items()},
            supersedes=tuple((c.table, c.record_id) for c in corrections),
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
                    supersedes=json.dumps([list(pair) for pair in batch.supersedes]),
                )
            )
            if corrections:
                conn.execute(
                    sa.insert(CORRECTIONS),
                    [
                        {
                            BATCH_ID: batch.batch_id,
                            "table_name": c.table,
                            "record_id": c.record_id,
                            "changes": json.dumps({k: list(v) for k, v in c.changes.items()}, ensure_ascii=False),
                        }
                        for c in corrections
                    ],
                )
                _pause_if_asked(f"inserted {len(corrections)} correction(s)")
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
            self._refuse_undo_under_corrections(conn, batch_id)
            if check is not None:
                now = self._read_rows(conn)
                check(now, {name: rows[rows[BATCH_ID] != batch_id] for name, rows in now.items()})
            self._bump(conn)
            undone_at = _now()
            conn.execute(sa.update(BATCHES).where(BATCHES.c[BATCH_ID] == batch_id).values(undone_at=undone_at))
            paused = False
            for name, table in _CHECKED.items():
                if name == BATCHES.name or (self._columns or {}).get(name) is None:
                    continue
                deleted = conn.execute(sa.delete(table).where(table.c[BATCH_ID] == batch_id)).rowcount
                if deleted and not paused:
                    _pause_if_asked(f"deleted {deleted} {name}")
                    paused = True
        return Batch(**{**found[0].__dict__, "undone_at": undone_at})

    def _refuse_undo_under_corrections(self, conn: sa.Connection, batch_id: str) -> None:
        """A correction rests on the version before it: undoing that version while the correction stays would leave
        the correction's previous values wrong (or its record gone). Such undos are refused, naming the batch to undo
        first; undoing corrections newest first always works."""
        if (self._columns or {}).get(CORRECTIONS.name) is None:
            return
        c = CORRECTIONS.c
        rows = conn.execute(sa.select(c[ROW_SEQ], c[BATCH_ID], c.table_name, c.record_id)).all()
        mine = {(r.table_name, r.record_id): r.seq for r in rows if r.batch_id == batch_id}
        for r in rows:
            if r.batch_id != batch_id and r.seq > mine.get((r.table_name, r.record_id), r.seq):
                raise StoreError(
                    f"Batch {batch_id} cannot be undone yet: {r.table_name} {r.record_id} was corrected again later, "
                    f"in batch {r.batch_id}. Undo {r.batch_id} first (a record's corrections are undone newest "
                    "first). Nothing was changed."
                )
        others = {(r.table_name, r.record_id): r.batch_id for r in rows if r.batch_id != batch_id}
        for name, table in RECORDS.items():
            key = s.TABLES_BY_NAME[name].key
            if key is None or (self._columns or {}).get(name) is None or not any(t == name for t, _ in others):
                continue
            for (record,) in conn.execute(sa.select(table.c[key]).where(table.c[BATCH_ID] == batch_id)):
                later = others.get((name, record))
                if later is not None:
                    raise StoreError(
                        f"Batch {batch_id} cannot be undone yet: its record {name} {record} was corrected later, in "
                        f"batch {later}. Undo {later} first. Nothing was changed."
                    )


def _default_of(column: sa.Column) -> sa.ColumnElement:
    default = column.server_default
    return sa.literal(default.arg if isinstance(default, sa.DefaultClause) else None, sa.Text)


def _column_ddl(column: sa.Column) -> str:
    default = column.server_default
    if isinstance(default, sa.DefaultClause):
        value = str(default.arg).replace("'", "''")
        return f"{column.name} TEXT NOT NULL DEFAULT '{value}'"
    return f"{column.name} TEXT"
