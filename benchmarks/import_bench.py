"""Cost of the checks every load and import goes through, at about a million positions, and of hostile inputs.

Prints seconds for:
(a) validate_table on every table plus validate_links, on the bundled tables repeated to about 1M positions;
(b) a JSON bundle whose one object has N keys, and a CSV file whose header has N columns (default N = 100,000).

    .venv/bin/python benchmarks/import_bench.py [--positions 1000000] [--n 100000] [--skip-validation]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import pandas as pd

from parley import import_bundle, import_csv
from parley import schema as s
from parley.importer import parse_bundle, parse_csv
from parley.loading import DEFAULT_DATA_DIR, read_raw_tables
from parley.validation import codes_from, validate_links, validate_table

SCALED = {
    "talks": ("talk_id", ["start_date", "end_date"]),
    "talk_participants": (None, []),
    "agreed_items": ("item_id", []),
    "positions": ("position_id", ["date"]),
    "reactions": ("reaction_id", ["date"]),
}


def scaled_frames(factor: int) -> dict[str, pd.DataFrame]:
    """The raw tables with talks, participants, items, positions and reactions repeated `factor` times.

    Copy k gets ids suffixed `-k` (links follow) and its dates moved by a random number of days, so the result is as
    valid and as linked as the bundled data: validation finds nothing and has to look at every cell."""
    frames, problems = read_raw_tables(DEFAULT_DATA_DIR)
    assert not problems, problems
    rng = np.random.default_rng(7)
    shift_days = rng.integers(-300, 300, factor)
    out = dict(frames)
    for name, (key, date_columns) in SCALED.items():
        frame = frames[name]
        copy = np.repeat(np.arange(factor), len(frame))
        big = pd.DataFrame({c: np.tile(frame[c].to_numpy(dtype=object), factor) for c in frame.columns})
        suffix = pd.Series(np.where(copy == 0, "", "-" + copy.astype(str)), dtype=object)
        for column in {c for c in (key, "talk_id") if c and c in big.columns}:
            big[column] = big[column].where(big[column] == "", big[column] + suffix)
        for column in date_columns:
            moved = pd.to_datetime(big[column]) + pd.to_timedelta(shift_days[copy], unit="D")
            big[column] = moved.clip(upper=pd.Timestamp(date.today())).dt.strftime("%Y-%m-%d")
        out[name] = big.astype(str)
    return out


def bench_validation(positions: int) -> None:
    frames, _ = read_raw_tables(DEFAULT_DATA_DIR)
    factor = max(1, -(-positions // len(frames["positions"])))
    start = time.perf_counter()
    big = scaled_frames(factor)
    print(
        f"built {factor}x the bundled data in {time.perf_counter() - start:.1f} s: "
        + ", ".join(f"{name} {len(big[name]):,}" for name in SCALED)
    )
    codes = codes_from(big["codebook"], big["issues"])
    cpu = time.process_time()
    total = 0.0
    found = 0
    for table in s.TABLES:
        start = time.perf_counter()
        found += len(validate_table(table, big[table.name], codes))
        took = time.perf_counter() - start
        total += took
        print(f"  validate_table {table.name:<18} {len(big[table.name]):>10,} rows  {took:7.2f} s")
    start = time.perf_counter()
    found += len(validate_links(big))
    took = time.perf_counter() - start
    total += took
    print(f"  validate_links {'':<18} {'':>10}       {took:7.2f} s")
    cpu = time.process_time() - cpu
    print(
        f"validate_table + validate_links at {len(big['positions']):,} positions: {total:.2f} s wall, {cpu:.2f} s CPU "
        f"({found} problems)"
    )


def bench_limits(n: int) -> None:
    """Each hostile input as the importer sees it (refused at the cap), then with the caps lifted, which times the
    duplicate-key and duplicate-column checks themselves (linear now; quadratic before). The last key and the last
    column are repeated, so those checks see every name and stop the parse before pandas would build a frame."""
    # The caps are read from the modules that apply them (the JSON bundle reader and the CSV reader).
    caps = (import_bundle.MAX_JSON_KEYS, import_csv.MAX_CSV_COLUMNS)
    for label in ("with the caps", "caps lifted"):
        if label == "caps lifted":
            import_bundle.MAX_JSON_KEYS = import_csv.MAX_CSV_COLUMNS = 10**9
        print(f"[{label}]")
        _hostile(n)
    import_bundle.MAX_JSON_KEYS, import_csv.MAX_CSV_COLUMNS = caps


def _hostile(n: int) -> None:
    keys = [f'"k{i}": {i}' for i in range(n)] + [f'"k{n - 1}": 0']
    raw = ('{"format": "parley-article-bundle/1", "source": {' + ", ".join(keys) + "}}").encode()
    start = time.perf_counter()
    _, problems = parse_bundle("wide.json", raw)
    took = time.perf_counter() - start
    print(f"  JSON object with {n:,} keys ({len(raw) / 1e6:.1f} MB): {took:.2f} s -> {problems[0].rule[:80]!r}")

    names = [f"c{i}" for i in range(n)] + [f"c{n - 1}"]
    raw = (",".join(names) + "\n" + ",".join("x" for _ in names) + "\n").encode()
    start = time.perf_counter()
    _, problems = parse_csv("positions.csv", s.TABLES_BY_NAME["positions"], raw)
    took = time.perf_counter() - start
    rule = problems[0].rule[:80] if problems else "(accepted by the parser)"
    print(f"  CSV header with {n:,} columns ({len(raw) / 1e6:.1f} MB): {took:.2f} s -> {rule!r}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--positions", type=int, default=1_000_000)
    p.add_argument("--n", type=int, nargs="+", default=[100_000], help="keys / columns for the hostile inputs")
    p.add_argument("--skip-validation", action="store_true")
    p.add_argument("--skip-limits", action="store_true")
    args = p.parse_args()
    if not args.skip_validation:
        bench_validation(args.positions)
    if not args.skip_limits:
        for n in args.n:
            bench_limits(n)


if __name__ == "__main__":
    main()
