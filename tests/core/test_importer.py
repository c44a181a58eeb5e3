"""Valid imports: what the preview says, how the records join the dataset, and the export that imports back."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Callable

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parley import schema as s
from parley.importer import (
    MAX_FILE_BYTES,
    ImportRefused,
    commit,
    example_bundle,
    export_all,
    imported_records,
    origin_counts,
    preview_import,
    source_id_for,
    template_csv,
    to_raw_frames,
)
from parley.loading import DEFAULT_DATA_DIR, load_dataset, read_raw_tables
from parley.store import Store
from parley.validation import DataValidationError
from tests.importing import csv_bytes, position
from tests.mini import S1, S2, TABLES, write_mini

DATASET_ATTRS = ("sources", "actors", "issues", "codebook", "talks", "participants", "items", "positions", "reactions")


def _store(store_url_for: Callable[[str], str], name: str = "store") -> Store:
    """A store of the test's backend (SQLite or PostgreSQL, see store_url_for): the same name, the same store."""
    return Store(store_url_for(name))


def _bundle(**keys: object) -> bytes:
    body = {
        "source": {
            "url": "https://example.org/round-3",
            "outlet": "Example Wire",
            "title": "Round three",
            "published": "2025-07-24",
            "source_type": "wire",
        }
    }
    return json.dumps(body | keys).encode("utf-8")


ROUND_3 = {
    "talk_id": "2025-07-23-istanbul",
    "process_id": "russia-ukraine",
    "title": "Istanbul round 3",
    "start_date": "2025-07-23",
    "end_date": "2025-07-23",
    "city": "Istanbul",
    "country_iso3": "TUR",
    "format": "direct_bilateral",
    "status": "held",
    "outcome": "Agreed another exchange.",
    "confidence": "medium",
    "disputed": False,
}


def _round_3_bundle() -> bytes:
    return _bundle(
        talks=[ROUND_3],
        talk_participants=[
            {"talk_id": "2025-07-23-istanbul", "actor_id": "RUS", "role": "party"},
            {"talk_id": "2025-07-23-istanbul", "actor_id": "UKR", "role": "party", "delegation_head_id": None},
        ],
        agreed_items=[
            {
                "item_id": "itm-0101",
                "talk_id": "2025-07-23-istanbul",
                "issue_id": "prisoners",
                "summary": "Exchange of 1,200 prisoners",
                "quantity": 1200,
                "quantity_unit": "prisoners per side",
                "status": "agreed",
                "confidence": "medium",
                "source_ids": [S1, S2],
            }
        ],
        positions=[{k: v for k, v in position(101, talk_id="2025-07-23-istanbul").items() if k != "source_ids"}],
    )


# -- preview ----------------------------------------------------------------------------------------------------


def test_json_bundle_fills_in_the_source_and_converts_json_values(store_url_for, mini_dir):
    # The position has no source_ids: records without them cite the bundle's source.
    preview = preview_import([("round3.json", _round_3_bundle())], _store(store_url_for), mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    src = source_id_for("https://example.org/round-3")
    assert src == "src-" + hashlib.sha1(b"https://example.org/round-3").hexdigest()[:10]
    assert preview.new["sources"]["source_id"].tolist() == [src]
    talk = preview.new["talks"].iloc[0]
    assert talk["disputed"] == "false" and talk["venue"] == "" and talk["source_ids"] == src
    item = preview.new["agreed_items"].iloc[0]
    assert item["quantity"] == "1200" and item["source_ids"] == f"{S1};{S2}"
    assert preview.new["positions"].iloc[0]["source_ids"] == src
    assert preview.summary().set_index("table")["new"].to_dict() == {
        "sources": 1,
        "talks": 1,
        "talk_participants": 2,
        "agreed_items": 1,
        "positions": 1,
    }


def test_exact_duplicates_are_skipped_and_reported(store_url_for, mini_dir):
    existing = TABLES["positions"][0]
    files = [("positions.csv", csv_bytes("positions", [existing, position(1)]))]
    preview = preview_import(files, _store(store_url_for), mini_dir)
    assert preview.ok
    assert preview.new["positions"]["position_id"].tolist() == ["pos-00001"]
    skipped = preview.skipped["positions"]
    assert skipped.to_dict("records") == [
        {"file": "positions.csv", "row": 2, "record": "pos-0001", "exists in": "the bundled data"}
    ]
    assert preview.summary().to_dict("records") == [
        {"table": "positions", "new": 1, "duplicates skipped": 1, "conflicts": 0}
    ]


def test_conflicts_are_listed_with_the_columns_that_differ(store_url_for, mini_dir):
    changed = TABLES["positions"][0] | {"summary": "Another reading", "confidence": "high"}
    preview = preview_import([("positions.csv", csv_bytes("positions", [changed]))], _store(store_url_for), mini_dir)
    assert not preview.ok
    conflict = preview.conflicts["positions"].iloc[0]
    assert conflict["record"] == "pos-0001" and conflict["differs in"] == "summary, confidence"
    with pytest.raises(ImportRefused):
        commit(preview, _store(store_url_for))


def test_a_conflict_with_an_imported_record_shows_both_values_and_its_batch_and_writes_nothing(store_url_for, mini_dir):
    store = _store(store_url_for)
    first = commit(preview_import([("positions.csv", csv_bytes("positions", [position(1)]))], store, mini_dir), store)
    revision = store.revision()
    changed = position(1, stance="reject")
    preview = preview_import([("positions.csv", csv_bytes("positions", [changed]))], store, mini_dir)
    [problem] = preview.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "positions.csv",
        2,
        "position_id",
        "pos-00001",
    )
    assert problem.rule == (
        f"conflict: this id already exists in imported batch {first.batch_id} with other values (stance was "
        "'demand', here 'reject'); to change the existing record, open record?id=pos-00001 and use 'Propose a "
        f"correction', or undo batch {first.batch_id} and import again; to add a different record, give it a new id"
    )
    conflict = preview.conflicts["positions"].iloc[0]
    assert (conflict["old values"], conflict["new values"]) == ("stance: demand", "stance: reject")
    with pytest.raises(ImportRefused):
        commit(preview, store)
    assert store.revision() == revision and len(store.batches()) == 1
    assert store.imported_frames()["positions"]["stance"].tolist() == ["demand"]


def test_sources_without_an_id_get_the_id_from_their_url_and_can_be_cited(store_url_for, mini_dir):
    url = "https://example.org/second-source"
    cited = position(7) | {"source_ids": [source_id_for(url)]}
    raw = _bundle(sources=[{"url": url, "outlet": "Example Daily", "source_type": "wire"}], positions=[cited])
    store = _store(store_url_for)
    preview = preview_import([("bundle.json", raw)], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert preview.new["sources"]["source_id"].tolist() == [
        source_id_for("https://example.org/round-3"),
        source_id_for(url),
    ]
    commit(preview, store)
    assert source_id_for(url) in store.imported_frames()["sources"]["source_id"].tolist()


def test_spreadsheet_booleans_are_written_as_true_and_false(store_url_for, mini_dir):
    rows = [position(1, disputed="TRUE"), position(2, disputed="FALSE"), position(3, disputed="false")]
    store = _store(store_url_for)
    preview = preview_import([("positions.csv", csv_bytes("positions", rows))], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert preview.notes == (
        "positions.csv: 2 disputed value(s) written as a spreadsheet saves them (FALSE, TRUE) were read as true/false.",
    )
    commit(preview, store)
    assert store.imported_frames()["positions"]["disputed"].tolist() == ["true", "false", "false"]


@pytest.mark.parametrize(
    "column,value,other_kind", [("speaker_id", "Russia", "RUS"), ("actor_id", "Medinsky", "vladimir")]
)
def test_only_actors_of_the_columns_kind_are_suggested(store_url_for, mini_dir, column, value, other_kind):
    """Russia is no speaker and Medinsky no party: the nearest names of the other kind are not offered."""
    rows = [position(1, **{column: value})]
    preview = preview_import([("positions.csv", csv_bytes("positions", rows))], _store(store_url_for), mini_dir)
    [problem] = preview.problems
    assert problem.column == column and problem.rule.startswith("unknown id: not in actors.csv")
    assert other_kind not in problem.rule and "did you mean" not in problem.rule


def test_unknown_ids_past_the_listed_thousand_are_counted(mini_dir, temp_store_url):
    rows = [position(i, actor_id="ATLANTIS") for i in range(1, 1006)]
    preview = preview_import([("positions.csv", csv_bytes("positions", rows))], Store(temp_store_url), mini_dir)
    assert len(preview.problems) == 1001
    assert str(preview.problems[0]) == (
        "positions.csv, column 'actor_id': 5 more ids break this rule: unknown id: not in actors.csv"
    )


def test_references_resolve_against_the_store_and_the_same_import(store_url_for, mini_dir):
    store = _store(store_url_for)
    commit(preview_import([("round3.json", _round_3_bundle())], store, mini_dir), store)
    later = position(102, talk_id="2025-07-23-istanbul", speaker_id="vladimir_medinsky")
    preview = preview_import([("positions.csv", csv_bytes("positions", [later]))], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    again = preview_import([("round3.json", _round_3_bundle())], store, mini_dir)
    assert again.ok and again.n_new == 0 and again.n_skipped == 6
    assert set(again.skipped["talks"]["exists in"]) == {f"imported batch {store.batches().loc[0, 'batch_id']}"}
    with pytest.raises(ImportRefused, match="Nothing new"):
        commit(again, store)


def test_several_csv_files_at_once(store_url_for, mini_dir):
    source = {
        "source_id": "src-00000000aa",
        "url": "https://example.org/new",
        "outlet": "Example Wire",
        "title": "New",
        "published": "2025-06-10",
        "source_type": "wire",
        "reliability_notes": "",
    }
    files = [
        ("positions.csv", csv_bytes("positions", [position(1, source_ids="src-00000000aa")])),
        ("sources.csv", csv_bytes("sources", [source])),
    ]
    store = _store(store_url_for)
    preview = preview_import(files, store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    batch = commit(preview, store)
    assert batch.counts == {"sources": 1, "positions": 1} and batch.files == ("positions.csv", "sources.csv")


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(store_url_for, mini_dir):
    header, good = csv_bytes("positions", [position(1)]).decode().splitlines()
    multi = csv_bytes("positions", [position(2, summary="two\nlines")]).decode().split("\n", 1)[1]
    bad = csv_bytes("positions", [position(3, stance="maybe")]).decode().splitlines()[1]
    raw = f"{header}\n{good}\n\n{multi}{bad}\n".encode()
    preview = preview_import([("positions.csv", raw)], _store(store_url_for), mini_dir)
    # header 1, good 2, blank 3, the two-line record 4, the bad record 5
    assert [(p.row, p.column) for p in preview.problems] == [(5, "stance")]


def test_the_default_size_cap(store_url_for, mini_dir):
    raw = csv_bytes("positions", [position(1)]) + b" " * MAX_FILE_BYTES
    preview = preview_import([("positions.csv", raw)], _store(store_url_for), mini_dir)
    assert [p.rule for p in preview.problems] == [
        "file is too large: the limit is 5.0 MB per file; split the records into several files"
    ]


def test_templates_have_the_schema_header_and_the_example_bundle_is_valid(store_url_for):
    for name in s.RECORD_TABLES:
        raw = template_csv(name)
        assert raw.decode("utf-8-sig").strip().split(",") == s.TABLES_BY_NAME[name].column_names
    preview = preview_import([("article.json", example_bundle())], _store(store_url_for))
    assert preview.ok, [str(p) for p in preview.problems]
    # The example is one article's records: the ledger tables (commitment events, plan provisions) have their own
    # tests (test_import_ledger), since the Import page's example must also load on the mini dataset's plans.
    ledger = {"plan_provisions", "commitment_events"}
    assert preview.n_new == 9 and set(preview.new) == set(s.RECORD_TABLES) - ledger


# -- the dataset with imports -----------------------------------------------------------------------------------


def test_imported_records_join_every_table_marked_imported(store_url_for, mini_dir, mini):
    before = {p.name: p.read_bytes() for p in mini_dir.iterdir()}
    store = _store(store_url_for)
    commit(preview_import([("round3.json", _round_3_bundle())], store, mini_dir), store)
    ds = load_dataset(mini_dir, store)
    assert {p.name: p.read_bytes() for p in mini_dir.iterdir()} == before  # the bundled files are never written
    talk = ds.talks[ds.talks["talk_id"] == "2025-07-23-istanbul"].iloc[0]
    assert talk["origin"] == "imported" and talk["parties"] == "Russia, Ukraine" and talk["prisoners_per_side"] == 1200
    assert (ds.talks["origin"] == "bundled").sum() == len(mini.talks)
    tables = {"talks": ds.talks, "agreed_items": ds.items, "positions": ds.positions, "sources": ds.sources}
    assert origin_counts(tables).to_dict("records") == [
        {"table": "talks", "bundled": 3, "imported": 1},
        {"table": "agreed_items", "bundled": 2, "imported": 1},
        {"table": "positions", "bundled": 5, "imported": 1},
        {"table": "sources", "bundled": 3, "imported": 1},
    ]
    listed = imported_records(tables)
    assert listed[listed["table"] == "talks"][["id", "date", "text"]].values.tolist() == [
        ["2025-07-23-istanbul", "2025-07-23", "Istanbul round 3"]
    ]
    assert set(ds.participants.loc[ds.participants["origin"] == "imported", "actor_id"]) == {"RUS", "UKR"}


def test_without_a_store_everything_is_bundled(mini):
    for frame in (mini.talks, mini.items, mini.positions, mini.reactions, mini.sources, mini.actors, mini.participants):
        assert set(frame["origin"]) == {"bundled"}


def test_an_imported_record_that_a_new_release_contains_is_not_doubled(store_url_for, tmp_path, mini_dir):
    store = _store(store_url_for)
    files = [("positions.csv", csv_bytes("positions", [position(1), position(2)]))]
    commit(preview_import(files, store, mini_dir), store)
    release = write_mini(tmp_path / "release", {"positions": [*TABLES["positions"], position(1)]})
    ds = load_dataset(release, store)
    assert ds.positions["position_id"].tolist().count("pos-00001") == 1
    assert ds.positions.set_index("position_id").loc[["pos-00001", "pos-00002"], "origin"].tolist() == [
        "bundled",
        "imported",
    ]


def test_a_clash_with_a_new_release_names_the_imported_record_and_its_batch(store_url_for, tmp_path, mini_dir):
    store = _store(store_url_for)
    batch = commit(preview_import([("positions.csv", csv_bytes("positions", [position(1)]))], store, mini_dir), store)
    release = write_mini(tmp_path / "release", {"positions": [*TABLES["positions"], position(1, summary="Released")]})
    with pytest.raises(DataValidationError) as info:
        load_dataset(release, store)
    files = {p.file for p in info.value.problems}
    assert f"positions.csv (imported record pos-00001, batch {batch.batch_id})" in files, files


# -- export -----------------------------------------------------------------------------------------------------


def test_raw_frames_of_a_dataset_are_the_files_it_was_read_from(bundled):
    raw, _ = read_raw_tables(DEFAULT_DATA_DIR)
    back = to_raw_frames(bundled)
    for table in s.TABLES:
        key = [table.key] if table.key else list(table.column_names)
        expected = raw[table.name][table.column_names].sort_values(key).reset_index(drop=True)
        assert_frame_equal(back[table.name].sort_values(key).reset_index(drop=True), expected, check_dtype=False)


def test_export_holds_every_table_the_dictionary_and_the_version(store_url_for, mini_dir):
    ds = load_dataset(mini_dir, _store(store_url_for))
    with zipfile.ZipFile(io.BytesIO(export_all(ds, mini_dir))) as archive:
        names = set(archive.namelist())
        assert names == {t.file for t in s.TABLES} | {"VERSION"}  # the mini folder has no README.md
        assert archive.read("VERSION").decode() == "test.1\n"
    with zipfile.ZipFile(io.BytesIO(export_all(ds))) as archive:
        assert archive.read("README.md") == (DEFAULT_DATA_DIR / "README.md").read_bytes()


@pytest.mark.parametrize("base", ["mini", "bundled"])
def test_export_imported_into_an_empty_store_gives_identical_tables(store_url_for, mini_dir, base):
    data_dir = mini_dir if base == "mini" else DEFAULT_DATA_DIR
    store = _store(store_url_for, "first")
    if base == "mini":
        commit(preview_import([("round3.json", _round_3_bundle())], store, data_dir), store)
        commit(preview_import([("positions.csv", csv_bytes("positions", [position(7)]))], store, data_dir), store)
    commit(preview_import([("article.json", example_bundle())], store, data_dir), store)
    original = load_dataset(data_dir, store)
    assert (original.positions["origin"] == "imported").sum() == (3 if base == "mini" else 1)

    empty = _store(store_url_for, "second")
    preview = preview_import([("export.zip", export_all(original, data_dir))], empty, data_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert any("Not imported from the zip" in note for note in preview.notes)
    commit(preview, empty)
    copy = load_dataset(data_dir, empty)
    for attr in (*DATASET_ATTRS, "fact_checks"):
        assert_frame_equal(getattr(copy, attr), getattr(original, attr), obj=attr)
    for name, frame in empty.imported_frames().items():
        key = s.TABLES_BY_NAME[name].column_names
        mine = store.imported_frames()[name].sort_values(key).reset_index(drop=True)
        assert_frame_equal(frame.sort_values(key).reset_index(drop=True), mine, obj=name)

    same = preview_import([("export.zip", export_all(original, data_dir))], store, data_dir)
    assert same.ok and same.n_new == 0  # the export into its own store: all duplicates


def test_an_export_from_a_sqlite_store_moves_the_records_into_a_postgresql_one(tmp_path, mini_dir, pg_server):
    sqlite_store = Store(f"sqlite:///{tmp_path / 'old.sqlite'}")
    commit(preview_import([("round3.json", _round_3_bundle())], sqlite_store, mini_dir), sqlite_store)
    original = load_dataset(mini_dir, sqlite_store, use_cache=False)
    postgres = Store(pg_server.new_database("moved"))
    commit(preview_import([("export.zip", export_all(original, mini_dir))], postgres, mini_dir), postgres)
    moved = load_dataset(mini_dir, postgres, use_cache=False)
    for attr in (*DATASET_ATTRS, "fact_checks"):
        assert_frame_equal(getattr(moved, attr), getattr(original, attr), obj=attr)
    assert (moved.talks["origin"] == "imported").sum() == 1


def test_export_does_not_escape_spreadsheet_formulas(tmp_path, mini):
    # The mini data holds '=Spreadsheet Trap' and '=HYPERLINK(...)': the export must keep them byte for byte.
    with zipfile.ZipFile(io.BytesIO(export_all(mini))) as archive:
        sources = pd.read_csv(archive.open("sources.csv"), dtype=str, keep_default_na=False)
    assert "=Spreadsheet Trap" in sources["outlet"].tolist()


def test_a_batch_that_clashes_with_a_new_release_can_still_be_undone(store_url_for, tmp_path, mini_dir):
    from parley.importer import undo_batch

    store = _store(store_url_for)
    one = commit(preview_import([("positions.csv", csv_bytes("positions", [position(1)]))], store, mini_dir), store)
    commit(preview_import([("positions.csv", csv_bytes("positions", [position(2)]))], store, mini_dir), store)
    clashing = [*TABLES["positions"], position(1, summary="Released"), position(2, summary="Released")]
    release = write_mini(tmp_path / "release", {"positions": clashing})
    undo_batch(store, one.batch_id, release)  # the other clash remains, but this undo adds no problem
    with pytest.raises(DataValidationError) as info:
        load_dataset(release, store)
    assert all("pos-00002" in p.file or p.row is not None for p in info.value.problems)


# -- positions on the issue scales ------------------------------------------------------------------------------


def _without_option_column(rows: list[dict[str, str]]) -> bytes:
    columns = [c for c in s.POSITIONS.column_names if c != "option_id"]
    frame = pd.DataFrame(rows)[columns]
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


def test_a_csv_with_options_imports_and_the_dataset_reads_their_labels_and_ranks(store_url_for, mini_dir):
    store = _store(store_url_for)
    rows = [position(3, option_id="ceasefire.partial"), position(6, option_id=""), position(1)]
    commit(preview_import([("positions.csv", csv_bytes("positions", rows))], store, mini_dir), store)
    placed = load_dataset(mini_dir, store).positions.set_index("position_id")
    assert placed.loc["pos-00003", ["option_id", "option_label", "option_rank"]].tolist() == [
        "ceasefire.partial",
        "Partial truce",
        2,
    ]
    assert placed.loc[["pos-00006", "pos-00001"], "option_id"].tolist() == ["", ""]
    assert placed.loc[["pos-00006", "pos-00001"], "option_rank"].isna().all()


def test_a_positions_csv_written_before_options_existed_imports_with_none(store_url_for, mini_dir):
    raw = _without_option_column([position(3), position(4)])
    assert b"option_id" not in raw
    preview = preview_import([("positions.csv", raw)], _store(store_url_for), mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert preview.new["positions"]["option_id"].tolist() == ["", ""]
    assert list(preview.new["positions"].columns) == s.POSITIONS.column_names


def test_a_json_bundle_places_positions_and_leaves_out_those_without_an_option(store_url_for, mini_dir):
    store = _store(store_url_for)
    bundle = _bundle(
        positions=[
            position(3, option_id="ceasefire.after_withdrawal") | {"source_ids": [S1]},
            {k: v for k, v in position(6).items() if k != "option_id"},
            position(9, option_id=None),  # null means empty
        ]
    )
    preview = preview_import([("article.json", bundle)], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert preview.new["positions"]["option_id"].tolist() == ["ceasefire.after_withdrawal", "", ""]
    commit(preview, store)
    placed = load_dataset(mini_dir, store).positions.set_index("position_id")
    assert placed.loc["pos-00003", "option_rank"] == 3


@pytest.mark.parametrize(
    ("option", "rule"),
    [
        ("ceasefire.partial", "option ceasefire.partial is on the scale of ceasefire, not territory"),
        ("territory.freeze_line", "unknown option: not in issue_options.csv"),
    ],
)
def test_a_bundle_with_an_option_off_its_positions_scale_is_refused(store_url_for, mini_dir, option, rule):
    ok, wrong = position(3, option_id="ceasefire.partial"), position(4, option_id=option)  # pos-00004: territory
    preview = preview_import([("article.json", _bundle(positions=[ok, wrong]))], _store(store_url_for), mini_dir)
    assert [(p.file, p.row, p.column, p.value) for p in preview.problems] == [
        ("article.json [positions]", 2, "option_id", option)
    ]
    assert preview.problems[0].rule.startswith(rule)
    with pytest.raises(ImportRefused):
        commit(preview, _store(store_url_for))


def test_a_csv_option_off_its_scale_is_refused_at_its_spreadsheet_row(store_url_for, mini_dir):
    rows = [position(3), position(5, option_id="ceasefire.partial")]  # pos-00005: territory
    preview = preview_import([("positions.csv", csv_bytes("positions", rows))], _store(store_url_for), mini_dir)
    assert [(p.file, p.row, p.column) for p in preview.problems] == [("positions.csv", 3, "option_id")]
    assert "not territory" in preview.problems[0].rule


def test_the_example_bundle_shows_an_option(tmp_path):
    positions = json.loads(example_bundle())["positions"]
    assert positions[0]["option_id"].startswith(positions[0]["issue_id"] + ".")
