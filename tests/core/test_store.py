"""The store: batches are all or nothing, survive a killed writer, queue or fail cleanly when two import at once;
a damaged, read-only, older or missing store is read as far as it can be and says what to do.

Every test runs against SQLite and a real PostgreSQL server (tests/pg.py), except those about SQLite files."""

from __future__ import annotations

import os
import signal

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parley import schema as s
from parley.importer import ImportRefused, commit, preview_import, undo_batch
from parley.loading import load_dataset
from parley.store import (
    EMPTY_REVISION,
    LAYOUT_VERSION,
    PAUSE_ENV,
    UNREADABLE_REVISION,
    Store,
    StoreError,
    StoreReadOnly,
    StoreUnreachable,
    StoreUnreadable,
)
from tests.importing import (
    cli_env,
    csv_bytes,
    dump,
    position,
    positions_file,
    query,
    run_cli,
    run_sql,
    sqlite_path,
    start_cli,
    table_columns,
    wait_for,
)
from tests.pg import SUPERUSER


@pytest.fixture(autouse=True)
def temp_store_url(any_store_url: str) -> str:
    """This module's tests run once with a SQLite store and once with a PostgreSQL one."""
    return any_store_url


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
    assert table_columns(temp_store_url) == {}  # not a table, nor (for SQLite) the file


@pytest.mark.sqlite_only
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
    # pos-00001 exists: the unique index refuses the 2nd row
    duplicate = pd.DataFrame([position(2, option_id=""), position(1, option_id="")])
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


@pytest.mark.postgresql_only
def test_a_server_that_dies_mid_import_keeps_no_partial_batch_and_the_store_recovers(
    tmp_path, temp_store_url, mini_dir, spawn, pg_server
):
    store = Store(temp_store_url)
    _import(store, mini_dir, [position(1)])
    before, revision = dump(temp_store_url), store.revision()
    big = positions_file(tmp_path, first=100, n=2000)
    marker = tmp_path / "pause"
    proc = spawn("import", str(big), "--yes", env=cli_env(temp_store_url, mini_dir, **{PAUSE_ENV: str(marker)}))
    assert wait_for(tmp_path / "pause.paused", proc) == "inserted 2000 positions"
    pg_server.stop("immediate")  # a crash: no backend finishes its work, the open transaction is lost
    try:
        code, _, err = _release(tmp_path, proc)
        assert code == 1
        # The writer's next statement is its COMMIT: a client cannot tell whether a commit whose answer never came
        # landed, so it says where to look instead of claiming nothing was written.
        assert "cannot be reached" in err, err
        assert "Nothing was written" in err or "`python -m parley batches` shows whether" in err, err
        down = store.status()  # the same Store object, as the app keeps it
        assert down.revision == UNREADABLE_REVISION and "cannot be reached" in down.unreadable
        assert "reconnects by itself" in down.unreadable and "Nothing was written" not in down.unreadable
        with pytest.raises(StoreUnreachable):
            store.imported_frames()
        with pytest.raises(StoreUnreachable, match="Nothing was written"):
            store.write_batch({"positions": pd.DataFrame([position(2)])}, files=["x.csv"])
    finally:
        pg_server.start()
    assert store.revision() == revision  # the same object reconnects: no restart needed
    assert dump(temp_store_url) == before
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00001"]
    _import(store, mini_dir, [position(2)])
    assert store.batches()["n_records"].tolist() == [1, 1]


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
    expected = pd.DataFrame([position(i, option_id="") for i in range(1, 21)])[s.POSITIONS.column_names].astype(str)
    assert_frame_equal(store.imported_frames()["positions"], expected, check_dtype=False)


def test_tests_never_use_the_real_store():
    from parley.store import DEFAULT_STORE_PATH, store_url

    assert str(DEFAULT_STORE_PATH) not in store_url()


# -- a store that is damaged, read-only, from another version, or missing ----------------------------------------


def _store_files(store_url: str) -> dict[str, bytes]:
    folder = sqlite_path(store_url).parent
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


DAMAGED = {
    "garbage": lambda: os.urandom(8192),
    "damaged_sqlite": lambda: b"SQLite format 3\x00" + os.urandom(8192),
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
@pytest.mark.sqlite_only
def test_a_damaged_store_cannot_be_read_and_says_how_to_fix_it(temp_store_url, mini_dir, content):
    path = sqlite_path(temp_store_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content())
    before = _store_files(temp_store_url)
    store = Store(temp_store_url)
    for read in (store.revision, store.imported_rows, store.imported_frames, store.batches, lambda: store.batch("x")):
        with pytest.raises(StoreUnreadable) as caught:
            read()
        message = str(caught.value)
        assert str(path) in message and f"mv {path} {path}.broken" in message
        assert "python -m parley import export.zip" in message
        assert "Nothing was written" not in message  # a read writes nothing, and must not suggest otherwise
    status = store.status()
    assert status.revision == UNREADABLE_REVISION and status.unreadable == message and status.write_refused
    with pytest.raises(StoreError, match="Nothing was written"):
        store.write_batch({"positions": pd.DataFrame([position(1)])}, files=["x.csv"])
    with pytest.raises(StoreError):
        preview_import([("positions.csv", csv_bytes("positions", [position(1)]))], store, mini_dir)
    assert _store_files(temp_store_url) == before


@pytest.mark.sqlite_only
def test_moving_a_damaged_store_aside_lets_the_next_import_start_a_new_one(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _import(store, mini_dir, [position(1)])
    path = sqlite_path(temp_store_url)
    path.write_bytes(os.urandom(8192))
    assert store.status().unreadable
    path.rename(path.with_name(path.name + ".broken"))
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    assert store.status().revision == EMPTY_REVISION  # the same (cached) store object sees the fresh start
    _import(store, mini_dir, [position(2)])
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00002"]


# Tests run as root, for whom chmod stops neither reads nor writes: a read-only store is simulated with SQLite's
# own read-only open (`mode=ro` in the URL), and a read-only disk by making os.access answer as it does there.
def _read_only_url(store_url: str, option: str = "mode=ro") -> str:
    return f"sqlite:///file:{sqlite_path(store_url)}?{option}&uri=true"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("option", ["mode=ro", "immutable=1"])
def test_a_read_only_store_is_read_and_refuses_writes_clearly(temp_store_url, mini_dir, option):
    writable = Store(temp_store_url)
    batch = _import(writable, mini_dir, [position(1), position(2)])
    before = dump(temp_store_url)
    store = Store(_read_only_url(temp_store_url, option))
    assert store.revision() == writable.revision()
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00001", "pos-00002"]
    assert store.batches()["batch_id"].tolist() == [batch.batch_id]
    status = store.status()
    assert not status.unreadable and "read-only" in status.read_only and status.write_refused == status.read_only
    assert "Nothing was written" not in status.read_only
    with pytest.raises(StoreReadOnly, match="read-only.*Nothing was written"):
        store.write_batch({"positions": pd.DataFrame([position(3)])}, files=["x.csv"])
    with pytest.raises(StoreReadOnly, match="read-only.*Nothing was written"):
        store.undo(batch.batch_id)
    preview = preview_import([("positions.csv", csv_bytes("positions", [position(3)]))], store, mini_dir)
    assert preview.ok  # checking files is a read
    with pytest.raises(StoreReadOnly):
        commit(preview, store, via="test")
    assert dump(temp_store_url) == before


@pytest.mark.sqlite_only
def test_a_store_on_a_read_only_disk_is_opened_read_only(temp_store_url, mini_dir, monkeypatch):
    _import(Store(temp_store_url), mini_dir, [position(1)])
    before = _store_files(temp_store_url)
    assert sorted(before) == ["store.sqlite"]  # the last connection folded the WAL back in
    real_access = os.access
    monkeypatch.setattr(
        "parley.store.os.access", lambda path, mode: False if mode & os.W_OK else real_access(path, mode)
    )
    store = Store(temp_store_url)
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00001"]
    assert "read-only" in store.status().read_only
    with pytest.raises(StoreReadOnly, match="Nothing was written"):
        store.write_batch({"positions": pd.DataFrame([position(2)])}, files=["x.csv"])
    assert _store_files(temp_store_url) == before  # not even a -wal or -shm file was created


@pytest.mark.postgresql_only
def test_a_postgresql_user_who_may_only_read_gets_the_records_and_writes_are_refused(
    temp_store_url, mini_dir, pg_server
):
    batch = _import(Store(temp_store_url), mini_dir, [position(1)])
    before = dump(temp_store_url)
    reader = f"reader_{batch.batch_id.replace('-', '_')}"
    pg_server.admin(f"CREATE ROLE {reader} LOGIN")
    run_sql(temp_store_url, f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {reader}")
    store = Store(temp_store_url.replace(f"//{SUPERUSER}@", f"//{reader}@"))
    assert store.imported_frames()["positions"]["position_id"].tolist() == ["pos-00001"]
    assert not store.status().write_refused  # PostgreSQL tells only when a write is tried
    with pytest.raises(StoreReadOnly, match="read-only.*permission denied.*Nothing was written"):
        store.write_batch({"positions": pd.DataFrame([position(2)])}, files=["x.csv"])
    with pytest.raises(StoreReadOnly, match="Nothing was written"):
        store.undo(batch.batch_id)
    assert dump(temp_store_url) == before


def test_an_older_store_is_read_with_defaults_then_upgraded_by_the_next_import(temp_store_url, mini_dir):
    first = _import(Store(temp_store_url), mini_dir, [position(1, notes="gone with the column")])
    # A store written before `notes` and `skipped` existed, at an older layout.
    run_sql(
        temp_store_url,
        "ALTER TABLE positions DROP COLUMN notes",
        "ALTER TABLE import_batches DROP COLUMN skipped",
        "UPDATE store_meta SET value = '0' WHERE key = 'layout'",
    )
    store = Store(temp_store_url)
    rows = store.imported_frames()["positions"]
    assert rows["position_id"].tolist() == ["pos-00001"] and rows["notes"].tolist() == [""]
    assert store.batches()["batch_id"].tolist() == [first.batch_id]
    assert not store.status().write_refused
    second = _import(store, mini_dir, [position(2, notes="kept")])
    assert store.imported_frames()["positions"]["notes"].tolist() == ["", "kept"]
    assert store.batches()["batch_id"].tolist() == [second.batch_id, first.batch_id]
    assert "notes" in table_columns(temp_store_url)["positions"]
    assert query(temp_store_url, "SELECT value FROM store_meta WHERE key = 'layout'") == [(LAYOUT_VERSION,)]


def test_a_store_written_before_positions_had_options_loads_and_takes_them_on_the_next_import(temp_store_url, mini_dir):
    _import(Store(temp_store_url), mini_dir, [position(1)])
    run_sql(temp_store_url, "ALTER TABLE positions DROP COLUMN option_id")
    store = Store(temp_store_url)
    assert store.imported_frames()["positions"]["option_id"].tolist() == [""]
    ds = load_dataset(mini_dir, store, use_cache=False)
    old = ds.positions.set_index("position_id").loc["pos-00001"]
    assert old["option_id"] == "" and old["option_label"] == "" and pd.isna(old["option_rank"])
    _import(store, mini_dir, [position(3, option_id="ceasefire.partial")])
    assert store.imported_frames()["positions"]["option_id"].tolist() == ["", "ceasefire.partial"]
    new = load_dataset(mini_dir, store, use_cache=False).positions.set_index("position_id").loc["pos-00003"]
    assert (new["option_label"], new["option_rank"]) == ("Partial truce", 2)


OTHER_VERSION = {
    "newer_layout": (f"UPDATE store_meta SET value = '{int(LAYOUT_VERSION) + 1}' WHERE key = 'layout'", "newer"),
    "unknown_column": ("ALTER TABLE positions ADD COLUMN mood TEXT", "another version"),
}


@pytest.mark.parametrize("change,said", OTHER_VERSION.values(), ids=OTHER_VERSION.keys())
def test_a_store_from_another_version_says_what_to_do(temp_store_url, mini_dir, change, said):
    store = Store(temp_store_url)
    store.revision()  # the store object has seen the store before it changes
    _import(store, mini_dir, [position(1)])
    run_sql(temp_store_url, change)
    before = dump(temp_store_url)
    with pytest.raises(StoreUnreadable, match=said) as caught:
        store.imported_frames()
    message = str(caught.value)
    assert "python -m parley export old.zip" in message and "python -m parley import old.zip" in message
    assert "Nothing was written" not in message
    assert Store(temp_store_url).status().unreadable == message
    with pytest.raises(StoreError, match="Nothing was written"):
        store.write_batch({"positions": pd.DataFrame([position(2)])}, files=["x.csv"])
    assert dump(temp_store_url) == before


@pytest.mark.sqlite_only
def test_a_missing_store_in_a_missing_folder_reads_empty_and_appears_on_the_first_import(tmp_path, mini_dir):
    url = f"sqlite:///{tmp_path / 'not' / 'yet' / 'store.sqlite'}"
    store = Store(url)
    status = store.status()
    assert status.revision == EMPTY_REVISION and not status.write_refused
    assert all(frame.empty for frame in store.imported_frames().values())
    assert not (tmp_path / "not").exists()
    _import(store, mini_dir, [position(1)])
    assert sqlite_path(url).exists() and store.status().revision != EMPTY_REVISION
