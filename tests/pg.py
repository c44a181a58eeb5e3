"""A throwaway PostgreSQL server for the tests: Debian's `postgresql` binaries, a data folder in /tmp, a unix socket
in that folder and no TCP port at all, trusted local logins, stopped and deleted at the end.

As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root); as anyone else, as that user.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

SUPERUSER = "parley"
INSTALL_HINT = "apt-get install postgresql"


def find_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps each version under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class PgServer:
    """One server; `url(db)` gives a SQLAlchemy URL for a database on it, `new_database()` a fresh empty one."""

    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        # Not under pytest's tmp folders: those are private to the test user, and the server user must enter it.
        self.root = Path(tempfile.mkdtemp(prefix="parley-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._n = 0
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        # fsync off: a test server's data need not survive a power cut, and a crash of the server alone (what the
        # tests do) loses nothing committed either way.
        options = f"-k {self.root} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: every backend is ended at once with no clean shutdown, open transactions lost."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        try:
            self._run("pg_ctl", "-D", str(self.data), "status")
        except subprocess.CalledProcessError:
            return False
        return True

    def cleanup(self) -> None:
        if self.data.exists() and self.running():
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@/{database}?host={self.root}"

    def admin(self, sql: str) -> None:
        with psycopg.connect(host=str(self.root), user=SUPERUSER, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "store") -> str:
        """A fresh, empty database's URL (creating one from the template takes a few milliseconds)."""
        self._n += 1
        name = f"{prefix}_{os.getpid()}_{self._n}"
        self.admin(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_server() -> PgServer:
    bin_dir = find_bin()
    if bin_dir is None:
        raise FileNotFoundError(f"PostgreSQL is not installed ({INSTALL_HINT})")
    server = PgServer(bin_dir)
    try:
        server.init()
        server.start()
    except BaseException:
        server.cleanup()
        raise
    return server


def wait_until_up(server: PgServer, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.admin("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def pg_dump_rows(store_url: str) -> list[str]:
    """Every table and row of a PostgreSQL store as text, in a fixed order: two equal dumps are two equal stores."""
    engine = sa.create_engine(store_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            out = []
            for name in sorted(inspector.get_table_names()):
                columns = [c["name"] for c in inspector.get_columns(name)]
                out.append(f"TABLE {name} ({', '.join(columns)})")
                table = sa.table(name, *[sa.column(c) for c in columns])
                rows = conn.execute(sa.select(table).order_by(*table.c)).all()
                out.extend(repr(tuple(row)) for row in rows)
            return out
    finally:
        engine.dispose()
