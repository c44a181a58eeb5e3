"""What the store holds: the SQL tables (a table per record table, the batches, the corrections, the layout and
revision, the drafts), their layout version, and the values read back from them (batches, corrections, histories).

Separate from the engine and from reading and writing because every stage shares these definitions: the engine
creates and upgrades the tables, the store reads and writes their rows.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from parley import schema as s
from parley.layers import BATCH_ID, CORRECTION_COLUMNS, CORRECTIONS_KEY

# 2: corrections (the record_corrections table, import_batches.supersedes). A Parley that reads up to layout 1 would
# show the superseded records as if never corrected, so it refuses the store instead.
# 3: commitment events and plan provisions are record tables (tables commitment_events, plan_provisions). A Parley that
# reads up to layout 2 would not see them, and its undo would leave them behind, so it refuses the store instead. A
# layout 2 store is read as having none (the tables are missing) and upgraded by the next writer, which creates them.
LAYOUT_VERSION = "3"

ROW_SEQ = "seq"


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
    return _no_batches().copy()  # the Import page asks on every rerun: a store with no import is the common case


@functools.cache
def _no_batches() -> pd.DataFrame:
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


def _default_of(column: sa.Column) -> sa.ColumnElement:
    default = column.server_default
    return sa.literal(default.arg if isinstance(default, sa.DefaultClause) else None, sa.Text)


def _column_ddl(column: sa.Column) -> str:
    default = column.server_default
    if isinstance(default, sa.DefaultClause):
        value = str(default.arg).replace("'", "''")
        return f"{column.name} TEXT NOT NULL DEFAULT '{value}'"
    return f"{column.name} TEXT"
