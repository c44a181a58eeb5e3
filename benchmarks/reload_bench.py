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

With --what imports (or all): what the import side costs, the same two data folders, a throwaway store each, each
step in a fresh Python process (its time from the call to its return, its peak RSS the whole process's), for
  - before: parley/ at --import-before (default: the commit before the import read the checked bundled stage);
  - after:  the working tree, with the cache folder holding the bundled stage's entry (as after any app start
            with a store); "after, cold" once more with an empty cache folder (the entry read from CSV, checked
            alone and written, then used).
The steps, in this order on one store: preview_import of the example bundle; preview + commit (commit timed);
a correction of the first bundled position (preview, commit); undo_batch of that correction, then of the import;
then `python -m parley import --yes` and `python -m parley undo` of the same bundle, wall time of the whole process.

    .venv/bin/python benchmarks/reload_bench.py [--what reload|imports|all] [--scaled DIR] [--skip-scaled]
        [--repeats 2] [--before REV] [--import-before REV]
"""

from __future__ import annotations

import argparse
import csv
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

BENCH_DIR = ROOT / ".parley" / "bench"
# benchmarks/scaled.py names its folder after the bundled data it scaled: the newest one at a million positions.
SCALED = max(
    (p for p in BENCH_DIR.glob("x12821-*") if p.is_dir() and not p.name.endswith(".tmp")),
    key=lambda p: p.stat().st_mtime,
    default=BENCH_DIR / "x12821-missing",
)
BEFORE = "7304676"  # the last commit before the incremental rebuild
IMPORT_BEFORE = "79f0692"  # the last commit before the import, undo and corrections read the checked bundled stage
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


# One import-side step in a fresh process, the code under test first on sys.path.
IMPORT_STEP = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from parley.store import Store
step, data, url, argument = sys.argv[2], Path(sys.argv[3]), sys.argv[4], sys.argv[5]
store = Store(url)
out = {}
start = time.perf_counter()
if step in ("preview", "commit"):
    from parley.importer import commit, preview_import
    bundle = Path(argument)
    preview = preview_import([(bundle.name, bundle.read_bytes())], store, data)
    out["preview import"] = time.perf_counter() - start
    assert preview.ok and preview.n_new, [str(p) for p in preview.problems][:5]
    if step == "commit":
        start = time.perf_counter()
        out["batch"] = commit(preview, store, via="bench").batch_id
        out["commit import"] = time.perf_counter() - start
elif step == "correct":
    from parley.corrections import commit_correction, preview_correction
    preview = preview_correction("positions", argument, {"notes": "Corrected by the import benchmark."}, store, data)
    out["preview correction"] = time.perf_counter() - start
    assert preview.ok, [str(p) for p in preview.problems][:5]
    start = time.perf_counter()
    out["batch"] = commit_correction(preview, store).batch_id
    out["commit correction"] = time.perf_counter() - start
else:
    from parley.importer import undo_batch
    undo_batch(store, argument, data)
    out[step] = time.perf_counter() - start
out["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""
IMPORT_ROWS = (
    "preview import",
    "commit import",
    "preview correction",
    "commit correction",
    "undo correction",
    "undo import",
    "CLI import",
    "CLI undo",
)
# The process each step ran in, whose peak RSS it is reported with (a commit's process previewed first).
PROCESS_OF = {
    "preview import": "preview",
    "commit import": "commit",
    "preview correction": "correct",
    "commit correction": "correct",
    "undo correction": "undo correction",
    "undo import": "undo import",
}


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
    into.mkdir(parents=True, exist_ok=True)
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


# -- the import side: preview, commit, correction, undo ------------------------------------------------------------


def import_step(code_root: Path, step: str, data: Path, url: str, argument: str, cache_dir: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_STEP, str(code_root), step, str(data), url, argument],
        capture_output=True,
        text=True,
        check=True,
        env=_env() | {"PARLEY_CACHE_DIR": cache_dir},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def cli_step(code_root: Path, args: list[str], data: Path, url: str, cache_dir: str) -> tuple[float, str]:
    """`python -m parley ...` run from `code_root` (so its parley/ is the one imported): wall seconds, output."""
    env = _env() | {"PARLEY_STORE_URL": url, "PARLEY_DATA_DIR": str(data), "PARLEY_CACHE_DIR": cache_dir}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "parley", *args], cwd=code_root, env=env, capture_output=True, text=True, check=True
    )
    return time.perf_counter() - start, out.stdout


def first_position(data: Path) -> str:
    with (data / "positions.csv").open(encoding="utf-8", newline="") as handle:
        return next(csv.DictReader(handle))["position_id"]


def import_round(code_root: Path, data: Path, url: str, bundle: Path, cache_dir: str) -> dict[str, tuple[float, float]]:
    """Every step once on the store `url`, which it leaves as it found it (both batches undone): step -> (s, MB)."""
    out: dict[str, tuple[float, float]] = {}
    ran = {step: import_step(code_root, step, data, url, str(bundle), cache_dir) for step in ("preview", "commit")}
    ran["correct"] = import_step(code_root, "correct", data, url, first_position(data), cache_dir)
    ran["undo correction"] = import_step(code_root, "undo correction", data, url, ran["correct"]["batch"], cache_dir)
    ran["undo import"] = import_step(code_root, "undo import", data, url, ran["commit"]["batch"], cache_dir)
    for name, process in PROCESS_OF.items():
        out[name] = (ran[process][name], ran[process]["rss_mb"])
    seconds, said = cli_step(code_root, ["import", str(bundle), "--yes"], data, url, cache_dir)
    batch = said.split("python -m parley undo ")[-1].split()[0]
    out["CLI import"] = (seconds, float("nan"))
    out["CLI undo"] = (cli_step(code_root, ["undo", batch], data, url, cache_dir)[0], float("nan"))
    return out


def bench_imports(label: str, data: Path, before_root: Path, repeats: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="import-bench-", dir="/tmp"))
    url = f"sqlite:///{work / 'store.sqlite'}"
    warm, cold = work / "cache", work / "cold"
    try:
        bundle = work / "example-bundle.json"
        bundle.write_bytes(example_bundle())
        # The app's start with a store writes the bundled stage's entry; here written by the first read through it.
        start = time.perf_counter()
        import_step(ROOT, "preview", data, url, str(bundle), str(warm))
        first = time.perf_counter() - start
        runs: dict[str, list[dict[str, tuple[float, float]]]] = {"before": [], "after": []}
        colds = []
        for _ in range(repeats):
            runs["before"].append(import_round(before_root, data, url, bundle, "off"))
            runs["after"].append(import_round(ROOT, data, url, bundle, str(warm)))
            shutil.rmtree(cold, ignore_errors=True)
            colds.append(import_step(ROOT, "preview", data, url, str(bundle), str(cold)))
        n = sum(1 for _ in (data / "positions.csv").open("rb")) - 1
        print(f"\n== imports, {label}: {data} (about {n:,} positions) ==")
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; best of {repeats} runs each")
        print(f"first preview through the bundled stage (writes its entry, a process of its own): {first:.2f} s")
        best = {
            v: {row: min((r[row] for r in rs), key=lambda x: x[0]) for row in IMPORT_ROWS} for v, rs in runs.items()
        }
        cold_best = min(colds, key=lambda r: r["preview import"])
        print(f"{'step':<20}{'before s':>10}{'after s':>10}{'ratio':>8}{'before MB':>11}{'after MB':>10}")
        for row in IMPORT_ROWS:
            (b, b_mb), (a, a_mb) = best["before"][row], best["after"][row]
            ratio = f"{b / a:.1f}x" if a >= 0.005 else "-"
            mb = f"{b_mb:>11.0f}{a_mb:>10.0f}" if b_mb == b_mb else f"{'-':>11}{'-':>10}"
            print(f"{row:<20}{b:>10.2f}{a:>10.2f}{ratio:>8}{mb}")
        print(
            f"{'preview, cold':<20}{'':>10}{cold_best['preview import']:>10.2f}{'':>8}{'':>11}"
            f"{cold_best['rss_mb']:>10.0f}   (after, no bundled entry yet: read, checked alone, written)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--what", choices=("reload", "imports", "all"), default="all")
    parser.add_argument("--scaled", type=Path, default=SCALED, help="the scaled data folder (about 1M positions)")
    parser.add_argument("--skip-scaled", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--before", default=BEFORE, help="the commit whose code is the reload's 'before' column")
    parser.add_argument("--import-before", default=IMPORT_BEFORE, help="the commit of the imports' 'before' column")
    args = parser.parse_args()
    folders = [("today", ROOT / "data")]
    if not args.skip_scaled:
        if args.scaled.is_dir():
            folders.append(("scaled", args.scaled))
        else:
            print(f"\n(no scaled folder at {args.scaled}: write one with benchmarks/scaled.py)")
    with tempfile.TemporaryDirectory(prefix="reload-bench-before-", dir="/tmp") as folder:
        if args.what in ("reload", "all"):
            before_root = old_code(args.before, Path(folder) / "reload")
            print(f"reload: before: parley/ at {args.before}; after: the working tree")
            for label, data in folders:
                bench(label, data, before_root, args.repeats)
        if args.what in ("imports", "all"):
            before_root = old_code(args.import_before, Path(folder) / "imports")
            print(f"\nimports: before: parley/ at {args.import_before}; after: the working tree")
            for label, data in folders:
                bench_imports(label, data, before_root, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
