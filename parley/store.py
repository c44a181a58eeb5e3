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

The stages live in their own modules, and this one re-exports their public names: the tables and the values read
from them (`store_tables`), the engine with its transactions, failures and layout upgrades (`store_engine`). Reading,
writing and undoing batches, corrections and drafts are here.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from parley import schema as s
from parley.layers import (  # noqa: F401  (Layers and layered: the store's rows seen over the bundled files)
    BATCH_ID,
    CORRECTION_COLUMNS,
    CORRECTIONS_KEY,
    Layers,
    layered,
    parse_changes,
)
from parley.store_engine import (
    BUSY_TIMEOUT_ENV,
    DEFAULT_BUSY_TIMEOUT,
    DEFAULT_STORE_PATH,
    STORE_URL_ENV,
    WRITE_LOCK_KEY,
    StoreBusyError,
    StoreEngine,
    StoreError,
    StoreReadOnly,
    StoreUnreachable,
    StoreUnreadable,
    store_url,
)
from parley.store_tables import (
    _CHECKED,
    BATCH_COLUMNS,
    BATCHES,
    CORRECTIONS,
    DRAFTS,
    LAYOUT_VERSION,
    META,
    METADATA,
    RECORDS,
    ROW_SEQ,
    Batch,
    Correction,
    CorrectionEntry,
    RecordHistory,
    _batch_frame,
    _empty,
    _no_rows,
)

# The public names of the store, wherever they live: callers import them from here.
__all__ = [
    "BATCHES",
    "BATCH_COLUMNS",
    "BUSY_TIMEOUT_ENV",
    "Batch",
    "CORRECTIONS",
    "Correction",
    "CorrectionEntry",
    "DEFAULT_BUSY_TIMEOUT",
    "DEFAULT_STORE_PATH",
    "DRAFTS",
    "EMPTY_REVISION",
    "LAYOUT_VERSION",
    "Layers",
    "META",
    "METADATA",
    "PAUSE_ENV",
    "RECORDS",
    "ROW_SEQ",
    "RecordHistory",
    "STORE_URL_ENV",
    "Store",
    "StoreBusyError",
    "StoreEngine",
    "StoreError",
    "StoreReadOnly",
    "StoreStatus",
    "StoreUnreachable",
    "StoreUnreadable",
    "UNREADABLE_REVISION",
    "WRITE_LOCK_KEY",
    "layered",
    "store_url",
]

# Test hook: a writer pauses inside its transaction, after its first inserts, until `<value>.go` exists, having
# created `<value>.paused`. It lets the tests kill or race a writer at a known point instead of guessing with sleeps.
PAUSE_ENV = "PARLEY_TEST_PAUSE_IN_WRITE"
EMPTY_REVISION = "empty"
UNREADABLE_REVISION = "unreadable"


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_batch_id() -> str:
    return f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def _pause_if_asked(done: str) -> None:
    marker = os.environ.get(PAUSE_ENV)
    if not marker:
        return
    # What the open transaction has done so far; written beside and renamed, so the test never reads it half written.
    partial = Path(f"{marker}.paused.part")
    partial.write_text(done, encoding="utf-8")
    partial.replace(f"{marker}.paused")
    deadline = time.monotonic() + 120
    while not Path(f"{marker}.go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)


class Store(StoreEngine):
    """One store, addressed by a SQLAlchemy URL. Cheap to create; the file and tables appear on the first write."""

    def status(self) -> StoreStatus:
        """Whether the imported records can be read and written now, with a message for users when not."""
        try:
            revision = self.revision()
        except StoreError as err:
            return StoreStatus(UNREADABLE_REVISION, unreadable=str(err))
        reason = self.read_only_reason()
        return StoreStatus(revision, read_only=self._read_only_message(reason) if reason else "")

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
