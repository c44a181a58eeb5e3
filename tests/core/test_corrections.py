"""Correcting a record: one batch that supersedes a bundled or imported record (same id, previous values kept), seen
by every load and the export, in the record's history, undone to the previous version, undone in order, checked by
the import's rules; the bundled files are never touched.

Every test runs against SQLite and a real PostgreSQL server (tests/pg.py), like the store tests."""

from __future__ import annotations

import hashlib
import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from parley.corrections import commit_correction, current_values, preview_correction, read_base
from parley.importer import ImportRefused, commit, export_all, preview_import, undo_batch
from parley.loading import load_dataset
from parley.store import LAYOUT_VERSION, Store, StoreError
from parley.validation import DataValidationError
from tests.importing import csv_bytes, dump, position, query, run_sql


@pytest.fixture(autouse=True)
def temp_store_url(any_store_url: str) -> str:
    """This module's tests run once with a SQLite store and once with a PostgreSQL one."""
    return any_store_url


def _digests(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir()) if p.is_file()}


def _correct(store: Store, data_dir: Path, table: str, record_id: str, **changes: str):
    preview = preview_correction(table, record_id, changes, store, data_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    return commit_correction(preview, store)


def _position(store: Store, data_dir: Path, record_id: str) -> pd.Series:
    return load_dataset(data_dir, store, use_cache=False).positions.set_index("position_id").loc[record_id]


def _import(store: Store, data_dir: Path, table: str, rows: list[dict[str, str]]):
    preview = preview_import([(f"{table}.csv", csv_bytes(table, rows))], store, data_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    return commit(preview, store, via="test")


def test_a_bundled_position_is_corrected_in_one_batch_and_every_load_shows_it(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    files = _digests(mini_dir)
    assert _position(store, mini_dir, "pos-0001")["stance"] == "demand"
    preview = preview_correction(
        "positions", "pos-0001", {"stance": "reject", "summary": "Withdrawal, said twice."}, store, mini_dir
    )
    assert preview.ok
    assert preview.frame().to_dict("records") == [
        {"field": "stance", "now": "demand", "corrected": "reject"},
        {
            "field": "summary",
            "now": "Withdrawal from four regions before a ceasefire.",
            "corrected": "Withdrawal, said twice.",
        },
    ]
    batch = commit_correction(preview, store)
    assert batch.supersedes == (("positions", "pos-0001"),) and batch.n_records == 1
    listed = store.batches()
    assert listed["batch_id"].tolist() == [batch.batch_id]
    assert listed.loc[0, "supersedes"] == "positions pos-0001" and listed.loc[0, "n_records"] == 1

    ds = load_dataset(mini_dir, store, use_cache=False)
    row = ds.positions.set_index("position_id").loc["pos-0001"]
    assert (row["stance"], row["summary"]) == ("reject", "Withdrawal, said twice.")
    assert (ds.positions["position_id"] == "pos-0001").sum() == 1  # superseded, not added beside the old one
    assert row["origin"] == "bundled" and row["date"] == pd.Timestamp("2025-05-16")  # the rest as it was
    assert store.imported_frames()["positions"].empty  # no record row: the correction holds only what changed
    assert _digests(mini_dir) == files  # the bundled files are never written

    with zipfile.ZipFile(io.BytesIO(export_all(ds, mini_dir))) as archive:
        exported = pd.read_csv(archive.open("positions.csv"), dtype=str, keep_default_na=False)
    assert exported.set_index("position_id").loc["pos-0001", "stance"] == "reject"
    assert len(exported) == len(ds.positions)


def test_the_history_shows_the_original_and_each_correction_with_its_batch_time_and_fields(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    first = _correct(store, mini_dir, "positions", "pos-0001", stance="reject")
    second = _correct(store, mini_dir, "positions", "pos-0001", stance="accept", confidence="medium")
    history = store.history("positions", "pos-0001")
    assert history.imported_in is None  # bundled
    assert [e.batch_id for e in history.corrections] == [first.batch_id, second.batch_id]
    assert history.corrections[0].changes == {"stance": ("demand", "reject")}
    assert history.corrections[1].changes == {"stance": ("reject", "accept"), "confidence": ("low", "medium")}
    assert history.corrections[1].corrected_at == second.imported_at
    assert store.history("positions", "pos-0002").corrections == ()


def test_undo_restores_the_previous_version_and_corrections_are_undone_newest_first(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    first = _correct(store, mini_dir, "positions", "pos-0001", stance="reject")
    second = _correct(store, mini_dir, "positions", "pos-0001", summary="Second wording.")
    before = dump(temp_store_url)
    with pytest.raises(
        StoreError, match=f"corrected again later, in batch {second.batch_id}. Undo {second.batch_id} first"
    ):
        undo_batch(store, first.batch_id, mini_dir)
    assert dump(temp_store_url) == before  # refused: nothing changed
    undo_batch(store, second.batch_id, mini_dir)
    row = _position(store, mini_dir, "pos-0001")
    assert (row["stance"], row["summary"]) == ("reject", "Withdrawal from four regions before a ceasefire.")
    undone = undo_batch(store, first.batch_id, mini_dir)
    assert undone.undone_at and _position(store, mini_dir, "pos-0001")["stance"] == "demand"
    assert store.history("positions", "pos-0001").corrections == ()
    assert store.batches()["undone_at"].ne("").all()


def test_an_imported_reaction_is_corrected_and_its_import_cannot_be_undone_under_the_correction(
    temp_store_url, mini_dir
):
    store = Store(temp_store_url)
    reaction = {
        "reaction_id": "rea-0009",
        "date": "2025-06-03",
        "actor_id": "UN",
        "speaker_id": "",
        "talk_id": "2025-06-02-istanbul",
        "event": "Second Istanbul round",
        "stance": "welcome",
        "summary": "Welcomed the talks.",
        "confidence": "medium",
        "disputed": "false",
        "notes": "",
        "source_ids": "src-0000000001",
    }
    imported = _import(store, mini_dir, "reactions", [reaction])
    fix = _correct(store, mini_dir, "reactions", "rea-0009", stance="concern", disputed="true")
    ds = load_dataset(mini_dir, store, use_cache=False)
    row = ds.reactions.set_index("reaction_id").loc["rea-0009"]
    assert (row["stance"], bool(row["disputed"]), row["origin"]) == ("concern", True, "imported")
    history = store.history("reactions", "rea-0009")
    assert history.imported_in == (imported.batch_id, imported.imported_at)
    assert [e.changes for e in history.corrections] == [
        {"stance": ("welcome", "concern"), "disputed": ("false", "true")}
    ]
    before = dump(temp_store_url)
    with pytest.raises(StoreError, match=f"reactions rea-0009 was corrected later, in batch {fix.batch_id}"):
        undo_batch(store, imported.batch_id, mini_dir)
    assert dump(temp_store_url) == before
    undo_batch(store, fix.batch_id, mini_dir)
    undo_batch(store, imported.batch_id, mini_dir)
    assert "rea-0009" not in set(load_dataset(mini_dir, store, use_cache=False).reactions["reaction_id"])


def test_a_round_is_corrected_too(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _correct(store, mini_dir, "talks", "2025-06-02-istanbul", city="İstanbul", status="held")
    talk = load_dataset(mini_dir, store, use_cache=False).talks.set_index("talk_id").loc["2025-06-02-istanbul"]
    assert talk["city"] == "İstanbul"


def _import_problem(column: str, value: str, mini_dir: Path, store: Store) -> tuple[str | None, str]:
    """The value as reported and the rule an imported position with this value breaks."""
    raw = csv_bytes("positions", [position(1, **{column: value})])
    found = [p for p in preview_import([("positions.csv", raw)], store, mini_dir).problems if p.column == column]
    assert len(found) == 1, found
    return found[0].value, found[0].rule


@pytest.mark.parametrize(
    "column,value",
    [
        ("summary", "bell \x07 inside"),  # a control character
        ("actor_id", "R\u200bUS"),  # an invisible character in an id
        ("stance", "rejects"),  # not a code of the scheme
        ("date", "16/05/2025"),  # not a date in the import's format
        ("disputed", "maybe"),
        ("summary", ""),  # required
        ("actor_id", "vladimir_medinsky"),  # a party must be a state, organisation or bloc
        ("speaker_id", "RUS"),  # a speaker must be a person
    ],
)
def test_a_correction_is_refused_with_the_message_an_import_gets(temp_store_url, mini_dir, column, value):
    store = Store(temp_store_url)
    preview = preview_correction("positions", "pos-0001", {column: value}, store, mini_dir)
    assert not preview.ok
    ((problem,),) = [[p for p in preview.problems if p.column == column]]
    assert problem.file == "positions.csv (correction of pos-0001)"
    assert (problem.value, problem.rule) == _import_problem(column, value, mini_dir, store)
    with pytest.raises(ImportRefused, match="nothing was written"):
        commit_correction(preview, store)
    assert store.batches().empty


def test_a_correction_that_breaks_a_link_or_lies_ahead_is_refused(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    rules = {
        p.column: p.rule
        for changes in ({"talk_id": "2030-01-01-nowhere"}, {"option_id": "ceasefire.partial"}, {"date": "2031-01-01"})
        for p in preview_correction("positions", "pos-0001", changes, store, mini_dir, today=date(2026, 1, 1)).problems
    }
    assert rules["talk_id"].startswith("unknown id: not in talks.csv")
    assert "option" in rules["option_id"] and "territory" in rules["option_id"]  # the option is off the issue
    assert rules["date"] == "date is in the future (today is 2026-01-01)"
    same = preview_correction("positions", "pos-0001", {"stance": "demand"}, store, mini_dir)
    assert same.changes == {} and not same.ok  # nothing differs: nothing to confirm


def test_a_correction_checked_against_an_older_version_is_refused_and_writes_nothing(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    stale = preview_correction("positions", "pos-0001", {"stance": "reject"}, store, mini_dir)
    _correct(store, mini_dir, "positions", "pos-0001", stance="accept")
    before = dump(temp_store_url)
    with pytest.raises(ImportRefused, match="changed pos-0001 while this correction was being reviewed"):
        commit_correction(stale, store)
    assert dump(temp_store_url) == before
    # A form opened before the other correction landed names the field that moved.
    moved = preview_correction(
        "positions", "pos-0001", {"stance": "reject"}, store, mini_dir, seen={"stance": "demand"}
    )
    assert [p.column for p in moved.problems] == ["stance"] and "changed by another correction" in moved.problems[
        0
    ].rule


def test_current_values_are_the_record_as_shown(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _correct(store, mini_dir, "positions", "pos-0002", notes="checked again")
    values = current_values(read_base(store, mini_dir), "positions", "pos-0002")
    assert values is not None and values["notes"] == "checked again" and values["source_ids"].count(";") == 1
    assert current_values(read_base(store, mini_dir), "positions", "pos-9999") is None


def test_a_correction_whose_record_a_release_removed_names_its_batch(temp_store_url, mini_dir, tmp_path):
    store = Store(temp_store_url)
    fix = _correct(store, mini_dir, "positions", "pos-0005", notes="kept")
    release = tmp_path / "release"
    shutil.copytree(mini_dir, release)
    rows = pd.read_csv(release / "positions.csv", dtype=str, keep_default_na=False)
    rows[rows["position_id"] != "pos-0005"].to_csv(release / "positions.csv", index=False)
    with pytest.raises(DataValidationError) as caught:
        load_dataset(release, store, use_cache=False)
    assert any(fix.batch_id in p.file and p.value == "pos-0005" for p in caught.value.problems)


def test_a_store_from_before_corrections_is_read_and_upgraded_by_the_first_correction(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    _import(store, mini_dir, "positions", [position(1)])
    run_sql(
        temp_store_url,
        "DROP TABLE record_corrections",
        "ALTER TABLE import_batches DROP COLUMN supersedes",
        "UPDATE store_meta SET value = '1' WHERE key = 'layout'",
    )
    store = Store(temp_store_url)
    assert store.batches()["supersedes"].tolist() == [""]
    assert _position(store, mini_dir, "pos-00001")["stance"] == "demand"
    _correct(store, mini_dir, "positions", "pos-00001", stance="propose")
    assert _position(store, mini_dir, "pos-00001")["stance"] == "propose"
    assert query(temp_store_url, "SELECT value FROM store_meta WHERE key = 'layout'") == [(LAYOUT_VERSION,)]


def test_search_and_the_command_line_see_the_correction(temp_store_url, mini_dir, tmp_path):
    from parley.search import build_index, search
    from tests.importing import cli_env, run_cli

    store = Store(temp_store_url)
    fix = _correct(store, mini_dir, "positions", "pos-0003", summary="Quadrilateral guarantees were asked for.")
    ds = load_dataset(mini_dir, store, use_cache=False)
    found = search(build_index(ds), ds, "quadrilateral").results
    assert found["id"].tolist() == ["pos-0003"]

    env = cli_env(temp_store_url, mini_dir)
    listed = run_cli("batches", env=env)
    assert listed.returncode == 0 and fix.batch_id in listed.stdout and "positions pos-0003" in listed.stdout
    out = tmp_path / "everything.zip"
    assert run_cli("export", str(out), env=env).returncode == 0
    with zipfile.ZipFile(out) as archive:
        exported = pd.read_csv(archive.open("positions.csv"), dtype=str, keep_default_na=False)
    assert exported.set_index("position_id").loc["pos-0003", "summary"] == "Quadrilateral guarantees were asked for."
    undone = run_cli("undo", fix.batch_id, env=env)
    assert undone.returncode == 0, undone.stderr
    assert f"Undone batch {fix.batch_id}: positions pos-0003 back to the version before it." in undone.stdout
    assert (
        "quadrilateral" not in load_dataset(mini_dir, store, use_cache=False).positions["summary"].str.lower().str.cat()
    )
