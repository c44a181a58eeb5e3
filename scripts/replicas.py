"""Two (or more) app processes on their own ports against one store: the replicas a reverse proxy spreads a team over.

    PARLEY_STORE_URL=postgresql+psycopg://parley@db.example.org/parley make replicas
    .venv/bin/python scripts/replicas.py [--ports 8501 8502] [--address 127.0.0.1] [--throwaway-postgres]

Each replica is `streamlit run app.py` with the same PARLEY_STORE_URL, so an import or undo made through one is
heard by the other within a few seconds. Ctrl-C stops them all; so does any one of them exiting. In front, a proxy
must keep each browser on one replica (docs/deploy/nginx.conf). `--throwaway-postgres` tries it on one machine with
no database at hand: a PostgreSQL server from Debian's `postgresql` package in a temporary folder, deleted on exit.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/pg.py, for --throwaway-postgres

STORE_URL_ENV = "PARLEY_STORE_URL"  # parley.store.STORE_URL_ENV, without importing the app's dependencies here
STARTUP_SECONDS = 120


def replica_command(port: int, address: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.port",
        str(port),
        "--server.address",
        address,
    ]


def start_replicas(
    ports: Sequence[int], address: str, store_url: str, output: IO[bytes] | None = None
) -> list[subprocess.Popen]:
    """One `streamlit run` per port; their output goes to this terminal, or to `output` (benchmarks/load_bench.py)."""
    env = {**os.environ, STORE_URL_ENV: store_url}
    err = subprocess.STDOUT if output is not None else None
    # Each in its own process group, so Ctrl-C in this terminal reaches this script once and it stops them in turn.
    return [
        subprocess.Popen(
            replica_command(port, address), cwd=ROOT, env=env, stdout=output, stderr=err, start_new_session=True
        )
        for port in ports
    ]


def healthy(address: str, port: int) -> bool:
    host = "127.0.0.1" if address in ("0.0.0.0", "") else address
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def wait_healthy(processes: Sequence[subprocess.Popen], ports: Sequence[int], address: str) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    waiting = set(ports)
    while waiting and time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        waiting = {port for port in waiting if not healthy(address, port)}
        time.sleep(0.2)
    return not waiting


def stop(processes: Sequence[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/replicas.py",
        description="Run the app as several processes on their own ports against one store (PARLEY_STORE_URL).",
    )
    parser.add_argument("--ports", type=int, nargs="+", default=[8501, 8502], help="one port per replica")
    parser.add_argument(
        "--address", default="127.0.0.1", help="the address to serve on (another one only behind the proxy)"
    )
    parser.add_argument(
        "--throwaway-postgres",
        action="store_true",
        help="start a temporary PostgreSQL server (Debian's postgresql package) and use it; deleted on exit",
    )
    args = parser.parse_args(argv)
    if len(set(args.ports)) != len(args.ports):
        parser.error("each replica needs its own port")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    store_url = os.environ.get(STORE_URL_ENV, "")
    pg_server = None
    if args.throwaway_postgres:
        from tests import pg

        pg_server = pg.start_server()
        store_url = pg_server.new_database("replicas")
        print(f"Throwaway PostgreSQL in {pg_server.root}, deleted on exit; store: {store_url}", flush=True)
    elif not store_url:
        print(
            f"Set {STORE_URL_ENV} to the shared store (postgresql+psycopg://user@host:port/database, see the README's "
            "'Run it for a team'), or pass --throwaway-postgres to try replicas on this machine.",
            file=sys.stderr,
        )
        return 2
    elif not store_url.startswith("postgresql"):
        print("Note: a SQLite store is shared only by replicas on this one machine.", flush=True)

    processes = start_replicas(args.ports, args.address, store_url)
    # SIGTERM (a service manager stopping this script) is handled like Ctrl-C: stop the replicas, then exit. SIGINT
    # too, explicitly: a shell starts a background job with it ignored, and Python then never turns it into Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        if not wait_healthy(processes, args.ports, args.address):
            print("A replica did not start; see its output above. Stopping all.", file=sys.stderr)
            return 1
        shown = "127.0.0.1" if args.address == "0.0.0.0" else args.address
        print("Replicas up: " + ", ".join(f"http://{shown}:{port}" for port in args.ports) + " (Ctrl-C stops all)")
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A replica exited; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)
        if pg_server is not None:
            pg_server.cleanup()


if __name__ == "__main__":
    sys.exit(main())
