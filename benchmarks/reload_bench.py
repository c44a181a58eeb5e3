"""What a rebuild after an import costs: the full path (every CSV read, every row checked) against the incremental
one (the checked bundled frames read from their cache entry, only imported and corrected rows checked cell by cell).

For today's data (data/) and a scaled data folder (about a million positions, written by benchmarks/scaled.py), with
a throwaway SQLite store under /tmp:
1. a first load with the empty store, as an app start (writes the bundled stage's entry and the built tables);
2. `python -m parley import` of the example article bundle (the one benchmarks/load_bench.py imports), then one
   correction of a bundled position;
3. the rebuild that follows, each in a fresh Python process, best of --repeats:
   - before:      the code of --before (default: the commit before this work), extracted with `git archive`,
                  cache off (as every rebuild after an import was);
   - full:        this code, cache off;
   - incremental: this code, with the cache folder holding only the bundled stage's entry (the built tables of the
                  new store revision are missing, as right after an import).
Prints seconds per stage (from the load's progress texts; the store's rows and `layered` are timed by wrapping
them) and each process's peak RSS, then the ratios before / incremental.

    .venv/bin/python benchmarks/reload_bench.py [--scaled DIR] [--skip-scaled] [--repeats 2] [--before REV]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parley.cache import BUNDLED_PREFIX  # noqa: E402
from parley.importer import example_bundle  # noqa: E402

SCALED = ROOT / ".parley" / "bench" / "x12821-1b8b7c01206c"
BEFORE = "7304676"  # the last commit before the incremental rebuild
STAGES = ("cache lookup", "read", "check bundled", "save bundled", "store rows", "layer", "validate", "build", "save")
VARIANTS = ("before", "full", "incremental")

# Run in a fresh process with the code under test first on sys.path: one load, its stages timed by progress text.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from parley import loading
from parley.store import Store

marks = []

def mark(stage):
    marks.append((time.perf_counter(), stage))

def stage_of(text):
    if text.startswith("Reading the prepared"):
        return "cache lookup"
    if text.startswith("Checking the bundled"):
        return "check bundled"
    if text.startswith("Saving the checked bundled"):
        return "save bundled"
    if text.startswith(("Reading", "Read ")):
        return "read"
    if text.startswith(("Checking", "Checked")):
        return "validate"
    if text.startswith("Saving"):
        return "save"
    if text == "Ready":
        return "end"
    return "build"

def progress(_fraction, text):
    stage = stage_of(text)
    if not marks or marks[-1][1] != stage:
        mark(stage)

real_rows, real_layered = Store.imported_rows, loading.layered

def rows(self):
    mark("store rows")
    return real_rows(self)

def layered(*args, **kwargs):
    mark("layer")
    try:
        return real_layered(*args, **kwargs)
    finally:
        mark("validate")  # what follows layering up to the checks' first progress text

Store.imported_rows = rows
loading.layered = layered
data, url, cache_dir = Path(sys.argv[2]), sys.argv[3], sys.argv[4]
start = time.perf_counter()
mark("start")
if cache_dir == "off":
    dataset = loading.load_dataset(data, Store(url), progress=progress, use_cache=False)
else:
    dataset = loading.load_dataset(data, Store(url), progress=progress, cache_dir=Path(cache_dir))
mark("end")
total = time.perf_counter() - start
stages = {}
for (t0, stage), (t1, _) in zip(marks, marks[1:]):
    if stage != "start":
        stages[stage] = stages.get(stage, 0.0) + t1 - t0
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
imported = int((dataset.positions["origin"] == "imported").sum())
print(json.dumps({"total": total, "stages": stages, "rss_mb": rss_mb, "positions": len(dataset.positions),
                  "imported": imported}))
"""

CORRECT = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from parley.corrections import commit_correction, preview_correction
from parley.loading import read_raw_tables
from parley.store import Store
data, store = Path(sys.argv[2]), Store(sys.argv[3])
record = read_raw_tables(data)[0]["positions"]["position_id"].iloc[0]
preview = preview_correction("positions", record, {"notes": "Corrected by the reload benchmark."}, store, data)
assert preview.ok, [str(p) for p in preview.problems]
print(commit_correction(preview, store).batch_id, record)
"""


def run_child(code_root: Path, data: Path, url: str, cache_dir: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(code_root), str(data), url, cache_dir],
        capture_output=True,
        text=True,
        check=True,
        env=_env(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")} | {"PARLEY_CACHE_DIR": "off"}


def old_code(rev: str, into: Path) -> Path:
    """The parley package as it was at `rev`, in a folder of its own (no worktree: nothing in .git changes)."""
    archive = subprocess.run(["git", "archive", rev, "parley"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def drop_built(cache_dir: Path) -> None:
    for path in cache_dir.iterdir():
        if not path.name.startswith(BUNDLED_PREFIX):
            shutil.rmtree(path, ignore_errors=True)


def bench(label: str, data: Path, before_root: Path, repeats: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="reload-bench-", dir="/tmp"))
    url = f"sqlite:///{work / 'store.sqlite'}"
    cache_dir = work / "cache"
    try:
        start = run_child(ROOT, data, url, str(cache_dir))
        bundle = work / "example-bundle.json"
        bundle.write_bytes(example_bundle())
        t0 = time.perf_counter()
        env = _env() | {"PARLEY_STORE_URL": url, "PARLEY_DATA_DIR": str(data)}
        said = subprocess.run(
            [sys.executable, "-m", "parley", "import", str(bundle), "--yes"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        imported_in = time.perf_counter() - t0
        corrected = subprocess.run(
            [sys.executable, "-c", CORRECT, str(ROOT), str(data), url],
            capture_output=True,
            text=True,
            check=True,
            env=_env(),
        ).stdout.strip()
        results: dict[str, list[dict]] = {v: [] for v in VARIANTS}
        for _ in range(repeats):
            results["before"].append(run_child(before_root, data, url, "off"))
            results["full"].append(run_child(ROOT, data, url, "off"))
            drop_built(cache_dir)
            results["incremental"].append(run_child(ROOT, data, url, str(cache_dir)))
        best = {v: min(runs, key=lambda r: r["total"]) for v, runs in results.items()}
        report(label, data, start, imported_in, said, corrected, best, repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _seconds(result: dict, stage: str) -> float:
    if stage == "total":
        return result["total"]
    if stage == "total - save":  # like for like: the incremental load also writes the built tables for next time
        return result["total"] - result["stages"].get("save", 0.0)
    return result["stages"].get(stage, 0.0)


def report(
    label: str, data: Path, start: dict, imported_in: float, said: str, corrected: str, best: dict, repeats: int
) -> None:
    first = best["before"]
    print(f"\n== {label}: {data} ({first['positions']:,} positions, {first['imported']} imported) ==")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; best of {repeats} fresh processes each")
    print(
        f"first start with the empty store (writes the bundled stage): {start['total']:.2f} s, stages "
        + ", ".join(f"{k} {v:.2f}" for k, v in start["stages"].items() if k != "end")
    )
    print(f"import of the example bundle (CLI, a new process): {imported_in:.1f} s: {said.strip().splitlines()[-1]}")
    print(f"correction of a bundled position (batch, record): {corrected}")
    print(f"{'stage (s)':<14}" + "".join(f"{v:>13}" for v in VARIANTS) + f"{'before/incr':>13}")
    for stage in (*STAGES, "total", "total - save"):
        values = [_seconds(r, stage) for r in best.values()]
        if not any(values):
            continue
        ratio = f"{values[0] / values[2]:.1f}x" if values[2] >= 0.005 and values[0] > 0 else "-"
        print(f"{stage:<14}" + "".join(f"{v:>13.3f}" for v in values) + f"{ratio:>13}")
    rss = [r["rss_mb"] for r in best.values()]
    print(f"{'peak RSS (MB)':<14}" + "".join(f"{v:>13.0f}" for v in rss) + f"{rss[0] / rss[2]:>12.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scaled", type=Path, default=SCALED, help="the scaled data folder (about 1M positions)")
    parser.add_argument("--skip-scaled", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--before", default=BEFORE, help="the commit whose code is the 'before' column")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reload-bench-before-", dir="/tmp") as folder:
        before_root = old_code(args.before, Path(folder))
        print(f"before: parley/ at {args.before}; after: the working tree")
        bench("today", ROOT / "data", before_root, args.repeats)
        if not args.skip_scaled:
            if not args.scaled.is_dir():
                print(f"\n(no scaled folder at {args.scaled}: write one with benchmarks/scaled.py)")
            else:
                bench("scaled", args.scaled, before_root, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
