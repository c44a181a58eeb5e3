"""The incremental rebuild after an import, undo or correction: the bundled raw frames come from their own cache
entry (checked once, alone), only the imported and corrected rows go through the per-cell rules, and the result is
the Dataset (or the problems) the full path gives from the CSV files."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from parley import cache, loading, validation
from parley import schema as s
from parley.corrections import commit_correction, preview_correction
from parley.importer import commit, preview_import, undo_batch
from parley.layers import BATCH_ID, CORRECTIONS_KEY, MAX_SLICED, _with_cells, layered
from parley.loading import TABLE_FIELDS, Dataset, load_dataset
from parley.store import Correction, Store
from parley.validation import DataValidationError
from tests.importing import csv_bytes, position
from tests.mini import write_mini

AN_HOUR_AGO_NS = 3_600 * 10**9


def _settled(path: Path) -> None:
    """Last written an hour ago, as data files on a server are: the cache keys them on size and mtime alone."""
    past = os.stat(path).st_mtime_ns - AN_HOUR_AGO_NS
    os.utime(path, ns=(past, past))


def _data(tmp_path: Path) -> Path:
    data = write_mini(tmp_path / "data")
    for path in data.iterdir():
        _settled(path)
    return data


def assert_same(a: Dataset, b: Dataset) -> None:
    for name in TABLE_FIELDS:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.labels == b.labels
    assert a.version == b.version


class Spy:
    """What the loads did: CSV reads, and for each validation the rows given the per-cell rules (None: all)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.csv_reads = 0
        self.checks: list[dict[str, np.ndarray] | None] = []
        read, validate = loading.read_raw_tables, loading.validate_frames

        def counted_read(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.csv_reads += 1
            return read(*args, **kwargs)

        def recorded_validate(frames, progress=None, rows=None):  # type: ignore[no-untyped-def]
            self.checks.append(None if rows is None else {k: v.tolist() for k, v in rows.items()})
            return validate(frames, progress, rows)

        monkeypatch.setattr(loading, "read_raw_tables", counted_read)
        monkeypatch.setattr(loading, "validate_frames", recorded_validate)

    def reset(self) -> None:
        self.csv_reads = 0
        self.checks.clear()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(monkeypatch)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.sqlite'}")


def _warm(data: Path, store: Store | None, where: Path) -> None:
    """A load that leaves the bundled stage's entry in the cache folder, then only that entry."""
    load_dataset(data, store, cache_dir=where)
    entries = [p.name for p in where.iterdir() if p.name.startswith(cache.BUNDLED_PREFIX)]
    assert len(entries) == 1, "the bundled stage is stored as its own entry"
    _drop_built(where)


def _drop_built(where: Path) -> None:
    """Forget the built tables (keep the bundled stage), so the next load rebuilds as after an import."""
    for path in where.iterdir():
        if not path.name.startswith(cache.BUNDLED_PREFIX):
            shutil.rmtree(path)


def _incremental(data: Path, store: Store | None, where: Path, spy: Spy) -> Dataset:
    spy.reset()
    dataset = load_dataset(data, store, cache_dir=where)
    assert spy.csv_reads == 0, "the bundled frames come from their cache entry, not the CSV files"
    return dataset


def _import(store: Store, data: Path, table: str, rows: list[dict[str, str]]) -> str:
    preview = preview_import([(f"{table}.csv", csv_bytes(table, rows))], store, data)
    assert preview.ok, [str(p) for p in preview.problems]
    return commit(preview, store, via="test").batch_id


def _position_row(data: Path, record_id: str) -> int:
    with (data / "positions.csv").open(encoding="utf-8", newline="") as handle:
        ids = [row["position_id"] for row in csv.DictReader(handle)]
    return ids.index(record_id)


def _n_positions(data: Path) -> int:
    with (data / "positions.csv").open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


# -- equal datasets ---------------------------------------------------------------------------------------------


def test_no_store_and_an_empty_store_rebuild_from_the_bundled_entry_without_checking_a_row(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    full = load_dataset(data, use_cache=False)
    assert_same(_incremental(data, None, where, spy), full)
    assert spy.checks == [], "nothing changed the checked bundled frames: nothing to check again"
    _drop_built(where)
    assert_same(_incremental(data, store, where, spy), full)
    assert spy.checks == []


def test_a_first_load_without_a_store_leaves_the_bundled_entry_the_first_import_reads(tmp_path, spy, monkeypatch):
    data, where = _data(tmp_path), tmp_path / "cache"
    cold = load_dataset(data, None, cache_dir=where)
    assert spy.csv_reads == 1
    assert spy.checks == [None], "every row checked once, alone: the load itself then checks none again"
    assert_same(cold, load_dataset(data, use_cache=False))
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(where))
    spy.reset()
    frames, problems, checked = loading.bundled_tables(data)  # what an import's preview, undo or correction reads
    assert spy.csv_reads == 0, "read from the entry the first load wrote, not from CSV"
    assert (problems, checked) == ([], True)
    raw, _ = loading.read_raw_tables(data)
    for name, frame in raw.items():
        pd.testing.assert_frame_equal(frames[name], frame, check_exact=True, obj=name)


def test_an_import_checks_only_the_imported_rows_cell_by_cell(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    _import(store, data, "positions", [position(i) for i in range(1, 4)])
    incremental = _incremental(data, store, where, spy)
    n = _n_positions(data)
    assert spy.checks[-1] is not None and spy.checks[-1]["positions"] == [n, n + 1, n + 2]
    assert all(rows == [] for name, rows in spy.checks[-1].items() if name != "positions")
    assert_same(incremental, load_dataset(data, store, use_cache=False))
    assert (incremental.positions["origin"] == "imported").sum() == 3


def test_a_correction_of_a_bundled_record_checks_that_row(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    preview = preview_correction("positions", "pos-0001", {"stance": "reject"}, store, data)
    assert preview.ok, [str(p) for p in preview.problems]
    commit_correction(preview, store)
    incremental = _incremental(data, store, where, spy)
    assert spy.checks[-1] is not None and spy.checks[-1]["positions"] == [_position_row(data, "pos-0001")]
    assert_same(incremental, load_dataset(data, store, use_cache=False))
    assert incremental.positions.set_index("position_id").loc["pos-0001", "stance"] == "reject"


def test_an_import_then_a_correction_of_the_imported_record(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    _import(store, data, "positions", [position(7)])
    preview = preview_correction("positions", "pos-00007", {"summary": "Said again, in other words."}, store, data)
    assert preview.ok, [str(p) for p in preview.problems]
    commit_correction(preview, store)
    incremental = _incremental(data, store, where, spy)
    assert spy.checks[-1] is not None and spy.checks[-1]["positions"] == [_n_positions(data)]
    assert_same(incremental, load_dataset(data, store, use_cache=False))


def test_an_undo_rebuilds_what_the_full_path_builds(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    first = _import(store, data, "positions", [position(1)])
    _import(store, data, "positions", [position(2)])
    undo_batch(store, first, data)
    incremental = _incremental(data, store, where, spy)
    assert_same(incremental, load_dataset(data, store, use_cache=False))
    assert set(incremental.positions.loc[incremental.positions["origin"] == "imported", "position_id"]) == {"pos-00002"}


def test_an_edited_bundled_file_misses_the_bundled_entry_and_is_checked_again(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    _import(store, data, "positions", [position(1)])
    path = data / "positions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("Withdrawal from four", "Withdrawal from five", 1))
    _settled(path)
    spy.reset()
    edited = load_dataset(data, store, cache_dir=where)
    assert spy.csv_reads == 1, "a changed bundled file is read again"
    assert spy.checks[0] is None, "and checked again in full, alone, before it is stored"
    assert edited.positions["summary"].str.startswith("Withdrawal from five").any()
    assert_same(edited, load_dataset(data, store, use_cache=False))
    assert len([p for p in where.iterdir() if p.name.startswith(cache.BUNDLED_PREFIX)]) == 2
    _drop_built(where)
    assert_same(_incremental(data, store, where, spy), edited)


def test_a_bundled_file_broken_after_caching_is_reported_as_the_full_path_reports_it(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    path = data / "positions.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2025-05-16", "2025-13-16", 1))
    _settled(path)
    with pytest.raises(DataValidationError) as full:
        load_dataset(data, store, use_cache=False)
    with pytest.raises(DataValidationError) as cached:
        load_dataset(data, store, cache_dir=where)
    assert cached.value.problems == full.value.problems
    assert [(p.column, p.value) for p in full.value.problems] == [("date", "2025-13-16")]
    assert len([p for p in where.iterdir() if p.name.startswith(cache.BUNDLED_PREFIX)]) == 1, (
        "bundled frames with a problem are never stored"
    )


# -- equal problems ---------------------------------------------------------------------------------------------


def _positions(*rows: dict[str, str]) -> pd.DataFrame:
    """Rows written to the store as they are, without the import's checks: a store an older release wrote."""
    return pd.DataFrame(list(rows)).reindex(columns=s.POSITIONS.column_names, fill_value="")


def _problems(data: Path, store: Store, where: Path | None) -> list:
    with pytest.raises(DataValidationError) as raised:
        if where is None:
            load_dataset(data, store, use_cache=False)
        else:
            load_dataset(data, store, cache_dir=where)
    return raised.value.problems


def test_a_bad_date_in_an_imported_row_is_reported_as_the_full_path_reports_it(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    rows = _positions(position(1), position(2, date="16/05/2025"))
    batch = store.write_batch({"positions": rows}, files=("positions.csv",), via="test").batch_id
    spy.reset()
    incremental = _problems(data, store, where)
    assert spy.csv_reads == 0 and spy.checks[-1] is not None
    assert incremental == _problems(data, store, None)
    assert [(p.file, p.row, p.column, p.value) for p in incremental] == [
        (f"positions.csv (imported record pos-00002, batch {batch})", None, "date", "16/05/2025")
    ]
    assert "day/month/year" in incremental[0].rule


def test_a_bad_value_in_a_corrected_bundled_row_is_reported_as_the_full_path_reports_it(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    fix = Correction("positions", "pos-0001", {"date": ("2025-05-16", "2025-02-30"), "stance": ("demand", "shout")})
    batch = store.write_batch({}, files=(), via="test", corrections=[fix]).batch_id
    spy.reset()
    incremental = _problems(data, store, where)
    assert spy.csv_reads == 0 and spy.checks[-1] is not None
    assert incremental == _problems(data, store, None)
    where_ = f"positions.csv (record pos-0001, corrected in batch {batch})"
    assert sorted((p.file, p.column, p.value) for p in incremental) == [
        (where_, "date", "2025-02-30"),
        (where_, "stance", "shout"),
    ]


def test_a_duplicate_id_names_the_bundled_row_and_the_imported_record(tmp_path, store, spy):
    """Rules over whole columns still see every row: the bundled row an imported id repeats breaks the rule too."""
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    rows = _positions(position(1, position_id="pos-0001"))
    batch = store.write_batch({"positions": rows}, files=("positions.csv",), via="test").batch_id
    incremental = _problems(data, store, where)
    assert incremental == _problems(data, store, None)
    assert [(p.file, p.row, p.rule) for p in incremental] == [
        ("positions.csv", _position_row(data, "pos-0001") + 2, "duplicate id: every id must be unique"),
        (f"positions.csv (imported record pos-0001, batch {batch})", None, "duplicate id: every id must be unique"),
    ]


def test_links_are_checked_over_every_row(tmp_path, store, spy):
    data, where = _data(tmp_path), tmp_path / "cache"
    _warm(data, store, where)
    rows = _positions(position(2, talk_id="no-such-talk"))
    store.write_batch({"positions": rows}, files=("positions.csv",), via="test")
    incremental = _problems(data, store, where)
    assert incremental == _problems(data, store, None)
    assert [(p.column, p.value) for p in incremental] == [("talk_id", "no-such-talk")]


# -- layered, vectorised ----------------------------------------------------------------------------------------


def _bundled(data: Path) -> dict[str, pd.DataFrame]:
    frames, problems = loading.read_raw_tables(data)
    assert not problems
    return frames


def _rows(table: str, rows: list[dict[str, str]], batch: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=s.TABLES_BY_NAME[table].column_names).astype(str)
    return frame.assign(**{BATCH_ID: batch})


def test_layered_drops_exact_copies_of_bundled_rows_only(mini_dir):
    bundled = _bundled(mini_dir)
    copy = bundled["positions"].iloc[1].to_dict()
    near = copy | {"summary": copy["summary"] + " (again)"}
    imported = {"positions": _rows("positions", [copy, near, position(9)], "b1")}
    layers = layered(bundled, imported)
    n = len(bundled["positions"])
    assert layers.batch_ids["positions"] == ["b1", "b1"]
    assert layers.frames["positions"]["summary"].iloc[n:].tolist() == [near["summary"], position(9)["summary"]]
    assert layers.changed_rows()["positions"].tolist() == [n, n + 1]
    assert bundled["positions"].shape[0] == n, "the bundled frame is not changed"


def test_layered_applies_corrections_in_order_to_the_first_row_with_the_id(mini_dir):
    bundled = _bundled(mini_dir)
    before = bundled["positions"].copy()
    at = _position_row(mini_dir, "pos-0002")
    corrections = pd.DataFrame(
        [
            ("positions", "pos-0002", '{"stance": ["demand", "reject"], "notes": ["", "first"]}', "c1"),
            ("positions", "pos-0002", '{"notes": ["first", "second"]}', "c2"),
            ("positions", "gone", '{"notes": ["", "x"]}', "c3"),
        ],
        columns=["table_name", "record_id", "changes", BATCH_ID],
    )
    layers = layered(bundled, {CORRECTIONS_KEY: corrections})
    row = layers.frames["positions"].iloc[at]
    assert (row["stance"], row["notes"]) == ("reject", "second")
    assert layers.corrected == {"positions": {"pos-0002": "c2"}}
    assert [p.value for p in layers.dangling] == ["gone"]
    assert layers.changed_rows()["positions"].tolist() == [at]
    pd.testing.assert_frame_equal(bundled["positions"], before)  # never changed in place
    unchanged = layers.frames["positions"].drop(index=at)
    pd.testing.assert_frame_equal(unchanged, before.drop(index=at))
    assert layers.frames["positions"].dtypes.equals(before.dtypes)


@pytest.mark.parametrize("n_cells", [1, 3, MAX_SLICED + 1])
def test_a_corrected_column_equals_one_set_cell_by_cell(n_cells):
    column = _bundled(loading.DEFAULT_DATA_DIR)["positions"]["summary"]
    assert len(column) > n_cells
    at = sorted({0, len(column) - 1, *range(1, len(column), max(1, len(column) // n_cells))})[:n_cells]
    cells = {i: f"corrected {i}" for i in at}
    expected = column.copy()
    for i, value in cells.items():
        expected.iloc[i] = value
    corrected = _with_cells(column, cells)
    pd.testing.assert_series_equal(corrected, expected, check_exact=True)
    assert not column.str.startswith("corrected ").any(), "the old column is left as it was"


def test_rows_taken_chunk_by_chunk_equal_iloc(mini_dir):
    """The rows the per-cell rules see are taken from each Arrow chunk (bundled, imported, corrected slices)."""
    bundled = _bundled(mini_dir)
    corrections = pd.DataFrame(
        [("positions", "pos-0002", '{"notes": ["", "corrected"]}', "c1")],
        columns=["table_name", "record_id", "changes", BATCH_ID],
    )
    imported = {"positions": _rows("positions", [position(8), position(9)], "b1"), CORRECTIONS_KEY: corrections}
    frame = layered(bundled, imported).frames["positions"]
    n = len(frame)
    for rows in ([], [0], [1, n - 1], list(range(n)), [n - 2, n - 1]):
        at = np.array(rows, dtype=np.int64)
        pd.testing.assert_frame_equal(validation._rows(frame, at), frame.iloc[at], check_exact=True)
