"""The store's engine: the SQLAlchemy engine for SQLite or PostgreSQL, one transaction at a time (writers taking
turns, readers a consistent snapshot), database failures told in words with the fix, and the tables' layout checked,
created and upgraded.

Separate from `parley.store`, whose Store builds on this class to read and write records: everything here is about
reaching the database safely, nothing about what the records mean.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import uuid
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.pool import NullPool, StaticPool

from parley.store_tables import _CHECKED, LAYOUT_VERSION, META, METADATA, _column_ddl, _default_of

STORE_URL_ENV = "PARLEY_STORE_URL"
BUSY_TIMEOUT_ENV = "PARLEY_STORE_BUSY_TIMEOUT"  # seconds a writer waits for another writer before giving up
DEFAULT_STORE_PATH = Path(__file__).resolve().parent.parent / ".parley" / "store.sqlite"
DEFAULT_BUSY_TIMEOUT = 30.0
# Any fixed number: the PostgreSQL advisory lock that writers take in turn (pg_advisory_xact_lock).
WRITE_LOCK_KEY = 7_253_911_406
# PostgreSQL error codes (SQLSTATE) that mean "another transaction is in the way": lock_timeout, serialization
# failure, deadlock. The server's "read-only transaction" and "permission denied" mean the store refuses writes.
_PG_BUSY = {"55P03", "40001", "40P01"}
_PG_READ_ONLY = {"25006", "42501"}


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


_READ_ONLY_OPTIONS = {"mode": "ro", "immutable": "1"}


class StoreEngine:
    """The connections and transactions of one store, addressed by a SQLAlchemy URL; Store adds its records."""

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
