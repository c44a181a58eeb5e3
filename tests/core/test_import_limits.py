"""Hostile shapes are refused early with a problem naming the file and the limit: very wide JSON objects and CSV
headers, and zip entries with a path. Their timings are in benchmarks/import_bench.py, not asserted here."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from parley import schema as s
from parley.importer import (
    MAX_CSV_COLUMNS,
    MAX_JSON_KEYS,
    commit,
    export_all,
    parse_bundle,
    parse_csv,
    preview_import,
)
from parley.loading import load_dataset
from parley.store import Store
from tests.importing import csv_bytes, position


def test_a_json_object_with_more_keys_than_the_limit_is_refused():
    wide = {f"k{i}": i for i in range(MAX_JSON_KEYS + 1)}
    raw = json.dumps({"format": "parley-article-bundle/1", "positions": [wide]}).encode()
    parts, problems = parse_bundle("wide.json", raw)
    assert parts == {}
    assert [(p.file, p.row, p.column) for p in problems] == [("wide.json", None, None)]
    assert f"the limit is {MAX_JSON_KEYS:,} keys per object" in problems[0].rule
    assert f"{MAX_JSON_KEYS + 1:,} keys" in problems[0].rule


def test_a_json_object_at_the_limit_is_read_and_its_fields_checked():
    wide = {f"k{i}": i for i in range(MAX_JSON_KEYS)}
    raw = json.dumps({"format": "parley-article-bundle/1", "positions": [wide]}).encode()
    _, problems = parse_bundle("wide.json", raw)
    assert problems and all("keys per object" not in p.rule for p in problems)
    assert any("unexpected field" in p.rule for p in problems)


def test_a_duplicate_key_is_still_named():
    raw = b'{"format": "parley-article-bundle/1", "positions": [], "positions": []}'
    _, problems = parse_bundle("bundle.json", raw)
    assert [(p.column, p.rule) for p in problems] == [("positions", "the same key appears twice in one JSON object")]


def test_a_csv_header_wider_than_the_limit_is_refused():
    header = ",".join(f"c{i}" for i in range(MAX_CSV_COLUMNS + 1))
    raw = (header + "\n" + ",".join("x" for _ in range(MAX_CSV_COLUMNS + 1)) + "\n").encode()
    part, problems = parse_csv("positions.csv", s.POSITIONS, raw)
    assert part is None
    assert [(p.file, p.row, p.column) for p in problems] == [("positions.csv", None, None)]
    assert f"the limit is {MAX_CSV_COLUMNS} columns per file" in problems[0].rule


def test_a_repeated_column_among_many_is_reported_once():
    header = ["position_id"] + [f"c{i}" for i in range(50)] + ["c7", "c7"]  # one real column: a positions file
    raw = (",".join(header) + "\n" + ",".join("x" for _ in header) + "\n").encode()
    _, problems = parse_csv("positions.csv", s.POSITIONS, raw)
    assert [(p.row, p.column, p.rule) for p in problems] == [(1, "c7", "column appears more than once in the header")]


# -- zip entries --------------------------------------------------------------------------------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(zipfile.ZipInfo(name), data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "entry",
    ["../../x/positions.csv", "/abs/positions.csv", "export/positions.csv", "sub\\positions.csv", "..\\positions.csv"],
)
def test_a_zip_entry_with_a_path_is_refused(entry, mini_dir, temp_store_url):
    raw = _zip({entry: csv_bytes("positions", [position(1)])})
    preview = preview_import([("export.zip", raw)], Store(temp_store_url), mini_dir)
    assert not preview.ok
    assert preview.n_new == 0
    refused = [p for p in preview.problems if "a path inside the zip" in p.rule]
    assert [p.file for p in refused] == [f"export.zip: {entry}"], preview.problems


def test_a_path_entry_beside_good_files_refuses_the_whole_zip(mini_dir, temp_store_url):
    raw = _zip({"positions.csv": csv_bytes("positions", [position(1)]), "../reactions.csv": b"x\n"})
    preview = preview_import([("export.zip", raw)], Store(temp_store_url), mini_dir)
    assert [p.file for p in preview.problems] == ["export.zip: ../reactions.csv"]


def test_macos_metadata_beside_the_files_is_skipped(mini_dir, temp_store_url):
    raw = _zip({"positions.csv": csv_bytes("positions", [position(1)]), "__MACOSX/._positions.csv": b"\x00\x05"})
    preview = preview_import([("export.zip", raw)], Store(temp_store_url), mini_dir)
    assert preview.ok and preview.n_new == 1, preview.problems


def test_export_all_is_flat_and_imports_back(tmp_path, mini_dir):
    store = Store(f"sqlite:///{tmp_path / 'a.sqlite'}")
    commit(
        preview_import([("positions.csv", csv_bytes("positions", [position(1), position(2)]))], store, mini_dir), store
    )
    exported = export_all(load_dataset(mini_dir, store), mini_dir)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert all("/" not in name and "\\" not in name for name in archive.namelist())
    empty = Store(f"sqlite:///{tmp_path / 'b.sqlite'}")
    preview = preview_import([("export.zip", exported)], empty, mini_dir)
    assert preview.ok, preview.problems
    assert len(preview.new["positions"]) == 2
