"""Server-side cost of a filter change at today's size, 100x and about 1M positions. Prints medians in ms.

The synthetic tables repeat the bundled records with new ids and dates spread over the same years, so the
mix of parties, issues and stances stays realistic.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import numpy as np
import pandas as pd

from parley.aggregate import count_by, latest_stances, newest_first, reactions_by_state, stance_moves
from parley.filters import Filters
from parley.geo import iso3_to_numeric
from parley.loading import DEFAULT_DATA_DIR, Dataset, build_dataset, load_dataset, read_raw_tables
from parley.views import apply_view

REPEATS = 7
FILTER = Filters(
    parties=("RUS", "UKR"), issues=("territory", "ceasefire"), start=date(2025, 1, 1), end=date(2025, 12, 31)
)


SCALED = {
    "talks": ("talk_id", ["start_date", "end_date"]),
    "talk_participants": (None, []),
    "agreed_items": ("item_id", []),
    "positions": ("position_id", ["date"]),
    "reactions": ("reaction_id", ["date"]),
}


def scaled_frames(factor: int) -> dict[str, pd.DataFrame]:
    """The raw tables with talks, participants, items, positions and reactions repeated `factor` times.

    Copy k gets ids suffixed `-k` (links follow) and its dates moved by a random number of days, so the result
    is as valid and as linked as the bundled data and goes through the same build as a real load."""
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
    base = load_dataset()
    load_ms = (time.perf_counter() - start) * 1000
    print(f"load + validate bundled data (first, cold): {load_ms:.0f} ms")
    print(f"load + validate bundled data (warm median):  {median_ms(load_dataset):.0f} ms")
    print(f"{'positions':>10} {'reactions':>10} {'talks':>7} | {'filter+aggregate (ms)':>22} | {'no filter (ms)':>14}")
    for factor in (1, 100, 1_000_000 // len(base.positions) + 1):
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
