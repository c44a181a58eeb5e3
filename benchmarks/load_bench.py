"""Many analysts at once, with no browsers: 20 and then 50 sessions against one app server, then against two replicas
on one PostgreSQL store, while an import and then its undo land from the command line.

Each session is benchmarks/stclient.py speaking Streamlit's websocket protocol: it opens a random page from a link
with filters, then walks every page in a random order, changing a sidebar filter (parties, issues, the low-confidence
toggle, or clearing them) on each, with a pause of --think seconds between actions, and polls for new records every
few seconds while idle, as the browser does. Bounded in steps (--steps) and time (--duration). Sessions start spread
over the first seconds and are split evenly across the servers (a sticky proxy would do the same).

Prints per run: errors (exceptions, error messages, missing pages, runs that never finished, dropped connections),
the median and 95th percentile of the time to an updated table (a page switch or a filter change: from the request to
the run's end), the first render and the poll alike, how soon each session saw the import and the undo, the app
servers' CPU seconds and peak RSS, PostgreSQL's CPU seconds, this client's CPU seconds, and the load average.

Usage: .venv/bin/python benchmarks/load_bench.py [--quick] [--sessions 20 50] [--servers 1 2] [--duration 150]
Traffic goes to 127.0.0.1 only. Without PostgreSQL installed (Debian: postgresql) the store is a SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # components/, scripts/ and tests/ are not installed packages
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stclient import AppSession, Run  # noqa: E402

from components.registry import PAGES  # noqa: E402
from parley.importer import example_bundle  # noqa: E402
from scripts.replicas import start_replicas, stop, wait_healthy  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
FILTER_KEYS = ("filters.party", "filters.issue")
TOGGLE_KEY = "filters.hide_low"
LINKS = ["", "party=RUS", "party=UKR&issue=ceasefire", "issue=territory", "hide_low=1", "party=USA&party=RUS"]


@dataclass
class Phase:
    servers: int
    sessions: int
    runs: list[Run] = field(default_factory=list)
    events: dict[str, float] = field(default_factory=dict)  # "import" / "undo" -> when it was committed
    seen: dict[str, list[float]] = field(default_factory=dict)  # event -> per session, seconds until seen
    ended_early: int = 0


# ---- one simulated analyst ---------------------------------------------------------------------------------------
async def analyst(
    base: str, rng: random.Random, start_in: float, deadline: float, args: argparse.Namespace, phase: Phase
) -> None:
    await asyncio.sleep(start_in)
    session = AppSession(base, timeout=args.run_timeout)
    runs: list[Run] = []
    try:
        await session.connect()
    except (OSError, TimeoutError) as err:
        phase.runs.append(Run("open", time.monotonic(), 0.0, 0, error=f"connect: {err}"))
        return
    try:
        pages = [p.url_path if i else "" for i, p in enumerate(PAGES)]
        runs.append(await session.open(rng.choice(pages), rng.choice(LINKS)))
        order = rng.sample(pages, len(pages))
        for step in range(args.steps):
            if runs[-1].error.startswith(("no script_finished", "connection")) or time.monotonic() > deadline:
                break
            await think(session, rng.uniform(*args.think), deadline, runs)
            if time.monotonic() > deadline:
                break
            if step % 2 == 0:
                runs.append(await session.switch(order[(step // 2) % len(order)]))
            else:
                runs.append(await change_filter(session, rng))
        if time.monotonic() > deadline:
            phase.ended_early += 1
    finally:
        await session.close()
        phase.runs.extend(runs)
        for event, at in phase.events.items():
            # Seen: the notice drawn, or a full run started after the change (it draws the new records).
            seen = [r.started + r.seconds for r in runs if not r.error and r.started + r.seconds >= at and r.notice]
            seen += [r.started + r.seconds for r in runs if not r.error and r.started >= at and r.kind != "poll"]
            if seen and runs[0].started < at:
                phase.seen.setdefault(event, []).append(min(seen) - at)


async def think(session: AppSession, seconds: float, deadline: float, runs: list[Run]) -> None:
    """Pause like a reader; the page polls for new records meanwhile, as the browser does while the app is idle."""
    end = min(time.monotonic() + seconds, deadline)
    last_poll = runs[-1].started + runs[-1].seconds if runs else time.monotonic()
    while session.fragment is not None and last_poll + session.fragment[1] < end:
        await asyncio.sleep(max(0.0, last_poll + session.fragment[1] - time.monotonic()))
        run = await session.poll()
        if run is None:
            break
        runs.append(run)
        last_poll = run.started + run.seconds
        if run.error:
            return
    await asyncio.sleep(max(0.0, end - time.monotonic()))


async def change_filter(session: AppSession, rng: random.Random) -> Run:
    roll = rng.random()
    if roll < 0.15:
        current = session.value(TOGGLE_KEY)
        return await session.toggle(TOGGLE_KEY, not (current is not None and current.bool_value))
    key = FILTER_KEYS[0] if roll < 0.6 else FILTER_KEYS[1]
    options = session.options.get(key, [])[:8]  # the main parties come first
    if roll > 0.9 or not options:
        return await session.choose(key, [])
    return await session.choose(key, rng.sample(options, rng.randint(1, min(2, len(options)))))


# ---- the import and the undo, from the command line --------------------------------------------------------------
async def import_then_undo(store_url: str, bundle: Path, at: Sequence[float], t0: float, phase: Phase) -> list[str]:
    """`python -m parley import` at the first offset, `undo` of that batch at the second; returns what they said."""
    env = {**os.environ, "PARLEY_STORE_URL": store_url}
    said: list[str] = []
    await asyncio.sleep(max(0.0, t0 + at[0] - time.monotonic()))
    out, seconds, cpu = await _cli(env, "import", str(bundle), "--yes")
    phase.events["import"] = time.monotonic()
    said.append(f"import: {seconds:.1f} s, {cpu:.1f} CPU s (a new Python process): {out.splitlines()[-2:]}")
    batch = re.search(r"Imported batch (\S+):", out)
    if batch is None:
        return said
    await asyncio.sleep(max(0.0, t0 + at[1] - time.monotonic()))
    out, seconds, cpu = await _cli(env, "undo", batch.group(1))
    phase.events["undo"] = time.monotonic()
    said.append(f"undo: {seconds:.1f} s, {cpu:.1f} CPU s: {out.strip().splitlines()[-1:]}")
    return said


async def _cli(env: dict[str, str], *args: str) -> tuple[str, float, float]:
    before, started = _children_cpu(), time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "parley", *args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out, _ = await process.communicate()
    return out.decode(errors="replace"), time.monotonic() - started, _children_cpu() - before


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ---- processes: CPU and memory from /proc ------------------------------------------------------------------------
def cpu_seconds(pid: int, with_children: bool = False) -> float:
    """User + system CPU of a process (all its threads); with its waited-for children and its live ones."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    if with_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
        seconds = ticks / CLK_TCK
        return seconds + sum(cpu_seconds(child, True) for child in _children(pid))
    return ticks / CLK_TCK


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):  # the thread ended meanwhile
            found += [int(c) for c in task.read_text().split()]
    return found


def peak_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# ---- one phase: servers up, warm, sessions, figures --------------------------------------------------------------
async def warm(bases: Sequence[str], timeout: float) -> None:
    """A first visit per server: a server's first request takes a different path in Streamlit, and the first
    session builds (or reads back) the dataset; neither is what a team's steady day looks like."""
    for base in bases:
        session = AppSession(base, timeout=timeout)
        await session.connect()
        try:
            for page in ("", "positions"):
                run = await session.open(page) if page == "" else await session.switch(page)
                if run.error:
                    raise RuntimeError(f"warm-up on {base} failed: {run.error}")
        finally:
            await session.close()


async def run_phase(
    phase: Phase, bases: Sequence[str], store_url: str, bundle: Path, args: argparse.Namespace
) -> list[str]:
    rng = random.Random(args.seed + phase.sessions * 10 + phase.servers)
    t0 = time.monotonic()
    deadline = t0 + args.duration
    ramp = min(10.0, args.duration / 6)
    tasks = [
        analyst(bases[i % len(bases)], random.Random(rng.random()), ramp * i / phase.sessions, deadline, args, phase)
        for i in range(phase.sessions)
    ]
    offsets = (args.duration * 0.3, args.duration * 0.6)
    said = asyncio.create_task(import_then_undo(store_url, bundle, offsets, t0, phase))
    await asyncio.gather(*tasks)
    return await said


def measure(phase: Phase, store_url: str, work: Path, args: argparse.Namespace, pg_pid: int | None) -> None:
    ports = [free_port() for _ in range(phase.servers)]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    log = (work / f"servers-{phase.servers}x{phase.sessions}.log").open("wb")
    processes = start_replicas(ports, "127.0.0.1", store_url, output=log)
    try:
        if not wait_healthy(processes, ports, "127.0.0.1"):
            raise RuntimeError(f"the app servers did not start; see {log.name}")
        asyncio.run(warm(bases, args.run_timeout))
        load_before = loadavg()
        cpu0 = [cpu_seconds(p.pid) for p in processes]
        pg0 = cpu_seconds(pg_pid, True) if pg_pid else 0.0
        client0, wall0 = time.process_time(), time.monotonic()
        bundle = work / "example-bundle.json"
        bundle.write_bytes(example_bundle())
        said = asyncio.run(run_phase(phase, bases, store_url, bundle, args))
        wall = time.monotonic() - wall0
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(processes, cpu0, strict=True)]
        rss = [peak_rss_mb(p.pid) for p in processes]
        pg = cpu_seconds(pg_pid, True) - pg0 if pg_pid else None
        report(phase, wall, cpu, rss, pg, time.process_time() - client0, load_before, said)
    finally:
        stop(processes)
        log.close()


def _ms(values: Sequence[float], q: float) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:,.0f}"


def report(
    phase: Phase,
    wall: float,
    cpu: list[float],
    rss: list[float],
    pg: float | None,
    client_cpu: float,
    load_before: str,
    said: list[str],
) -> None:
    runs = phase.runs
    errors = [r for r in runs if r.error]
    updates = [r.seconds for r in runs if r.kind in ("page", "filter") and not r.error]
    print(f"\n== {phase.sessions} sessions on {phase.servers} server(s), {wall:.0f} s ==")
    print(f"runs: {len(runs)} ({Counter(r.kind for r in runs)}), {len(runs) / wall:.1f} per second")
    print(f"errors: {len(errors)}")
    for text, n in Counter(r.error for r in errors).most_common(5):
        print(f"  {n} x {text}")
    warnings = Counter(w for r in runs for w in r.warnings)
    for text, n in warnings.most_common(3):
        print(f"  warning shown {n} x: {text}")
    print(
        f"time to an updated table (page switch or filter change, {len(updates)} runs): median {_ms(updates, 0.5)} ms, "
        f"p95 {_ms(updates, 0.95)} ms, max {_ms(updates, 1.0)} ms"
    )
    for kind in ("open", "page", "filter", "poll"):
        times = [r.seconds for r in runs if r.kind == kind and not r.error]
        print(f"  {kind:6} median {_ms(times, 0.5):>6} ms  p95 {_ms(times, 0.95):>6} ms  ({len(times)} runs)")
    received = sum(r.received for r in runs)
    print(f"received: {received / 1e6:.1f} MB, {received / max(1, len(runs)) / 1e3:.0f} kB per run")
    for event in ("import", "undo"):
        seen = phase.seen.get(event, [])
        if seen:
            print(
                f"after the {event}: {len(seen)} session(s) open then saw it (the notice, or a rerun drawing it) "
                f"after median {statistics.median(seen):.1f} s, at most {max(seen):.1f} s"
            )
    for line in said:
        print(f"  {line}")
    for i, (c, r) in enumerate(zip(cpu, rss, strict=True)):
        print(f"app server {i + 1}: {c:.1f} CPU s ({c / wall * 100:.0f}% of one core), peak RSS {r:.0f} MB")
    # CPU per run is what the load asks of the servers whatever else the machine is doing: the times above are not.
    print(f"app servers' CPU per run (polls included): {sum(cpu) / max(1, len(runs)) * 1000:.0f} ms")
    if pg is not None:
        print(f"PostgreSQL: {pg:.1f} CPU s")
    print(f"this client: {client_cpu:.1f} CPU s; load average before {load_before}, after {loadavg()}")
    if phase.ended_early:
        print(f"{phase.ended_early} session(s) stopped at the time limit before their last step")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 and 6 sessions, 30 s each: checks the client")
    parser.add_argument("--sessions", type=int, nargs="+", help="sessions per run (default 20 50)")
    parser.add_argument("--servers", type=int, nargs="+", help="servers per run (default 1 2)")
    parser.add_argument("--duration", type=float, help="seconds per run at most (default 150)")
    parser.add_argument("--steps", type=int, help="actions per session at most (default: every page, each filtered)")
    parser.add_argument("--think", type=float, nargs=2, help="pause between actions, seconds (default 2 6)")
    parser.add_argument("--run-timeout", type=float, default=60.0, help="a run not finished by then is an error")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    args.sessions = args.sessions or ([3, 6] if args.quick else [20, 50])
    args.servers = args.servers or [1, 2]
    args.duration = args.duration or (30.0 if args.quick else 150.0)
    args.steps = args.steps or (6 if args.quick else 2 * len(PAGES))
    args.think = tuple(args.think or ((1.0, 4.0) if args.quick else (2.0, 6.0)))

    work = Path(tempfile.mkdtemp(prefix="parley-load-"))
    os.environ["PARLEY_CACHE_DIR"] = str(work / "cache")  # the servers' dataset cache: built once, then read back
    print(
        f"load test: sessions {args.sessions} x servers {args.servers}, at most {args.steps} actions and "
        f"{args.duration:.0f} s per run, pauses of {args.think[0]:g}-{args.think[1]:g} s; {os.cpu_count()} cores, "
        f"load average {loadavg()}; work folder {work}"
    )
    pg_server = None
    try:
        from tests import pg

        pg_server = pg.start_server()
    except (ImportError, OSError, subprocess.CalledProcessError) as err:
        print(f"No PostgreSQL server ({err}): the store is a SQLite file.")
    try:
        pg_pid = int((pg_server.data / "postmaster.pid").read_text().split()[0]) if pg_server else None
        for servers in args.servers:
            for sessions in args.sessions:
                phase = Phase(servers, sessions)
                store_url = (
                    pg_server.new_database("load")
                    if pg_server
                    else f"sqlite:///{work / f'store-{servers}-{sessions}.sqlite'}"
                )
                measure(phase, store_url, work, args, pg_pid)
    finally:
        if pg_server is not None:
            pg_server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
