"""Scaled copies of the bundled data, as frames or as a data folder the real app loads (PARLEY_DATA_DIR).

Positions and reactions are repeated `factor` times; talks, their participants and agreed items only about
factor**0.4 times, so a million positions sit on a couple of thousand rounds, as in a real record where many
statements follow each round. Every repeated record keeps valid links: a copied position or reaction that named a
round points at one of the copied rounds (spread evenly), and dates move by a random number of days that never
leaves the bundled data's date span. The result passes the app's full validation.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from parley import schema as s
from parley.loading import DEFAULT_DATA_DIR, read_raw_tables

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / ".parley" / "bench"
# Bump when the way copies are made changes, so cached folders are rebuilt.
BUILDER_VERSION = "2"
BUNDLED_POSITIONS = 78  # only used to name sizes before the data is read; the real count is read from the files


@dataclass(frozen=True)
class Size:
    name: str
    factor: int

    @property
    def talk_factor(self) -> int:
        return talk_factor(self.factor)


def talk_factor(factor: int) -> int:
    """Rounds grow far slower than statements about them: ~6x at 100x, ~44x at 1M positions."""
    return 1 if factor <= 1 else max(2, round(factor**0.4))


def million_factor() -> int:
    frames, problems = read_raw_tables(DEFAULT_DATA_DIR)
    assert not problems, problems
    return 1_000_000 // len(frames["positions"]) + 1


def sizes() -> dict[str, Size]:
    return {"today": Size("today", 1), "100x": Size("100x", 100), "1M": Size("1M", million_factor())}


def _shift(dates: pd.Series, days: np.ndarray, lo: pd.Timestamp, hi: pd.Timestamp) -> np.ndarray:
    """Days to add to each date: the drawn shift, mirrored when it would leave [lo, hi], none if both would."""
    parsed = pd.to_datetime(dates, format="%Y-%m-%d")
    delta = pd.to_timedelta(days, unit="D")
    forward, backward = parsed + delta, parsed - delta
    ok_forward = ((forward >= lo) & (forward <= hi)).to_numpy()
    ok_backward = ((backward >= lo) & (backward <= hi)).to_numpy()
    return np.where(ok_forward, days, np.where(ok_backward, -days, 0))


def _moved(dates: pd.Series, days: np.ndarray) -> pd.Series:
    parsed = pd.to_datetime(dates, format="%Y-%m-%d")
    return (parsed + pd.to_timedelta(days, unit="D")).dt.strftime("%Y-%m-%d").astype(object)


def _suffix(copy: np.ndarray) -> np.ndarray:
    return np.where(copy == 0, "", np.char.add("-", copy.astype(str))).astype(object)


def _tiled(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    return pd.DataFrame({c: np.tile(frame[c].to_numpy(dtype=object), times) for c in frame.columns})


def _with_suffix(column: pd.Series, suffix: np.ndarray) -> pd.Series:
    values = column.to_numpy(dtype=object)
    return pd.Series(np.where(values == "", "", values + suffix), dtype=object)


def scaled_frames(factor: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The raw (all-text) tables at `factor` times today's positions and reactions; see the module docstring."""
    frames, problems = read_raw_tables(DEFAULT_DATA_DIR)
    assert not problems, problems
    if factor <= 1:
        return frames
    rng = np.random.default_rng(seed)
    rounds = talk_factor(factor)
    all_dates = pd.to_datetime(
        pd.concat([frames["talks"]["start_date"], frames["positions"]["date"], frames["reactions"]["date"]]),
        format="%Y-%m-%d",
    )
    lo, hi = all_dates.min(), all_dates.max()
    round_days = rng.integers(0, 300, rounds)
    round_days[0] = 0  # copy 0 is the bundled record itself
    out = dict(frames)

    talks = frames["talks"]
    copy = np.repeat(np.arange(rounds), len(talks))
    big = _tiled(talks, rounds)
    days = _shift(big["start_date"], round_days[copy], lo, hi)
    big["talk_id"] = _with_suffix(big["talk_id"], _suffix(copy))
    big["start_date"], big["end_date"] = _moved(big["start_date"], days), _moved(big["end_date"], days)
    out["talks"] = big

    for name in ("talk_participants", "agreed_items"):
        frame = frames[name]
        copy = np.repeat(np.arange(rounds), len(frame))
        big = _tiled(frame, rounds)
        big["talk_id"] = _with_suffix(big["talk_id"], _suffix(copy))
        if name == "agreed_items":
            big["item_id"] = _with_suffix(big["item_id"], _suffix(copy))
        out[name] = big

    for name, key in (("positions", "position_id"), ("reactions", "reaction_id")):
        frame = frames[name]
        copy = np.repeat(np.arange(factor), len(frame))
        big = _tiled(frame, factor)
        big[key] = _with_suffix(big[key], _suffix(copy))
        # Statements cluster around the round they follow: the round's shift plus up to a month either way.
        linked = copy % rounds
        big["talk_id"] = _with_suffix(big["talk_id"], _suffix(linked))
        jitter = rng.integers(-30, 31, factor)[copy]
        jitter[copy == 0] = 0
        days = _shift(big["date"], np.abs(round_days[linked] + jitter), lo, hi)
        big["date"] = _moved(big["date"], days)
        out[name] = big
    return out


def _digest(factor: int) -> str:
    h = hashlib.sha256(f"{BUILDER_VERSION}|{factor}|{talk_factor(factor)}".encode())
    for path in sorted(DEFAULT_DATA_DIR.iterdir()):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.table({c: pa.array(frame[c].to_numpy(dtype=object), type=pa.string()) for c in frame.columns})
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def write_dataset(factor: int, directory: Path) -> None:
    """Write the scaled tables as CSV files plus the bundled data's other files (VERSION, README, CHANGELOG)."""
    directory.mkdir(parents=True, exist_ok=True)
    for path in DEFAULT_DATA_DIR.iterdir():
        if path.is_file():
            shutil.copy2(path, directory / path.name)
    frames = scaled_frames(factor)
    for table in s.TABLES:
        frame = frames[table.name]
        _write_csv(frame, directory / table.file)
    version = (DEFAULT_DATA_DIR / "VERSION").read_text(encoding="utf-8").strip()
    (directory / "VERSION").write_text(f"{version}+bench{factor}x\n", encoding="utf-8")


def data_dir(factor: int, cache: Path = CACHE_DIR) -> Path:
    """A folder holding the dataset at `factor`, built once and reused while the bundled data is unchanged.

    Today's size is the bundled folder itself."""
    if factor <= 1:
        return DEFAULT_DATA_DIR
    target = cache / f"x{factor}-{_digest(factor)}"
    if target.is_dir():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    for stale in cache.glob(f"x{factor}-*"):
        if stale.is_dir() and not stale.name.endswith(".tmp"):
            shutil.rmtree(stale, ignore_errors=True)
    # Built beside the target and renamed into place, so a reader never sees half a folder.
    tmp = Path(tempfile.mkdtemp(prefix=f"x{factor}-", suffix=".tmp", dir=cache))
    try:
        write_dataset(factor, tmp)
        os.replace(tmp, target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
