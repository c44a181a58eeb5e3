"""An export zip is a full backup once corrections exist: it lists them (corrections.csv), and importing it into
an empty store gives the same data with the same corrections in the records' histories, each undoable; importing it
again skips what the store holds. A plain CSV that changes an existing record is still refused as a conflict.

Every test runs against SQLite and a real PostgreSQL server (tests/pg.py), like the store tests."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parley.corrections import commit_correction, preview_correction
from parley.importer import ImportRefused, commit, export_all, preview_import, undo_batch
from parley.loading import Dataset, load_dataset
from parley.store import CORRECTIONS_KEY, Store, StoreError
from tests.importing import cli_env, csv_bytes, run_cli

TABLES = ("sources", "actors", "issues", "codebook", "talks", "participants", "items", "positions", "reactions")
REACTION = {
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


@pytest.fixture(autouse=True)
def temp_store_url(any_store_url: str) -> str:
    """This module's tests run once with a SQLite store and once with a PostgreSQL one."""
    return any_store_url


def _correct(store: Store, data_dir: Path, table: str, record_id: str, **changes: str):
    preview = preview_correction(table, record_id, changes, store, data_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    return commit_correction(preview, store)


def _load(store: Store, data_dir: Path) -> Dataset:
    return load_dataset(data_dir, store, use_cache=False)


def _export(store: Store, data_dir: Path) -> bytes:
    return export_all(_load(store, data_dir), data_dir, store.imported_rows()[CORRECTIONS_KEY])


def _assert_same(copy: Dataset, original: Dataset) -> None:
    for attr in TABLES:
        assert_frame_equal(getattr(copy, attr), getattr(original, attr), obj=attr)


def _changes(store: Store, table: str, record_id: str) -> list[dict[str, tuple[str, str]]]:
    return [e.changes for e in store.history(table, record_id).corrections]


def _corrected_store(store: Store, data_dir: Path) -> list:
    """An imported reaction and a bundled position, each corrected (the position twice)."""
    preview = preview_import([("reactions.csv", csv_bytes("reactions", [REACTION]))], store, data_dir)
    imported = commit(preview, store)
    return [
        imported,
        _correct(store, data_dir, "positions", "pos-0001", stance="reject", summary="Withdrawal, said twice."),
        _correct(store, data_dir, "reactions", "rea-0009", stance="concern", disputed="true"),
        _correct(store, data_dir, "positions", "pos-0001", confidence="medium"),
    ]


def test_an_export_with_corrections_restores_into_an_empty_store_with_history_and_undo(store_url_for, mini_dir):
    first = Store(store_url_for("first"))
    _corrected_store(first, mini_dir)
    original = _load(first, mini_dir)
    exported = _export(first, mini_dir)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        listed = pd.read_csv(archive.open("corrections.csv"), dtype=str, keep_default_na=False)
    assert listed.to_dict("records") == [
        {"correction": "1", "table": "positions", "record_id": "pos-0001", "field": "stance"}
        | {"previous": "demand", "corrected": "reject"},
        {"correction": "1", "table": "positions", "record_id": "pos-0001", "field": "summary"}
        | {"previous": "Withdrawal from four regions before a ceasefire.", "corrected": "Withdrawal, said twice."},
        {"correction": "2", "table": "reactions", "record_id": "rea-0009", "field": "stance"}
        | {"previous": "welcome", "corrected": "concern"},
        {"correction": "2", "table": "reactions", "record_id": "rea-0009", "field": "disputed"}
        | {"previous": "false", "corrected": "true"},
        {"correction": "3", "table": "positions", "record_id": "pos-0001", "field": "confidence"}
        | {"previous": "low", "corrected": "medium"},
    ]

    empty = Store(store_url_for("second"))
    preview = preview_import([("export.zip", exported)], empty, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert preview.n_new == 1 and preview.new["reactions"]["stance"].tolist() == ["welcome"]  # as first imported
    assert "pos-0001" in preview.skipped["positions"]["record"].tolist()  # the bundled record, before its corrections
    assert [(c.table, c.record_id) for c in preview.corrections] == [
        ("positions", "pos-0001"),
        ("reactions", "rea-0009"),
        ("positions", "pos-0001"),
    ]
    assert any("3 will be re-applied after the records" in note for note in preview.notes)
    imported = commit(preview, empty)
    assert imported.counts == {"reactions": 1} and not imported.supersedes

    _assert_same(_load(empty, mini_dir), original)
    for table, record in (("positions", "pos-0001"), ("reactions", "rea-0009")):
        assert _changes(empty, table, record) == _changes(first, table, record)
    assert empty.history("reactions", "rea-0009").imported_in[0] == imported.batch_id
    batches = empty.batches()  # newest first: the three corrections after the import
    assert batches["supersedes"].tolist() == ["positions pos-0001", "reactions rea-0009", "positions pos-0001", ""]

    # Undo works as for a correction made in the app: newest first, back to the version before.
    last_position, reaction_fix = batches["batch_id"].iloc[0], batches["batch_id"].iloc[1]
    with pytest.raises(StoreError, match=f"corrected later, in batch {reaction_fix}"):
        undo_batch(empty, imported.batch_id, mini_dir)
    undo_batch(empty, last_position, mini_dir)
    row = _load(empty, mini_dir).positions.set_index("position_id").loc["pos-0001"]
    assert (row["stance"], row["confidence"]) == ("reject", "low")

    # Imported again, the zip re-applies only the correction the store no longer holds.
    again = preview_import([("export.zip", exported)], empty, mini_dir)
    assert again.ok and again.n_new == 0 and len(again.corrections) == 1
    assert any("2 this store holds already are skipped" in note for note in again.notes)
    commit(again, empty)
    _assert_same(_load(empty, mini_dir), original)


def test_an_export_imported_into_a_store_that_holds_its_corrections_changes_nothing(store_url_for, mini_dir):
    store = Store(store_url_for("first"))
    _corrected_store(store, mini_dir)
    exported = _export(store, mini_dir)
    for target in (store, Store(store_url_for("copy"))):
        if target is not store:
            commit(preview_import([("export.zip", exported)], target, mini_dir), target)
        n_batches = len(target.batches())
        preview = preview_import([("export.zip", exported)], target, mini_dir)
        assert preview.ok, [str(p) for p in preview.problems]
        assert preview.n_new == 0 and preview.corrections == () and not preview.has_changes
        assert any("3 this store holds already are skipped" in note for note in preview.notes)
        with pytest.raises(ImportRefused, match="Nothing new to import"):
            commit(preview, target)
        assert len(target.batches()) == n_batches
        assert _changes(target, "positions", "pos-0001") == _changes(store, "positions", "pos-0001")


def test_a_conflicting_csv_or_a_zip_without_its_corrections_is_still_refused(store_url_for, mini_dir):
    store = Store(store_url_for("first"))
    _corrected_store(store, mini_dir)
    ds = _load(store, mini_dir)
    empty = Store(store_url_for("second"))

    # A hand-edited CSV that changes a bundled record (here: as corrected elsewhere) is a conflict, as before.
    edited = csv_bytes("positions", [_raw_position(ds, "pos-0001")])
    refused = preview_import([("positions.csv", edited)], empty, mini_dir)
    assert not refused.ok and refused.corrections == ()
    conflict = "conflict: this id already exists in the bundled data"
    assert any(p.value == "pos-0001" and conflict in p.rule for p in refused.problems)

    # A zip without corrections.csv (as written before corrections were exported): refused as before.
    plain = export_all(ds, mini_dir)
    with zipfile.ZipFile(io.BytesIO(plain)) as archive:
        assert "corrections.csv" not in archive.namelist()
    refused = preview_import([("export.zip", plain)], empty, mini_dir)
    assert not refused.ok and any("conflict" in p.rule and p.value == "pos-0001" for p in refused.problems)

    # A zip whose record was changed after the export no longer matches its corrections.
    exported = _export(store, mini_dir)
    changed = _rewritten(exported, "positions.csv", "Withdrawal, said twice.", "Withdrawal, said thrice.")
    mismatch = preview_import([("export.zip", changed)], empty, mini_dir)
    assert not mismatch.ok
    assert any("the zip was changed after the export" in p.rule and p.column == "summary" for p in mismatch.problems)
    assert empty.batches().empty


def test_the_command_line_export_restores_a_correction(store_url_for, mini_dir, tmp_path):
    store = Store(store_url_for("first"))
    _corrected_store(store, mini_dir)
    out = tmp_path / "everything.zip"
    assert run_cli("export", str(out), env=cli_env(store_url_for("first"), mini_dir)).returncode == 0
    restored = run_cli("import", str(out), "--yes", env=cli_env(store_url_for("second"), mini_dir))
    assert restored.returncode == 0, restored.stderr
    assert "Re-applied 3 correction(s) from the export" in restored.stdout
    _assert_same(_load(Store(store_url_for("second")), mini_dir), _load(store, mini_dir))


def _raw_position(ds: Dataset, record_id: str) -> dict[str, str]:
    from parley.importer import to_raw_frames

    frame = to_raw_frames(ds)["positions"]
    return frame[frame["position_id"] == record_id].iloc[0].to_dict()


def _rewritten(zipped: bytes, name: str, old: str, new: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zipped)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.namelist():
            data = source.read(member)
            target.writestr(member, data.decode("utf-8").replace(old, new).encode("utf-8") if member == name else data)
    return out.getvalue()


def test_a_store_where_the_record_was_corrected_otherwise_refuses_the_zip_and_writes_nothing(store_url_for, mini_dir):
    store = Store(store_url_for("first"))
    _correct(store, mini_dir, "positions", "pos-0001", stance="reject")
    exported = _export(store, mini_dir)
    other = Store(store_url_for("other"))
    _correct(other, mini_dir, "positions", "pos-0001", stance="accept")
    n_batches = len(other.batches())
    preview = preview_import([("export.zip", exported)], other, mini_dir)
    assert not preview.ok
    assert any(p.value == "pos-0001" and "conflict" in p.rule and "'accept'" in p.rule for p in preview.problems)
    with pytest.raises(ImportRefused):
        commit(preview, other)
    assert len(other.batches()) == n_batches
