"""Server-side cost of a filter change at today's size, 100x and about 1M positions. Prints medians in ms.

The synthetic tables repeat the bundled records with new ids and dates spread over the same years, so the
mix of parties, issues and stances stays realistic.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd

from parley.aggregate import count_by, latest_stances, reactions_by_state, stance_moves
from parley.filters import Filters
from parley.geo import iso3_to_numeric
from parley.loading import Dataset, load_dataset
from parley.views import apply_view

REPEATS = 7
FILTER = Filters(
    parties=("RUS", "UKR"), issues=("territory", "ceasefire"), start=date(2025, 1, 1), end=date(2025, 12, 31)
)


def scaled(ds: Dataset, factor: int) -> Dataset:
    """The dataset with positions, reactions and talks repeated `factor` times (dates jittered)."""
    rng = np.random.default_rng(7)

    def grow(frame: pd.DataFrame, key: str, date_columns: list[str]) -> pd.DataFrame:
        out = pd.concat([frame] * factor, ignore_index=True)
        copy = np.repeat(np.arange(factor), len(frame))
        out[key] = out[key] + "-" + copy.astype(str)
        shift = pd.to_timedelta(rng.integers(-300, 300, len(out)), unit="D")
        for column in date_columns:
            out[column] = out[column] + shift
        return out

    talks = grow(ds.talks, "talk_id", ["start_date", "end_date"])
    return replace(
        ds,
        positions=grow(ds.positions, "position_id", ["date"]),
        reactions=grow(ds.reactions, "reaction_id", ["date"]),
        talks=talks,
    )


def page_work(ds: Dataset, f: Filters) -> int:
    """What the Positions and Reactions pages compute after a filter change, up to the rows sent to the browser."""
    view = apply_view(ds, f)
    latest_stances(view.positions)
    stance_moves(view.positions)
    count_by(view.positions, "actor_id")
    reactions_by_state(view.reactions, iso3_to_numeric)
    shown = view.positions.sort_values("date", ascending=False).head(1000)
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
    base = load_dataset()
    load_ms = (time.perf_counter() - start) * 1000
    print(f"load + validate bundled data (first, cold): {load_ms:.0f} ms")
    print(f"load + validate bundled data (warm median):  {median_ms(load_dataset):.0f} ms")
    print(f"{'positions':>10} {'reactions':>10} {'talks':>7} | {'filter+aggregate (ms)':>22} | {'no filter (ms)':>14}")
    for factor in (1, 100, 1_000_000 // len(base.positions) + 1):
        ds = scaled(base, factor) if factor > 1 else base
        filtered = median_ms(lambda ds=ds: page_work(ds, FILTER))
        unfiltered = median_ms(lambda ds=ds: page_work(ds, Filters()))
        print(
            f"{len(ds.positions):>10,} {len(ds.reactions):>10,} {len(ds.talks):>7,} | {filtered:>22.1f} | "
            f"{unfiltered:>14.1f}"
        )


if __name__ == "__main__":
    main()
