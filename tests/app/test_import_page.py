"""The Import page: upload, problems or preview, confirm, the new round on the Timeline, undo; text stays text."""

from __future__ import annotations

from components.registry import PAGES, ROOT
from parley.importer import example_bundle
from parley.records import link_label
from parley.schema import RECORD_TABLES
from parley.store import Store
from tests.app.conftest import assert_clean, go_to
from tests.importing import csv_bytes, position
from tests.mini import TABLES

CASES = ROOT / "tests" / "import_cases"

PAGE = {p.url_path: p for p in PAGES}
UPLOADER = "import.files.0"


def _frame_with(at, column: str):
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column}: {[list(f.value.columns) for f in at.dataframe]}")


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "success", "error", "info", "warning") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_import_page_is_last_in_the_registry():
    assert PAGES[-1].path == "pages/import.py" and PAGES[-1].url_path == "import"


def test_upload_preview_confirm_then_the_round_is_on_the_timeline(on_mini, temp_store_url):
    at = on_mini(PAGE["import"])
    assert_clean(at)
    assert any("Nothing imported yet" in c.value for c in at.caption)
    at.file_uploader(key=UPLOADER).set_value(("article.json", example_bundle(), "application/json")).run()
    assert_clean(at)
    summary = _frame_with(at, "duplicates skipped")
    assert summary.set_index("table")["new"].sum() == 9
    assert Store(temp_store_url).batches().empty  # nothing is written before the confirm

    at.button(key="import.confirm").click().run()
    assert_clean(at)
    assert any("Imported batch" in s.value for s in at.success)
    store = Store(temp_store_url)
    assert store.batches()["n_records"].tolist() == [9]
    assert at.file_uploader(key="import.files.1").value in (None, [])  # a fresh, empty uploader
    imported = _frame_with(at, "text")
    assert "Istanbul round (example)" in imported["text"].tolist()

    go_to(at, PAGE["timeline"], "rounds")
    assert_clean(at)
    rounds = _frame_with(at, "Round")
    # the date range widened to the new round; round names are links to their record, showing the name
    assert "Istanbul round (example)" in rounds["Round"].map(link_label).tolist()


def test_a_bad_file_lists_its_problems_and_offers_no_confirm(on_mini, temp_store_url):
    at = on_mini(PAGE["import"])
    bad = csv_bytes("positions", [position(1, actor_id="ATLANTIS", date="2025-02-30")])
    at.file_uploader(key=UPLOADER).set_value(("positions.csv", bad, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("problem(s) found" in e.value for e in at.error)
    problems = _frame_with(at, "rule")
    assert list(problems.columns) == ["file", "row", "column", "value", "rule"]
    assert {(r.file, r.row, r.column) for r in problems.itertuples()} >= {("positions.csv", 2, "date")}
    assert not [b for b in at.button if b.key == "import.confirm"]
    assert Store(temp_store_url).batches().empty


def test_undo_asks_first_then_removes_the_batch(on_mini, temp_store_url):
    at = on_mini(PAGE["import"])
    at.file_uploader(key=UPLOADER).set_value(("positions.csv", csv_bytes("positions", [position(1)]), "text/csv"))
    at.run()
    at.button(key="import.confirm").click().run()
    batch_id = Store(temp_store_url).batches().loc[0, "batch_id"]
    assert _frame_with(at, "batch_id")["batch_id"].tolist() == [batch_id]

    at.button(key=f"import.undo.{batch_id}").click().run()
    assert_clean(at)
    assert any(batch_id in w.value for w in at.warning)
    assert Store(temp_store_url).batches().loc[0, "undone_at"] == ""  # asked, not yet done
    at.button(key="import.undo_confirm").click().run()
    assert_clean(at)
    assert any(f"Undone batch {batch_id}" in s.value for s in at.success)
    assert Store(temp_store_url).imported_frames()["positions"].empty
    assert _frame_with(at, "batch_id").loc[0, "undone"] != ""


def test_text_from_files_is_shown_as_text_never_as_markup(on_mini):
    at = on_mini(PAGE["import"])
    hostile = position(1, summary="<img src=x onerror=alert(1)> **bold** [link](http://evil)")
    at.file_uploader(key=UPLOADER).set_value(("positions.csv", csv_bytes("positions", [hostile]), "text/csv"))
    at.run()
    at.button(key="import.confirm").click().run()
    assert_clean(at)
    assert "onerror" not in _texts(at) and "**bold**" not in _texts(at)
    assert hostile["summary"] in _frame_with(at, "text")["text"].tolist()


def test_templates_and_export_buttons_are_offered(on_mini):
    at = on_mini(PAGE["import"])
    labels = [e.proto.label for e in at.get("download_button")]
    assert "Export everything (zip)" in labels and "article bundle (JSON)" in labels
    assert {f"{name}.csv" for name in RECORD_TABLES} <= set(labels)


def test_a_workbook_is_taken_by_the_uploader_and_refused_with_how_to_save_csv(on_mini, temp_store_url):
    at = on_mini(PAGE["import"])
    assert {".csv", ".json", ".zip", ".xlsx", ".ods"} <= set(at.file_uploader(key=UPLOADER).proto.type)
    workbook = (CASES / "xlsx-file" / "positions.xlsx").read_bytes()
    at.file_uploader(key=UPLOADER).set_value(("positions.xlsx", workbook, "application/vnd.ms-excel")).run()
    assert not at.exception, [e.value for e in at.exception]
    [rule] = _frame_with(at, "rule")["rule"].tolist()
    assert rule.startswith("a spreadsheet workbook (.xlsx) cannot be imported: save each sheet as a CSV file")
    assert "'CSV UTF-8 (Comma delimited) (*.csv)'" in rule
    assert Store(temp_store_url).batches().empty


def test_a_conflict_with_a_bundled_record_shows_old_and_new_values_and_the_correction_to_propose(on_mini):
    changed = TABLES["positions"][0] | {"stance": "reject"}
    at = on_mini(PAGE["import"])
    at.file_uploader(key=UPLOADER).set_value(("positions.csv", csv_bytes("positions", [changed]), "text/csv")).run()
    [rule] = _frame_with(at, "rule")["rule"].tolist()
    assert "stance was 'demand', here 'reject'" in rule and "'Propose a correction'" in rule
    conflicts = _frame_with(at, "old values")
    assert conflicts[["record", "old values", "new values"]].values.tolist() == [
        ["pos-0001", "stance: demand", "stance: reject"]
    ]
