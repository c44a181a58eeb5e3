"""The store: batches are all or nothing, survive a killed writer, queue or fail cleanly when two import at once."""

from __future__ import annotations

import signal

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parley import schema as s
from parley.importer import ImportRefused, commit, preview_import, undo_batch
from parley.store import EMPTY_REVISION, PAUSE_ENV, Store, StoreError
from tests.importing import (
    cli_env,
    csv_bytes,
    dump,
    position,
    positions_file,
    run_cli,
    sqlite_path,
    start_cli,
    wait_for,
)


@pytest.fixture
def spawn():
    """start_cli, and no writer outlives its test (a failed assertion must not leave one paused for minutes)."""
    started = []

    def start(*args, env):
        proc = start_cli(*args, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _import(store: Store, mini_dir, rows: list[dict[str, str]], name: str = "positions.csv"):
    preview = preview_import([(name, csv_bytes("positions", rows))], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    return commit(preview, store, via="test")


def test_reading_an_absent_store_creates_nothing(temp_store_url):
    store = Store(temp_store_url)
    assert store.revision() == EMPTY_REVISION
    frames = store.imported_frames()
    assert list(frames) == list(s.RECORD_TABLES)
    for name, frame in frames.items():
        assert list(frame.columns) == s.TABLES_BY_NAME[name].column_names and frame.empty
    assert store.batches().empty
    assert not sqlite_path(temp_store_url).exists()


def test_default_url_is_the_git_ignored_folder(monkeypatch):
    from parley.store import DEFAULT_STORE_PATH, STORE_URL_ENV, store_url

    monkeypatch.delenv(STORE_URL_ENV)
    assert store_url() == f"sqlite:///{DEFAULT_STORE_PATH}"
    assert DEFAULT_STORE_PATH.parent.name == ".parley"


def test_batch_is_written_listed_and_undone(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    batch = _import(store, mini_dir, [position(1), position(2)])
    rev = store.revision()
    frames = store.imported_frames()
    assert frames["positions"]["position_id"].tolist() == ["pos-00001", "pos-00002"]
    assert list(frames["positions"].columns) == s.TABLES_BY_NAME["positions"].column_names
    assert all(frames["positions"].dtypes == "str")
    listed = store.batches()
    assert listed["batch_id"].tolist() == [batch.batch_id]
    assert listed.loc[0, "n_records"] == 2 and listed.loc[0, "files"] == "positions.csv"
    assert listed.loc[0, "counts"] == "positions 2" and listed.loc[0, "undone_at"] == ""
    assert listed.loc[0, "imported_at"].endswith("+00:00")

    undone = store.undo(batch.batch_id)
    assert undone.undone_at and store.revision() != rev
    assert store.imported_frames()["positions"].empty
    assert store.batches().loc[0, "undone_at"] == undone.undone_at
    with pytest.raises(StoreError, match="already undone"):
        store.undo(batch.batch_id)
    with pytest.raises(StoreError, match="No import batch"):
        store.undo("no-such-batch")


def test_revision_changes_after_every_import_and_undo(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    seen = [store.revision()]
    first = _import(store, mini_dir, [position(1)])
    seen.append(store.revision())
    _import(store, mini_dir, [position(2)])
    seen.append(store.revision())
    store.undo(first.batch_id)
    seen.append(store.revision())
    assert len(set(seen)) == 4
    assert Store(temp_store_url).revision() == seen[-1]  # another process sees the same revision


def test_a_failing_write_leaves_nothing(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _import(store, mini_dir, [position(1)])
    before = dump(temp_store_url)
    duplicate = pd.DataFrame([position(2), position(1)])  # pos-00001 exists: the unique index refuses the 2nd row
    with pytest.raises(StoreError):
        store.write_batch({"positions": duplicate}, files=["x.csv"])
    assert dump(temp_store_url) == before


def test_a_refusing_recheck_leaves_nothing(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _import(store, mini_dir, [position(1)])
    before = dump(temp_store_url)

    def refuse(_current):
        raise ImportRefused("no")

    with pytest.raises(ImportRefused):
        store.write_batch(
            {"positions": pd.DataFrame([position(2)])}, files=["x.csv"], expect_revision="stale", recheck=refuse
        )
    assert dump(temp_store_url) == before


def test_undo_is_refused_while_a_later_batch_needs_the_records(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    talk = {
        "talk_id": "2025-07-23-istanbul",
        "process_id": "russia-ukraine",
        "title": "Istanbul round 3",
        "start_date": "2025-07-23",
        "end_date": "2025-07-23",
        "city": "Istanbul",
        "venue": "",
        "country_iso3": "TUR",
        "format": "direct_bilateral",
        "status": "held",
        "outcome": "Short meeting.",
        "confidence": "medium",
        "disputed": "false",
        "notes": "",
        "source_ids": "src-0000000001",
    }
    first = commit(preview_import([("talks.csv", csv_bytes("talks", [talk]))], store, mini_dir), store)
    _import(store, mini_dir, [position(1, talk_id="2025-07-23-istanbul")])
    before = dump(temp_store_url)
    with pytest.raises(ImportRefused) as info:
        undo_batch(store, first.batch_id, mini_dir)
    assert "cannot be undone" in str(info.value)
    assert any(p.column == "talk_id" and "pos-00001" in p.file for p in info.value.problems), info.value.problems
    assert dump(temp_store_url) == before


# -- killed and concurrent writers (real processes) ------------------------------------------------------------


def test_killing_the_writer_mid_import_leaves_the_store_exactly_as_before(tmp_path, temp_store_url, mini_dir, spawn):
    store = Store(temp_store_url)
    _import(store, mini_dir, [position(1)])
    before, revision = dump(temp_store_url), store.revision()
    big = positions_file(tmp_path, first=100, n=5000)
    assert big.stat().st_size > 500_000
    marker = tmp_path / "pause"
    proc = spawn("import", str(big), "--yes", env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(marker)}))
    done = wait_for(tmp_path / "pause.paused", proc)
    assert done == "inserted 5000 positions"  # the transaction is open and holds every row of the file
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert dump(temp_store_url) == before
    assert store.revision() == revision
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00001"]
    assert len(store.batches()) == 1
    _import(store, mini_dir, [position(2)])  # no lock is left behind
    assert len(store.batches()) == 2


def test_killing_the_writer_mid_undo_leaves_the_store_exactly_as_before(tmp_path, temp_store_url, mini_dir, spawn):
    store = Store(temp_store_url)
    batch = _import(store, mini_dir, [position(i) for i in range(1, 300)])
    before = dump(temp_store_url)
    marker = tmp_path / "pause"
    proc = spawn("undo", batch.batch_id, env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(marker)}))
    assert wait_for(tmp_path / "pause.paused", proc) == "deleted 299 positions"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert dump(temp_store_url) == before


def _release(tmp_path, proc, timeout: float = 90):
    (tmp_path / "pause.go").touch()
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_two_imports_at_once_both_land_one_after_the_other(tmp_path, temp_store_url, mini_dir, spawn):
    first = positions_file(tmp_path / "a", first=1000, n=400)
    second = positions_file(tmp_path / "b", first=2000, n=300)
    paused = spawn(
        "import", str(first), "--yes", env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(tmp_path / "pause")})
    )
    wait_for(tmp_path / "pause.paused", paused)  # the first holds the write lock, halfway through its batch
    other = spawn("import", str(second), "--yes", env=cli_env(temp_store_url, mini_dir))
    assert other.stdout is not None
    for line in other.stdout:  # the second has checked its file (against the store without the first) ...
        if line.startswith("New positions"):
            break
    code, out, err = _release(tmp_path, paused)  # ... and now waits for the lock while the first finishes
    assert code == 0, err
    out2, err2 = other.communicate(timeout=90)
    assert other.returncode == 0, err2

    store = Store(temp_store_url)
    batches = store.batches()
    assert sorted(batches["n_records"].tolist()) == [300, 400]
    rows = store.imported_rows()["positions"]
    assert len(rows) == 700
    for batch in batches.itertuples():  # each batch holds exactly its own file's records: no partial batch
        assert (rows["batch_id"] == batch.batch_id).sum() == batch.n_records


def test_second_import_fails_clearly_when_the_store_stays_busy(tmp_path, temp_store_url, mini_dir, spawn):
    first = positions_file(tmp_path / "a", first=1000, n=50)
    second = positions_file(tmp_path / "b", first=2000, n=50)
    paused = spawn(
        "import", str(first), "--yes", env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(tmp_path / "pause")})
    )
    wait_for(tmp_path / "pause.paused", paused)
    impatient = run_cli(
        "import", str(second), "--yes", env=cli_env(temp_store_url, mini_dir, PARLEY_STORE_BUSY_TIMEOUT="0.3")
    )
    assert impatient.returncode == 1
    assert "The store is busy" in impatient.stderr and "Nothing was written" in impatient.stderr
    code, _, err = _release(tmp_path, paused)
    assert code == 0, err
    store = Store(temp_store_url)
    assert store.batches()["n_records"].tolist() == [50]
    assert store.imported_frames()["positions"]["position_id"].str.startswith("pos-01").all()


def test_second_import_is_refused_when_the_first_changed_what_it_would_add(tmp_path, temp_store_url, mini_dir, spawn):
    first = positions_file(tmp_path / "a", first=1, n=20)
    clash = positions_file(tmp_path / "b", first=15, n=10, summary="A different reading of the same statement.")
    paused = spawn(
        "import", str(first), "--yes", env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(tmp_path / "pause")})
    )
    wait_for(tmp_path / "pause.paused", paused)
    other = spawn("import", str(clash), "--yes", env=cli_env(temp_store_url, mini_dir))
    assert other.stdout is not None
    for line in other.stdout:  # checked against the store without the first: no conflict yet
        if line.startswith("New positions"):
            break
    code, _, err = _release(tmp_path, paused)
    assert code == 0, err
    _, err2 = other.communicate(timeout=90)
    assert other.returncode == 1
    assert "Another import or undo landed" in err2 and "conflict" in err2

    store = Store(temp_store_url)
    assert store.batches()["n_records"].tolist() == [20]
    expected = pd.DataFrame([position(i) for i in range(1, 21)]).astype(str)
    assert_frame_equal(store.imported_frames()["positions"], expected, check_dtype=False)


def test_tests_never_use_the_real_store():
    from parley.store import DEFAULT_STORE_PATH, store_url

    assert str(DEFAULT_STORE_PATH) not in store_url()
