"""Helpers for the import tests: valid files against the mini dataset, the CLI in a subprocess, store dumps."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from parley import schema as s
from tests.mini import S1, S2

REPO = Path(__file__).resolve().parents[1]


def position(i: int, **changes: str) -> dict[str, str]:
    """A valid new position for the mini dataset, numbered so that many can be made."""
    return {
        "position_id": f"pos-{i:05d}",
        "date": "2025-06-10",
        "actor_id": "RUS" if i % 2 else "UKR",
        "speaker_id": "",
        "issue_id": "territory" if i % 3 else "ceasefire",
        "stance": "demand",
        "summary": f"Statement number {i} on the memoranda, in our words.",
        "talk_id": "2025-06-02-istanbul",
        "conditions": "",
        "confidence": "medium",
        "disputed": "false",
        "notes": "",
        "source_ids": S1 if i % 2 else f"{S1};{S2}",
    } | changes


def csv_bytes(table: str, rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=s.TABLES_BY_NAME[table].column_names, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def positions_file(directory: Path, first: int, n: int, name: str = "positions.csv", **changes: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(csv_bytes("positions", [position(i, **changes) for i in range(first, first + n)]))
    return path


def cli_env(store_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_") and k != "PYTHONUNBUFFERED"}
    return env | {"PARLEY_STORE_URL": store_url, "PARLEY_DATA_DIR": str(data_dir)} | extra


def run_cli(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "parley", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 90) -> str:
    """Wait until a paused writer has created its marker file (fails early if the process ends instead)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the writer ended (exit {proc.returncode}) before pausing:\n{out}\n{err}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the writer did not pause within {timeout} s")
        time.sleep(0.02)
    return path.read_text(encoding="utf-8")


def sqlite_path(store_url: str) -> Path:
    return Path(store_url.removeprefix("sqlite:///"))


def is_sqlite(store_url: str) -> bool:
    return store_url.startswith("sqlite:")


def run_sql(store_url: str, *statements: str) -> None:
    """Change the store behind the app's back, as another program or an older version would."""
    if not is_sqlite(store_url):
        engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                for statement in statements:
                    conn.exec_driver_sql(statement)
        finally:
            engine.dispose()
        return
    conn = sqlite3.connect(sqlite_path(store_url))
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def dump(store_url: str) -> list[str]:
    """Every table and row of the store as text: two equal dumps are two equal stores."""
    if not is_sqlite(store_url):
        from tests.pg import pg_dump_rows

        return pg_dump_rows(store_url)
    conn = sqlite3.connect(sqlite_path(store_url))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return list(conn.iterdump())
    finally:
        conn.close()


def query(store_url: str, sql: str) -> list[tuple]:
    """The rows a query gives on the store, read the way another program would."""
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def table_columns(store_url: str) -> dict[str, list[str]]:
    """The store's tables and their columns as the database has them; {} for a SQLite file never written."""
    if is_sqlite(store_url) and not sqlite_path(store_url).exists():
        return {}
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            return {name: [c["name"] for c in inspector.get_columns(name)] for name in inspector.get_table_names()}
    finally:
        engine.dispose()
