"""Server-side cost of a filter change at today's size, 100x and about 1M positions. Prints medians in ms.

The scaled tables come from benchmarks/scaled.py: positions and reactions repeated with new ids and dates spread
over the same years, on far fewer repeated rounds, so the mix of parties, issues and stances stays realistic.
The whole app (pages, bytes sent, memory) is measured by benchmarks/app_bench.py.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scaled import scaled_frames, sizes  # noqa: E402
from parley.aggregate import count_by, latest_stances, newest_first, reactions_by_state, stance_moves  # noqa: E402
from parley.building import build_dataset  # noqa: E402
from parley.filters import Filters  # noqa: E402
from parley.geo import iso3_to_numeric  # noqa: E402
from parley.loading import Dataset, load_dataset  # noqa: E402
from parley.views import apply_view  # noqa: E402

REPEATS = 7
FILTER = Filters(
    parties=("RUS", "UKR"), issues=("territory", "ceasefire"), start=date(2025, 1, 1), end=date(2025, 12, 31)
)


def page_work(ds: Dataset, f: Filters) -> int:
    """What the Positions and Reactions pages compute after a filter change, up to the rows sent to the browser."""
    view = apply_view(ds, f)
    latest_stances(view.positions)
    stance_moves(view.positions)
    count_by(view.positions, "actor_id")
    reactions_by_state(view.reactions, iso3_to_numeric)
    shown = newest_first(view.positions, "date").head(1000)
    return len(shown)


def median_ms(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    start = time.perf_counter()
    # Without the on-disk cache of built tables: this times reading and validating the CSV files.
    base = load_dataset(use_cache=False)
    load_ms = (time.perf_counter() - start) * 1000
    print(f"load + validate bundled data (first, cold): {load_ms:.0f} ms")
    print(f"load + validate bundled data (warm median):  {median_ms(lambda: load_dataset(use_cache=False)):.0f} ms")
    print(f"{'positions':>10} {'reactions':>10} {'talks':>7} | {'filter+aggregate (ms)':>22} | {'no filter (ms)':>14}")
    for factor in (size.factor for size in sizes().values()):
        start = time.perf_counter()
        ds = build_dataset(scaled_frames(factor), "bench") if factor > 1 else base
        if factor > 1:
            print(f"  (built {factor}x in {time.perf_counter() - start:.1f} s)")
        filtered = median_ms(lambda ds=ds: page_work(ds, FILTER))
        unfiltered = median_ms(lambda ds=ds: page_work(ds, Filters()))
        print(
            f"{len(ds.positions):>10,} {len(ds.reactions):>10,} {len(ds.talks):>7,} | {filtered:>22.1f} | "
            f"{unfiltered:>14.1f}"
        )


if __name__ == "__main__":
    main()
