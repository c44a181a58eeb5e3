"""The on-disk copy of the built Dataset: a hit equals a fresh build, and any change or damage means a rebuild."""

from __future__ import annotations

import csv
import gc
import os
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from parley import cache, loading
from parley.loading import TABLE_FIELDS, Dataset, load_dataset
from parley.store import Store
from tests.mini import write_mini

AN_HOUR_AGO_NS = 3_600 * 10**9


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts real builds: a cache hit must not build."""
    calls: list[int] = []
    real = loading.build_frames

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(loading, "build_frames", counted)
    return calls


def _settled(directory: Path) -> Path:
    """Files last written an hour ago, as data files on a server are: keyed on size and mtime alone."""
    past = os.stat(directory).st_mtime_ns - AN_HOUR_AGO_NS
    for path in directory.iterdir():
        os.utime(path, ns=(past, past))
    return directory


def _data(tmp_path: Path) -> Path:
    return _settled(write_mini(tmp_path / "data"))


def assert_same(a: Dataset, b: Dataset) -> None:
    for name in TABLE_FIELDS:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.labels == b.labels
    assert a.version == b.version


def _built_entries(where: Path) -> list[Path]:
    """The entries of built Datasets, not the bundled stage's."""
    return [p for p in where.iterdir() if not p.name.startswith((".", cache.BUNDLED_PREFIX))]


def _edit_cell(path: Path, column: str, value: str) -> None:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0][column] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_second_load_is_a_hit_equal_to_a_fresh_build(tmp_path, builds):
    data, where = _data(tmp_path), tmp_path / "cache"
    first = load_dataset(data, cache_dir=where)
    second = load_dataset(data, cache_dir=where)
    assert len(builds) == 1
    assert_same(first, second)
    assert_same(load_dataset(data, use_cache=False), second)
    assert second.positions["actor_id"].dtype == "category"
    assert list(second.positions["stance"].cat.categories) == list(first.positions["stance"].cat.categories)


def test_bundled_data_round_trips(tmp_path, builds):
    load_dataset(cache_dir=tmp_path)
    assert_same(load_dataset(use_cache=False), load_dataset(cache_dir=tmp_path))
    assert len(builds) == 2


def test_an_edited_cell_misses(tmp_path, builds):
    data, where = _data(tmp_path), tmp_path / "cache"
    load_dataset(data, cache_dir=where)
    _edit_cell(data / "positions.csv", "summary", "An edited summary.")
    edited = load_dataset(data, cache_dir=where)
    assert len(builds) == 2
    assert edited.positions["summary"].eq("An edited summary.").any()


def test_an_edit_settled_long_ago_misses_on_size_and_mtime(tmp_path, builds):
    data, where = _data(tmp_path), tmp_path / "cache"
    load_dataset(data, cache_dir=where)
    _edit_cell(data / "positions.csv", "summary", "An edited summary.")
    past = (data / "positions.csv").stat().st_mtime_ns - 2 * AN_HOUR_AGO_NS
    os.utime(data / "positions.csv", ns=(past, past))
    edited = load_dataset(data, cache_dir=where)
    assert len(builds) == 2
    assert edited.positions["summary"].eq("An edited summary.").any()


def test_an_edit_keeping_size_and_mtime_misses_while_the_file_is_fresh(tmp_path, builds):
    """Written twice within the file system's timestamp granularity: size and mtime alone cannot tell."""
    data, where = write_mini(tmp_path / "data"), tmp_path / "cache"
    path = data / "positions.csv"
    load_dataset(data, cache_dir=where)
    before = path.stat()
    path.write_bytes(path.read_bytes().replace(b"pos-0001", b"pos-0009", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    reloaded = load_dataset(data, cache_dir=where)
    assert len(builds) == 2
    assert "pos-0009" in set(reloaded.positions["position_id"])


def test_a_new_store_revision_misses(tmp_path, builds):
    data, where = _data(tmp_path), tmp_path / "cache"
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    load_dataset(data, store, cache_dir=where)
    load_dataset(data, store, cache_dir=where)
    assert len(builds) == 1

    class Bumped:
        def revision(self) -> str:
            return "another:1"

        def imported_rows(self) -> dict[str, pd.DataFrame]:
            return store.imported_rows()

    load_dataset(data, Bumped(), cache_dir=where)  # type: ignore[arg-type]
    assert len(builds) == 2


def test_new_building_code_misses(tmp_path, builds, monkeypatch):
    data, where = _data(tmp_path), tmp_path / "cache"
    load_dataset(data, cache_dir=where)
    monkeypatch.setattr(cache, "_code_digest", lambda: "other code")
    load_dataset(data, cache_dir=where)
    assert len(builds) == 2


@pytest.mark.parametrize("damage", ["truncate", "garbage", "meta", "delete"])
def test_a_damaged_entry_is_rebuilt_silently(tmp_path, builds, damage):
    data, where = _data(tmp_path), tmp_path / "cache"
    load_dataset(data, cache_dir=where)
    # Compared with a build of its own: the dataset just loaded maps the file damaged in place below.
    fresh = load_dataset(data, use_cache=False)
    (entry,) = _built_entries(where)
    target = entry / ("meta.json" if damage == "meta" else "positions" + cache.SUFFIX)
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:100])
    elif damage == "delete":
        target.unlink()
    else:
        target.write_bytes(b"\x00not what was written")
    rebuilt = load_dataset(data, cache_dir=where)
    assert len(builds) == 3
    assert_same(fresh, rebuilt)
    load_dataset(data, cache_dir=where)
    assert len(builds) == 3, "the rebuilt entry is written again and used"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through read-only permissions")
def test_a_read_only_cache_folder_still_loads_without_root(tmp_path, builds):
    data, where = _data(tmp_path), tmp_path / "cache"
    where.mkdir()
    where.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        load_dataset(data, cache_dir=where)
        load_dataset(data, cache_dir=where)
    finally:
        where.chmod(stat.S_IRWXU)
    assert len(builds) == 2


def test_an_unwritable_cache_location_still_loads(tmp_path, builds):
    data = _data(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    first = load_dataset(data, cache_dir=blocker / "cache")  # a folder cannot be made under a file, even as root
    second = load_dataset(data, cache_dir=blocker / "cache")
    assert len(builds) == 2
    assert_same(first, second)


def test_the_environment_chooses_or_disables_the_folder(tmp_path, monkeypatch, builds):
    data, where = _data(tmp_path), tmp_path / "from-env"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(where))
    load_dataset(data)
    assert [p.name for p in where.iterdir() if not p.name.startswith(".")]
    monkeypatch.setenv(cache.CACHE_DIR_ENV, "off")
    load_dataset(data)
    assert len(builds) == 2


def _texts(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "summary": pd.Series([f"statement {i} on the ceasefire line, as reported" for i in range(n)], dtype="str"),
            "actor_id": pd.Categorical([("RUS", "UKR", "USA")[i % 3] for i in range(n)]),
            "n_sources": range(n),
        }
    )


def test_text_read_from_an_entry_is_mapped_not_copied(tmp_path):
    frame = _texts(200_000)
    text_bytes = frame["summary"].str.len().sum()
    assert cache.write(tmp_path, "k", {"t": frame}, {})
    before = pa.total_allocated_bytes()
    (tables, _) = cache.read(tmp_path, "k")
    allocated = pa.total_allocated_bytes() - before
    assert allocated < text_bytes / 4, "the text stays in the file: nothing decompressed or copied into memory"
    pd.testing.assert_frame_equal(tables["t"], frame, check_exact=True)


def _mappings_of(path: Path) -> int:
    return sum(line.rstrip("\n").endswith(str(path)) for line in Path("/proc/self/maps").open())


@pytest.mark.skipif(not Path("/proc/self/maps").exists(), reason="reads the process's mappings from /proc")
def test_a_text_column_let_go_takes_its_mapping_with_it(tmp_path):
    texts = [f"statement {i} on the ceasefire line" for i in range(10_000)]
    frame = pd.DataFrame({"summary": texts, "notes": texts[::-1]}, dtype="str")
    assert cache.write(tmp_path, "k", {"t": frame}, {})
    (tables, _) = cache.read(tmp_path, "k")
    path = (tmp_path / "k" / f"t{cache.SUFFIX}").resolve()
    assert _mappings_of(path) == 2, "one mapping per text column"
    del tables["t"]["summary"]
    gc.collect()
    assert _mappings_of(path) == 1, "the pages of a column a build replaced leave with it, not with the last column"
    pd.testing.assert_series_equal(tables["t"]["notes"], frame["notes"], check_exact=True)


def test_an_entry_removed_or_replaced_while_read_leaves_the_tables_read_intact(tmp_path):
    frame = _texts(10_000)
    assert cache.write(tmp_path, "k", {"t": frame}, {})
    (tables, _) = cache.read(tmp_path, "k")
    for n in range(cache.KEEP + 1):  # newer entries evict it
        assert cache.write(tmp_path, f"newer-{n}", {"t": frame.iloc[::-1]}, {})
    assert not (tmp_path / "k").exists()
    assert cache.read(tmp_path, "k") is None
    pd.testing.assert_frame_equal(tables["t"], frame, check_exact=True)
    assert cache.write(tmp_path, "k", {"t": frame.iloc[:5]}, {}), "a new entry under the same key"
    pd.testing.assert_frame_equal(tables["t"], frame, check_exact=True)


def test_only_the_most_recent_entries_are_kept(tmp_path):
    data, where = _data(tmp_path), tmp_path / "cache"
    for revision in range(cache.KEEP + 2):
        store_like = _FixedRevision(f"r:{revision}")
        load_dataset(data, store_like, cache_dir=where)  # type: ignore[arg-type]
    assert len([p for p in where.iterdir() if not p.name.startswith(".")]) == cache.KEEP


class _FixedRevision:
    def __init__(self, revision: str):
        self._revision = revision

    def revision(self) -> str:
        return self._revision

    def imported_rows(self) -> dict[str, pd.DataFrame]:
        return {}


def _progress_of(data: Path, where: Path) -> list[tuple[float, str]]:
    calls: list[tuple[float, str]] = []
    load_dataset(data, cache_dir=where, progress=lambda fraction, text: calls.append((fraction, text)))
    return calls


@pytest.mark.parametrize("from_cache", [False, True])
def test_progress_rises_to_one(tmp_path, from_cache):
    data, where = _data(tmp_path), tmp_path / "cache"
    if from_cache:
        load_dataset(data, cache_dir=where)
    calls = _progress_of(data, where)
    fractions = [fraction for fraction, _ in calls]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0 and 0.0 <= fractions[0] < 1.0
    assert all(text for _, text in calls)
    if not from_cache:
        assert len(set(fractions)) >= 5, "each stage reports"
        stages = " ".join(text for _, text in calls)
        for word in ("Reading", "Checking", "Saving"):
            assert word in stages


def test_unreadable_code_source_means_no_cache(tmp_path, builds, monkeypatch):
    def unreadable() -> str:
        raise OSError("no sources installed")

    data, where = _data(tmp_path), tmp_path / "cache"
    monkeypatch.setattr(cache, "_code_digest", unreadable)
    load_dataset(data, cache_dir=where)
    load_dataset(data, cache_dir=where)
    assert len(builds) == 2
    assert not where.exists()
