"""The app itself at today's size, 100x and about a million positions: load, memory, page reruns, bytes sent.

Each size runs in a fresh process, so its memory figures are its own. The pages run through AppTest exactly as
the server runs them (tests/app/entry.py), on a data folder written by benchmarks/scaled.py and an empty store.
Beside them: a bare one-line Streamlit script (the floor any page rerun pays) and the same filter request answered
by pandas, DuckDB and, when installed, Datasette over the same positions table (what a rerun could cost).

    python benchmarks/app_bench.py                 # today, 100x, 1M
    python benchmarks/app_bench.py --quick         # today and 100x
    python benchmarks/app_bench.py --sizes 1M --page-budget 30
    python benchmarks/app_bench.py --quick --rev HEAD~3    # the app as committed then, same benchmark
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The app measured: this working tree, or an extracted commit (--rev) while the benchmark code stays this one.
APP_ROOT_ENV = "PARLEY_BENCH_APP_ROOT"
APP_ROOT = Path(os.environ.get(APP_ROOT_ENV) or ROOT)
for path in (ROOT, APP_ROOT):  # the app's own packages first
    sys.path.insert(0, str(path))

from benchmarks.payload import Payload, measure  # noqa: E402
from benchmarks.scaled import CACHE_DIR, data_dir, sizes  # noqa: E402

ENTRY = APP_ROOT / "tests" / "app" / "entry.py"
DATASETTE_VENV = CACHE_DIR / "datasette-venv"
PARTY_KEY, DATES_KEY = "filters.party", "filters.dates"
# A rerun alternates between these, so each one is a real filter change; the empty list is "all parties".
# The narrow set still has positions, rounds and reactions, so no page falls back to its empty state.
NARROW: list[str] = ["RUS", "UKR", "USA", "TUR"]
WIDE: list[str] = []
ANCHOR_PARTIES, ANCHOR_ISSUES = ("RUS", "UKR"), ("territory", "ceasefire")
ANCHOR_START, ANCHOR_END = "2025-01-01", "2025-12-31"
ANCHOR_REPEATS = 7
# The Positions page's Statements table (pages/positions.py): its CSV is the largest a reader can ask for.
STATEMENT_COLUMNS = [
    "position_id",
    "date",
    "actor_name",
    "issue_label",
    "stance_label",
    "confidence",
    "disputed",
    "summary",
    "conditions",
    "speaker_name",
    "talk_title",
    "n_sources",
    "notes",
    "source_ids",
    "origin",
]
RUN_TIMEOUT_S = 1800  # one script run; a page over the budget is cut short between runs, not inside one


def _ms(seconds: float) -> float:
    return seconds * 1000


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _status_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _reset_peak() -> bool:
    """Start VmHWM again from the current RSS (Linux 4.0+), so the next VmHWM is the peak of one step alone.
    ru_maxrss is reset with it: the whole process's peak is then the largest of the steps' peaks."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _step_peak_mb(reset: bool) -> float | None:
    """The peak since the last _reset_peak, when it worked."""
    return _status_mb("VmHWM") if reset else None


class _AnonPeak:
    """Samples RssAnon every few milliseconds while a step runs: the peak of the memory only this process holds.
    VmHWM counts the file pages of memory-mapped cache entries too, which the kernel takes back under pressure."""

    def __init__(self, every_s: float = 0.005) -> None:
        self.every_s, self.peak_mb = every_s, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, _status_mb("RssAnon") or 0.0)
            self._stop.wait(self.every_s)

    def __enter__(self) -> _AnonPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, _status_mb("RssAnon") or 0.0)


def _timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(_ms(time.perf_counter() - start))
    return times


# ---------------------------------------------------------------- one size, in its own process


def _app_error(at: Any) -> str | None:
    if at.exception:
        first = at.exception[0]
        lines = [line for line in (first.stack_trace or []) if line.strip()]
        where = lines[-1].strip() if lines else ""
        return f"{first.message or first.value} {where}".strip()[:300]
    return None


def _run(at: Any) -> tuple[float, Payload, str | None]:
    start = time.perf_counter()
    at.run(timeout=RUN_TIMEOUT_S)
    elapsed = _ms(time.perf_counter() - start)
    return elapsed, measure(at._tree), _app_error(at)


def _page(
    entry: Any, budget_s: float, repeats: int, offset: int, section: str | None = None, words: str | None = None
) -> dict[str, Any]:
    """First render, then reruns after filter changes, on the page's `section` tab (slug) if it has sections: a
    page draws only its open section, so each section is a page of its own here. Each rerun also ends the date
    range one day earlier than any rerun before it in this process, so no result cached by filters is reused;
    answers remembered per selection (parley.recent) are, when the shorter window keeps the same rows. A second
    series makes the same changes with those forgotten before each rerun: the cost of rows never seen before."""
    from streamlit.testing.v1 import AppTest

    from components.registry import ROOT as PAGES_ROOT
    from components.sections import section_key
    from parley.recent import forget_selections

    name = entry.url_path + (f"/{section}" if section else "") + (f"?q={words}" if words else "")
    out: dict[str, Any] = {"page": name, "title": entry.title, "error": None, "budget_hit": False}
    started = time.perf_counter()
    try:
        at = AppTest.from_file(str(ENTRY), default_timeout=RUN_TIMEOUT_S)
        if section:  # what the page's `view` link parameter opens
            at.session_state[section_key(entry)] = dict(entry.sections)[section]
        if words:  # a link with search words: the first render builds the search index, then searches
            at.query_params["q"] = [words]
        at.switch_page(str(PAGES_ROOT / entry.path))  # a fresh session opening the page's URL
        first_ms, first, error = _run(at)
        out.update(first_ms=first_ms, first_bytes=first.total, first_by_type=dict(first.by_type))
        charts = list(first.charts)
        if error:
            out["error"] = f"first render: {error}"
            return out
        lo, hi = at.date_input(key=DATES_KEY).value
        reruns: list[float] = []
        wide: list[float] = []
        worst = Payload()
        for i in range(repeats):
            if i and time.perf_counter() - started > budget_s:
                out["budget_hit"] = True
                break
            value = NARROW if i % 2 == 0 else WIDE
            at.multiselect(key=PARTY_KEY).set_value(value)
            at.date_input(key=DATES_KEY).set_value((lo, hi - timedelta(days=offset + i + 1)))
            elapsed, payload, error = _run(at)
            if error:
                out["error"] = f"rerun with party={value or 'all'}: {error}"
                break
            reruns.append(elapsed)
            if value == WIDE:
                wide.append(elapsed)
            charts += payload.charts
            if payload.total >= worst.total:
                worst = payload
        # The same kind of change with nothing remembered (parley.recent): what a selection never seen before costs.
        fresh: list[float] = []
        for i in range(repeats):
            if time.perf_counter() - started > budget_s or out["error"]:
                break
            forget_selections()
            value = NARROW if i % 2 == 0 else WIDE
            at.multiselect(key=PARTY_KEY).set_value(value)
            at.date_input(key=DATES_KEY).set_value((lo, hi - timedelta(days=offset + repeats + i + 1)))
            elapsed, _, error = _run(at)
            if error:
                out["error"] = f"rerun, nothing remembered, party={value or 'all'}: {error}"
                break
            fresh.append(elapsed)
        out.update(
            rerun_fresh_ms=_median(fresh),
            rerun_ms=_median(reruns),
            rerun_n=len(reruns),
            rerun_wide_ms=_median(wide),
            rerun_bytes=worst.total if reruns else None,
            rerun_by_type=dict(worst.by_type),
        )
        if not out["error"] and time.perf_counter() - started <= budget_s:
            idle, _, error = _run(at)  # nothing changed: what a click elsewhere or a widget refresh costs
            out["idle_ms"] = idle
            if error:
                out["error"] = f"rerun without change: {error}"
        largest = max(charts, key=lambda c: c.rows, default=None)
        out["largest_chart"] = {"type": largest.type, "rows": largest.rows} if largest else None
    except Exception as err:  # a page that breaks the harness is a result too, not the end of the run
        out["error"] = f"{type(err).__name__}: {err}"[:300]
    finally:
        out["total_s"] = time.perf_counter() - started
    return out


WORDS = "ceasefire"


def _search() -> Any:
    from components.registry import PAGES

    return next(p for p in PAGES if p.url_path == "search")


def _csv_on_click(ds: Any) -> dict[str, float]:
    """What the Statements table's CSV button builds with no filter: every position, newest first (best of 2)."""
    from parley.aggregate import newest_first
    from parley.export import table_csv_bytes
    from parley.selection import Rows

    rows = newest_first(Rows.all(ds.positions), "date")
    columns = {c: c for c in STATEMENT_COLUMNS if c in ds.positions.columns}
    times, size = [], 0
    for _ in range(2):
        t0 = time.perf_counter()
        size = len(table_csv_bytes(rows, columns))
        times.append(time.perf_counter() - t0)
    return {"csv_s": min(times), "csv_mb": size / 1e6}


def _one_script_cache() -> None:
    """A server compiles app.py and each page once and keeps the bytecode (one ScriptCache for every session);
    AppTest builds a new ScriptCache for every run, so each rerun here also compiled both scripts (about 0.4-1 ms
    that no reader waits for). The benchmark gives AppTest one shared cache, as a server has. Streamlit offers no
    setting for this; the benchmark replaces the class AppTest's runner is built with."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    local_script_runner.ScriptCache = app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


def _floor(repeats: int) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string("import streamlit as st\nst.write('floor')")
    at.run()
    return statistics.median(_timed(at.run, repeats))


def _positions_table(directory: Path) -> Any:
    """The positions table as the app holds it: dates parsed, repeated codes as categories, sorted by date."""
    import pandas as pd

    frame = pd.read_csv(directory / "positions.csv", dtype=str, keep_default_na=False, na_filter=False)
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    for column in ("actor_id", "speaker_id", "issue_id", "stance", "talk_id", "confidence"):
        frame[column] = frame[column].astype("category")
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def _pandas_anchor(p: Any) -> float:
    import pandas as pd

    start, end = pd.Timestamp(ANCHOR_START), pd.Timestamp(ANCHOR_END)

    def request() -> None:
        sub = p[p["actor_id"].isin(ANCHOR_PARTIES) & p["issue_id"].isin(ANCHOR_ISSUES) & p["date"].between(start, end)]
        sub["actor_id"].value_counts()
        sub["issue_id"].value_counts()
        sub.head(100)

    return statistics.median(_timed(request, ANCHOR_REPEATS))


def _duckdb_anchor(p: Any) -> float | str:
    try:
        import duckdb
    except ImportError:
        return "duckdb not installed"
    con = duckdb.connect()
    con.register("frame", p)
    con.execute("CREATE TABLE positions AS SELECT * FROM frame")
    con.unregister("frame")
    where = (
        f"actor_id IN {ANCHOR_PARTIES} AND issue_id IN {ANCHOR_ISSUES} "
        f"AND date BETWEEN DATE '{ANCHOR_START}' AND DATE '{ANCHOR_END}'"
    )

    def request() -> None:
        con.execute(f"SELECT actor_id, count(*) FROM positions WHERE {where} GROUP BY 1").df()
        con.execute(f"SELECT issue_id, count(*) FROM positions WHERE {where} GROUP BY 1").df()
        con.execute(f"SELECT * FROM positions WHERE {where} ORDER BY date LIMIT 100").df()

    try:
        return statistics.median(_timed(request, ANCHOR_REPEATS))
    finally:
        con.close()


def _datasette_bin() -> str | None:
    found = os.environ.get("PARLEY_BENCH_DATASETTE") or str(DATASETTE_VENV / "bin" / "datasette")
    return found if Path(found).exists() else shutil.which("datasette")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _datasette_anchor(p: Any, directory: Path) -> float | str:
    binary = _datasette_bin()
    if not binary:
        return "datasette not installed (make bench installs it when the registry has it)"
    csv = (directory / "positions.csv").stat()
    db = CACHE_DIR / "anchors" / f"{directory.name}-{csv.st_size}-{csv.st_mtime_ns}" / "positions.sqlite"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        tmp = db.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(tmp) as conn:
            p.assign(date=p["date"].dt.strftime("%Y-%m-%d")).astype(str).to_sql("positions", conn, index=False)
            conn.execute("CREATE INDEX positions_filter ON positions (actor_id, issue_id, date)")
        os.replace(tmp, db)
    port = _free_port()
    args = [binary, "serve", "--immutable", str(db), "--host", "127.0.0.1", "--port", str(port)]
    # Facets must finish, not be dropped at Datasette's default 200 ms; suggested facets are extra queries.
    for setting in ("facet_time_limit_ms 60000", "sql_time_limit_ms 60000", "suggest_facets off"):
        args += ["--setting", *setting.split()]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    query = (
        f"/positions/positions.json?actor_id__in={','.join(ANCHOR_PARTIES)}&issue_id__in={','.join(ANCHOR_ISSUES)}"
        f"&date__gte={ANCHOR_START}&date__lte={ANCHOR_END}&_facet=actor_id&_facet=issue_id&_sort=date&_size=100"
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/-/versions.json", timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    return "datasette did not start"
                time.sleep(0.2)

        def request() -> None:
            with urllib.request.urlopen(base + query, timeout=120) as response:
                body = json.loads(response.read())
            assert "facet_results" in body, "no facets in Datasette's answer"

        request()
        return statistics.median(_timed(request, ANCHOR_REPEATS))
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def measure_size(name: str, budget_s: float, repeats: int) -> dict[str, Any]:
    size = sizes()[name]
    result: dict[str, Any] = {"size": name, "factor": size.factor, "talk_factor": size.talk_factor}
    start = time.perf_counter()
    directory = data_dir(size.factor)
    result["build_s"] = time.perf_counter() - start
    result["data_dir"] = str(directory)
    print(f"[{name}] data in {directory} ({result['build_s']:.1f} s to build or find)", flush=True)

    scratch = tempfile.mkdtemp(prefix="parley-bench-")
    os.environ["PARLEY_DATA_DIR"] = str(directory)
    os.environ["PARLEY_STORE_URL"] = f"sqlite:///{scratch}/store.sqlite"
    # An empty on-disk cache of built tables: the first load is a true cold start, the second a restart.
    os.environ["PARLEY_CACHE_DIR"] = f"{scratch}/cache"
    from streamlit import config
    from streamlit.logger import set_log_level

    # Page errors are reported with their message, not Streamlit's redacted notice.
    config.set_option("client.showErrorDetails", "full")
    set_log_level("error")

    from components.registry import PAGES
    from parley.cache import RACY_NS
    from parley.loading import load_dataset

    # Files written moments ago are keyed on their content as well as their size and time (parley.cache): wait
    # until they are not, or the restart below would miss the entry the cold start wrote.
    newest = max(p.stat().st_mtime_ns for p in directory.iterdir())
    time.sleep(max(0.0, (newest + RACY_NS) / 1e9 - time.time()))
    try:
        times = []
        ds = None
        for _ in range(2):
            del ds  # a restart holds one dataset, not two
            t0 = time.perf_counter()
            ds = load_dataset(directory, None)
            times.append(time.perf_counter() - t0)
        result.update(load_cold_s=times[0], load_second_s=times[1])
        result["rows"] = {"positions": len(ds.positions), "reactions": len(ds.reactions), "talks": len(ds.talks)}
        result.update(rss_after_load_mb=_status_mb("VmRSS"), peak_after_load_mb=_maxrss_mb())
        # Text columns read from a memory-mapped cache entry count in RSS only once their pages are read, and
        # then as file pages the kernel can take back: RSS in two parts.
        result.update(anon_after_load_mb=_status_mb("RssAnon"), file_after_load_mb=_status_mb("RssFile"))
        print(f"[{name}] {result['rows']}; load {times[0]:.1f} s, again {times[1]:.1f} s", flush=True)
        reset = _reset_peak()
        with _AnonPeak() as anon:
            result.update(_csv_on_click(ds))
        result["peak_csv_anon_mb"] = anon.peak_mb
        # A download holds its bytes: the full CSV costs its size on top of the dataset, apart from the pages.
        result.update(peak_csv_mb=_step_peak_mb(reset), rss_after_csv_mb=_status_mb("VmRSS"))
        print(f"[{name}] CSV of every position: {result['csv_s']:.2f} s, {result['csv_mb']:.0f} MB", flush=True)
    except Exception as err:
        result["error"] = f"load failed: {type(err).__name__}: {err}"[:500]
        return result
    del ds
    gc.collect()
    from parley.loading import release_memory

    release_memory()
    result["rss_before_pages_mb"] = _status_mb("VmRSS")
    reset = _reset_peak()
    pages_anon = _AnonPeak(every_s=0.02).__enter__()

    from streamlit.testing.v1 import AppTest

    _one_script_cache()
    at = AppTest.from_file(str(ENTRY), default_timeout=RUN_TIMEOUT_S)
    warm_ms, _, warm_error = _run(at)  # the app's own cached load happens here, once for all sessions
    result.update(app_first_run_ms=warm_ms, app_first_run_error=warm_error)
    del at
    print(f"[{name}] app's first run (loads its cached dataset): {warm_ms / 1000:.1f} s", flush=True)
    result["floor_ms"] = _floor(repeats)

    pages = []
    visits = [(entry, slug, None) for entry in PAGES for slug in ([s for s, _ in entry.sections] or [None])]
    # The Search page with words too: without them it searches nothing, and the index is never built.
    visits.insert(next(i for i, v in enumerate(visits) if v[0].url_path == "search") + 1, (_search(), None, WORDS))
    for index, (entry, slug, words) in enumerate(visits):
        page = _page(entry, budget_s, repeats, offset=index * repeats * 2, section=slug, words=words)
        page["rss_after_mb"] = _status_mb("VmRSS")  # what the page's caches and session state left resident
        pages.append(page)
        status = page["error"] or ("budget hit" if page["budget_hit"] else "ok")
        rerun = page.get("rerun_ms")
        print(
            f"[{name}] {page['page']:<22} first {page.get('first_ms') or 0:8.0f} ms  "
            f"rerun {rerun if rerun is not None else float('nan'):8.0f} ms  RSS after {_fmt_mb(page['rss_after_mb'])}  "
            f"{status}",
            flush=True,
        )
    result["pages"] = pages
    pages_anon.__exit__()
    result["peak_pages_anon_mb"] = pages_anon.peak_mb
    result.update(rss_end_mb=_status_mb("VmRSS"), peak_end_mb=_maxrss_mb())
    result.update(anon_end_mb=_status_mb("RssAnon"), file_end_mb=_status_mb("RssFile"))
    # The app's own load and every page, from the RSS left after the benchmark's loads and CSV were let go.
    result["peak_pages_mb"] = _step_peak_mb(reset)
    if result["peak_pages_mb"] is not None:
        result["peak_without_csv_mb"] = max(result["peak_after_load_mb"], result["peak_pages_mb"])
        steps = (result["peak_after_load_mb"], result["peak_csv_mb"] or 0, result["peak_pages_mb"])
        result["peak_end_mb"] = max(result["peak_end_mb"], *steps)

    # A restart's first search: the index the pages built is read back from the dataset's cache entry.
    try:
        from parley.search import load_index

        ds = load_dataset(directory, None)
        t0 = time.perf_counter()
        index = load_index(ds)
        result["search_index_reopen_s"] = time.perf_counter() - t0
        result["search_index_file"] = bool(index.connection.execute("PRAGMA database_list").fetchone()[2])
        index.close()
        del ds, index
    except Exception as err:
        result["search_index_error"] = f"{type(err).__name__}: {err}"[:300]

    anchors: dict[str, Any] = {}
    try:
        p = _positions_table(directory)
        anchors["pandas"] = _pandas_anchor(p)
        anchors["duckdb"] = _duckdb_anchor(p)
        anchors["datasette"] = _datasette_anchor(p, directory)
    except Exception as err:
        anchors["error"] = f"{type(err).__name__}: {err}"[:300]
        traceback.print_exc()
    result["anchors"] = anchors
    shutil.rmtree(scratch, ignore_errors=True)
    return result


# ---------------------------------------------------------------- report


def _fmt_ms(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    return f"{v / 1000:.1f} s" if v >= 10_000 else f"{v:.0f} ms" if v >= 10 else f"{v:.1f} ms"


def _fmt_s(v: Any) -> str:
    return "—" if v is None else f"{v:.1f} s" if v >= 1 else f"{v * 1000:.0f} ms"


def _fmt_bytes(v: Any) -> str:
    if v is None:
        return "—"
    return f"{v / 1e6:.2f} MB" if v >= 1e6 else f"{v / 1e3:.0f} KB"


def _fmt_mb(v: Any) -> str:
    return "—" if v is None else f"{v / 1024:.2f} GB" if v >= 1024 else f"{v:.0f} MB"


def _fmt_chart(v: Any) -> str:
    return f"{v['rows']:,}" if v else "—"


def _ratio(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float) or not b:
        return "—"
    return f"{a / b:,.0f}×" if a / b >= 10 else f"{a / b:.1f}×"


def _top_types(by_type: dict[str, int], n: int = 3) -> str:
    ranked = sorted(by_type.items(), key=lambda kv: -kv[1])[:n]
    return ", ".join(f"{k} {_fmt_bytes(v)}" for k, v in ranked)


def _page_rows(r: dict[str, Any]) -> list[list[str]]:
    rows = []
    duck = r.get("anchors", {}).get("duckdb")
    for page in r.get("pages", []):
        rerun = page.get("rerun_ms")
        n = page.get("rerun_n")
        note = page["error"] or ""
        if page.get("budget_hit"):
            note = (note + "; " if note else "") + "time budget hit"
        chart = page.get("largest_chart")
        rows.append(
            [
                page["page"],
                _fmt_ms(page.get("first_ms")),
                _fmt_bytes(page.get("first_bytes")),
                _fmt_ms(rerun) + (f" (n={n})" if n is not None and n != r.get("repeats") else ""),
                _fmt_ms(page.get("rerun_wide_ms")),
                _fmt_ms(page.get("rerun_fresh_ms")),
                _fmt_bytes(page.get("rerun_bytes")),
                _ratio(rerun, r.get("floor_ms")),
                _ratio(rerun, duck),
                _fmt_ms(page.get("idle_ms")),
                f"{_fmt_chart(chart)} ({chart['type']})" if chart else "—",
                _top_types(page.get("rerun_by_type") or page.get("first_by_type") or {}),
                note.replace("|", "/"),
            ]
        )
    return rows


PAGE_HEADER = [
    "page",
    "first render",
    "first bytes",
    "rerun (median)",
    "rerun widened",
    "rerun, nothing remembered",
    "rerun bytes",
    "÷ floor",
    "÷ DuckDB",
    "rerun, no change",
    "largest chart rows",
    "largest parts of a rerun",
    "note",
]


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*("-" * w for w in widths)), *(fmt.format(*r) for r in rows)])


def _summary_rows(results: list[dict[str, Any]]) -> list[list[str]]:
    def row(label: str, fn: Callable[[dict[str, Any]], str]) -> list[str]:
        return [label, *(fn(r) if "error" not in r or r.get("pages") else r["error"][:60] for r in results)]

    def page_value(name: str, key: str, fmt: Callable[[Any], str]) -> Callable[[dict[str, Any]], str]:
        def get(r: dict[str, Any]) -> str:
            page = next((p for p in r.get("pages", []) if p["page"] == name), None)
            if page is None:
                return "—"
            if page["error"] and page.get(key) is None:
                return "error"
            return fmt(page.get(key)) + (" (budget)" if page.get("budget_hit") and "rerun" in key else "")

        return get

    def anchor(key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: _fmt_ms(r.get("anchors", {}).get(key))

    rows = [
        row("positions / reactions / talks", lambda r: " / ".join(f"{v:,}" for v in r.get("rows", {}).values())),
        row("load + validate, cold (empty cache)", lambda r: _fmt_s(r.get("load_cold_s"))),
        row("load again (restart)", lambda r: _fmt_s(r.get("load_second_s"))),
        row("app's first run (its own load)", lambda r: _fmt_ms(r.get("app_first_run_ms"))),
        row(
            "search index on a restart (read back from the cache entry)",
            lambda r: _fmt_s(r.get("search_index_reopen_s")) + ("" if r.get("search_index_file") else " (in memory)"),
        ),
        row("CSV of every position, on click", lambda r: f"{_fmt_s(r.get('csv_s'))} ({r.get('csv_mb', 0):.0f} MB)"),
        row(
            "RSS after load / peak after load",
            lambda r: f"{_fmt_mb(r.get('rss_after_load_mb'))} / {_fmt_mb(r.get('peak_after_load_mb'))}",
        ),
        row("RSS / peak at the end", lambda r: f"{_fmt_mb(r.get('rss_end_mb'))} / {_fmt_mb(r.get('peak_end_mb'))}"),
        row(
            "peak of the full CSV alone (from RSS after load) / its anonymous part",
            lambda r: f"{_fmt_mb(r.get('peak_csv_mb'))} / {_fmt_mb(r.get('peak_csv_anon_mb'))}",
        ),
        row("peak anonymous RSS of the app's load and pages", lambda r: _fmt_mb(r.get("peak_pages_anon_mb"))),
        row(
            "peak of the app's load and pages alone / peak without the CSV",
            lambda r: f"{_fmt_mb(r.get('peak_pages_mb'))} / {_fmt_mb(r.get('peak_without_csv_mb'))}",
        ),
        row(
            "RSS anonymous / file-backed, after load and at the end",
            lambda r: (
                f"{_fmt_mb(r.get('anon_after_load_mb'))} / {_fmt_mb(r.get('file_after_load_mb'))}, "
                f"{_fmt_mb(r.get('anon_end_mb'))} / {_fmt_mb(r.get('file_end_mb'))}"
            ),
        ),
    ]

    def pair(name: str, first: str, second: str, fmt: Callable[[Any], str]) -> Callable[[dict[str, Any]], str]:
        return lambda r: page_value(name, first, fmt)(r) + " / " + page_value(name, second, fmt)(r)

    names = list(dict.fromkeys(p["page"] for r in results for p in r.get("pages", [])))
    for name in names:
        rows += [
            row(f"{name}: first render", page_value(name, "first_ms", _fmt_ms)),
            row(f"{name}: rerun, filter changed / widened", pair(name, "rerun_ms", "rerun_wide_ms", _fmt_ms)),
            row(f"{name}: rerun, no change", page_value(name, "idle_ms", _fmt_ms)),
            row(f"{name}: bytes first / rerun", pair(name, "first_bytes", "rerun_bytes", _fmt_bytes)),
            row(f"{name}: largest chart, data rows", page_value(name, "largest_chart", _fmt_chart)),
        ]
    rows += [
        row("bare Streamlit rerun (floor)", lambda r: _fmt_ms(r.get("floor_ms"))),
        row("anchor: pandas", anchor("pandas")),
        row("anchor: DuckDB", anchor("duckdb")),
        row("anchor: Datasette faceted JSON", anchor("datasette")),
    ]
    return rows


def report(results: list[dict[str, Any]], commit: str) -> None:
    for r in results:
        rows = r.get("rows", {})
        print(
            f"\n== {r['size']} ({r['factor']}× positions, {r['talk_factor']}× talks): "
            + ", ".join(f"{v:,} {k}" for k, v in rows.items())
        )
        if r.get("error") and not r.get("pages"):
            print(f"   ERROR: {r['error']}")
            continue
        anchors = r.get("anchors", {})
        print(
            f"   load + validate: cold {_fmt_s(r.get('load_cold_s'))}, second {_fmt_s(r.get('load_second_s'))}; "
            f"app's first run {_fmt_ms(r.get('app_first_run_ms'))}"
            + (f" (error: {r['app_first_run_error']})" if r.get("app_first_run_error") else "")
        )
        print(
            f"   memory: RSS after load {_fmt_mb(r.get('rss_after_load_mb'))}, peak after load "
            f"{_fmt_mb(r.get('peak_after_load_mb'))}, RSS at end {_fmt_mb(r.get('rss_end_mb'))}, peak at end "
            f"{_fmt_mb(r.get('peak_end_mb'))}; peak of the full CSV {_fmt_mb(r.get('peak_csv_mb'))}, of the app's "
            f"load and pages {_fmt_mb(r.get('peak_pages_mb'))}, without the CSV {_fmt_mb(r.get('peak_without_csv_mb'))}"
        )
        print(
            f"   floor {_fmt_ms(r.get('floor_ms'))}; anchors: pandas {_fmt_ms(anchors.get('pandas'))}, "
            f"DuckDB {_fmt_ms(anchors.get('duckdb'))}, Datasette {_fmt_ms(anchors.get('datasette'))}"
            + (f"; anchor error: {anchors['error']}" if anchors.get("error") else "")
        )
        print(_text_table(PAGE_HEADER, _page_rows(r)))

    print(f"\n## App benchmark (commit {commit}; medians)\n")
    print(_markdown(["measure", *(r["size"] for r in results)], _summary_rows(results)))
    for r in results:
        if r.get("pages"):
            print(f"\n### {r['size']} by page\n")
            print(_markdown(PAGE_HEADER, _page_rows(r)))
    print(
        "\nrerun = median over reruns alternating the party filter between RUS+UKR+USA+TUR and all parties, each "
        "with a date range ending a day earlier than any before (no result cached by filters reused; answers "
        "remembered per selection are, when the rows stay the same); 'widened' = the reruns back to all parties; "
        "'nothing remembered' = the same changes with the answers remembered per selection forgotten before each "
        "rerun. Bytes = protobuf size of every element a run sends (the largest rerun). A page with "
        "sections draws only the open one: 'page/section' is the page opened on that section."
    )


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def _commit() -> str:
    dirty = len([line for line in _git("status", "--porcelain", "--untracked-files=no").splitlines() if line])
    return _git("log", "-1", "--format=%h") + (f" + {dirty} uncommitted file(s)" if dirty else "")


def _extract(rev: str, target: Path) -> str:
    """The app as committed at `rev`, in `target`, without its own benchmarks; returns the short hash."""
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    shutil.rmtree(target / "benchmarks", ignore_errors=True)
    return _git("rev-parse", "--short", rev)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="today,100x,1M", help="comma-separated: today, 100x, 1M")
    parser.add_argument("--quick", action="store_true", help="today and 100x only")
    parser.add_argument("--repeats", type=int, default=5, help="reruns per page (median)")
    parser.add_argument("--page-budget", type=float, default=60, help="seconds per page before repeats are skipped")
    parser.add_argument("--size-timeout", type=float, default=2400, help="seconds per size before it is abandoned")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--rev", help="measure the app as committed at this revision instead of the working tree")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: measure one size in this process
    args = parser.parse_args()

    if args.one:
        result = measure_size(args.one, args.page_budget, args.repeats)
        result["repeats"] = args.repeats
        args.json.write_text(json.dumps(result, default=str))
        return

    names = ["today", "100x"] if args.quick else [n.strip() for n in args.sizes.split(",") if n.strip()]
    unknown = set(names) - set(sizes())
    if unknown:
        parser.error(f"unknown size(s): {', '.join(sorted(unknown))}")
    snapshot = tempfile.TemporaryDirectory(prefix="parley-rev-") if args.rev else None
    if snapshot:
        commit = f"{_extract(args.rev, Path(snapshot.name))} (extracted)"
        os.environ[APP_ROOT_ENV] = snapshot.name
    else:
        commit = _commit()
    print(f"commit {commit}; sizes {', '.join(names)}; {args.repeats} reruns per page, {args.page_budget:.0f} s each")
    results = []
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            cmd = [
                sys.executable,
                __file__,
                "--one",
                name,
                "--json",
                str(out),
                "--repeats",
                str(args.repeats),
                "--page-budget",
                str(args.page_budget),
            ]
            child = subprocess.Popen(cmd, cwd=os.environ.get(APP_ROOT_ENV) or ROOT)  # its .streamlit/config.toml
            try:
                child.wait(timeout=args.size_timeout)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if out.exists():
                results.append(json.loads(out.read_text()))
            else:
                reason = "timed out" if child.returncode is not None and child.returncode < 0 else "crashed"
                results.append(
                    {
                        "size": name,
                        "factor": sizes()[name].factor,
                        "talk_factor": sizes()[name].talk_factor,
                        "error": f"{reason} (exit {child.returncode}); see the output above",
                    }
                )
    if snapshot:
        snapshot.cleanup()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, default=str))
    report(results, commit)


if __name__ == "__main__":
    main()
