"""Commitment events and plan provisions are imported records: checked with the rules the bundled load applies,
written as one batch, shown with origin 'imported', undone; a store of the layout before them is read and upgraded.

Every test runs against SQLite and a real PostgreSQL server (tests/pg.py)."""

from __future__ import annotations

import json

import pytest

from parley.building import IMPORTED
from parley.importer import ImportRefused, commit, preview_import, undo_batch
from parley.loading import load_dataset
from parley.store import LAYOUT_VERSION, Store
from tests.importing import csv_bytes, query, run_sql, table_columns
from tests.mini import S1

URL = "https://example.org/news/2025/06/20/prisoner-swap-done"


@pytest.fixture(autouse=True)
def temp_store_url(any_store_url: str) -> str:
    """This module's tests run once with a SQLite store and once with a PostgreSQL one."""
    return any_store_url


def item(**changes: object) -> dict[str, object]:
    return {
        "item_id": "itm-0101",
        "talk_id": "2025-06-02-istanbul",
        "issue_id": "prisoners",
        "summary": "A further exchange of prisoners of war.",
        "status": "agreed",
        "confidence": "medium",
    } | changes


def event(**changes: object) -> dict[str, object]:
    return {
        "event_id": "cev-0101",
        "item_id": "itm-0101",
        "date": "2025-06-20",
        "status": "full",
        "confidence": "medium",
        "note": "The exchange took place.",
    } | changes


def provision(**changes: object) -> dict[str, object]:
    return {
        "provision_id": "kyiv-plan.2",
        "plan_id": "kyiv-plan",
        "point": 2,
        "issue_id": "ceasefire",
        "option_id": "ceasefire.partial",
        "summary": "A truce in the air and at sea first.",
        "confidence": "medium",
    } | changes


def bundle(**tables: list[dict[str, object]]) -> bytes:
    source = {"url": URL, "outlet": "Example Wire", "title": "Swap done", "published": "2025-06-20"}
    body = {"format": "parley-article-bundle/1", "source": source | {"source_type": "wire"}, **tables}
    return json.dumps(body).encode("utf-8")


def _ledger(ds):
    events = ds.commitments.set_index("event_id")
    provisions = ds.provisions.set_index("provision_id")
    return events, provisions


def test_an_event_for_an_item_of_the_same_article_and_a_provision_import_show_and_undo(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    records = {"agreed_items": [item()], "commitment_events": [event()], "plan_provisions": [provision()]}
    files = [("article.json", bundle(**records))]
    preview = preview_import(files, store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    assert {name: len(frame) for name, frame in preview.new.items() if len(frame)} == {
        "sources": 1,
        "agreed_items": 1,
        "commitment_events": 1,
        "plan_provisions": 1,
    }
    batch = commit(preview, store, via="test")
    assert batch.counts["commitment_events"] == 1 and batch.counts["plan_provisions"] == 1
    assert store.batches().loc[0, "n_records"] == 4

    events, provisions = _ledger(load_dataset(mini_dir, store, use_cache=False))
    new = events.loc["cev-0101"]
    assert new["origin"] == IMPORTED and new["status"] == "full" and new["is_latest"]
    assert new["summary"] == "A further exchange of prisoners of war." and new["talk_id"] == "2025-06-02-istanbul"
    assert new["source_ids"] != S1 and new["source_ids"].startswith("src-")  # the article, by default
    assert events.loc["cev-0001", "origin"] == "bundled"
    point = provisions.loc["kyiv-plan.2"]
    assert point["origin"] == IMPORTED and point["option_label"] == "Partial truce" and point["point"] == 2
    assert point["plan_title"] == provisions.loc["kyiv-plan.1", "plan_title"]

    undo_batch(store, batch.batch_id, mini_dir)
    events, provisions = _ledger(load_dataset(mini_dir, store, use_cache=False))
    assert "cev-0101" not in events.index and "kyiv-plan.2" not in provisions.index
    assert all(frame.empty for frame in store.imported_frames().values())


def test_events_and_provisions_import_from_csv_files_too(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    row = {k: str(v) for k, v in event(item_id="itm-0002", status="violated", note="").items()} | {"source_ids": S1}
    point = {k: str(v) for k, v in provision(option_id="", notes="").items()} | {"source_ids": S1}
    files = [("commitment_events.csv", csv_bytes("commitment_events", [row]))]
    files += [("plan_provisions.csv", csv_bytes("plan_provisions", [point]))]
    preview = preview_import(files, store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    commit(preview, store)
    events, provisions = _ledger(load_dataset(mini_dir, store, use_cache=False))
    assert events.loc["cev-0101", "origin"] == IMPORTED and provisions.loc["kyiv-plan.2", "option_id"] == ""


BAD_ROWS = {
    "unknown item": (
        "commitment_events",
        event(item_id="itm-9999"),
        "item_id",
        "unknown id: not in agreed_items.csv",
    ),
    "status off the scheme": (
        "commitment_events",
        event(item_id="itm-0001", status="done"),
        "status",
        "codebook scheme 'commitment_status'",
    ),
    "event in the future": (
        "commitment_events",
        event(item_id="itm-0001", date="2099-01-01"),
        "date",
        "date is in the future",
    ),
    "unknown plan": ("plan_provisions", provision(plan_id="no-plan"), "plan_id", "unknown id: not in plans.csv"),
    "option of another issue": (
        "plan_provisions",
        provision(option_id="ceasefire.partial", issue_id="territory"),
        "option_id",
        "give an option of the provision's own issue",
    ),
    "point not a whole number": ("plan_provisions", provision(point="two"), "point", "whole number"),
    "existing provision id": ("plan_provisions", provision(provision_id="kyiv-plan.1"), "provision_id", "conflict"),
}


@pytest.mark.parametrize("table,record,column,rule", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_a_bad_event_or_provision_is_refused_naming_file_row_column_and_rule(
    temp_store_url, mini_dir, table, record, column, rule
):
    store = Store(temp_store_url)
    good = event(event_id="cev-0102", item_id="itm-0001") if table == "commitment_events" else provision(point=3)
    good |= {"provision_id": "kyiv-plan.3"} if table == "plan_provisions" else {}
    preview = preview_import([("article.json", bundle(**{table: [good, record]}))], store, mini_dir)
    found = [p for p in preview.problems if p.column == column and rule in p.rule]
    assert found, [str(p) for p in preview.problems]
    assert found[0].file == f"article.json [{table}]" and found[0].row == 2  # the second record of its list
    assert all(p.row != 1 for p in preview.problems if p.file == f"article.json [{table}]")  # the good one passes
    with pytest.raises(ImportRefused):
        commit(preview, store)
    assert store.batches().empty


def test_undo_of_an_item_is_refused_while_an_imported_event_names_it(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    first = commit(preview_import([("article.json", bundle(agreed_items=[item()]))], store, mini_dir), store)
    second = commit(preview_import([("a.json", bundle(commitment_events=[event()]))], store, mini_dir), store)
    with pytest.raises(ImportRefused) as info:
        undo_batch(store, first.batch_id, mini_dir)
    assert any(p.column == "item_id" and "agreed_items.csv" in p.rule for p in info.value.problems)
    undo_batch(store, second.batch_id, mini_dir)
    undo_batch(store, first.batch_id, mini_dir)
    assert all(frame.empty for frame in store.imported_frames().values())


@pytest.mark.parametrize("name", ["issue_options", "plans"])
def test_issue_options_and_plans_still_change_only_with_a_data_release(temp_store_url, mini_dir, name):
    preview = preview_import([(f"{name}.csv", b"a,b\n1,2\n")], Store(temp_store_url), mini_dir)
    assert [p.rule for p in preview.problems] == [
        f"{name}.csv cannot be imported: codes, issues, fact checks, issue options and plans change only with a "
        "data release"
    ]


def test_a_store_of_the_layout_before_events_and_provisions_is_read_then_upgraded(temp_store_url, mini_dir):
    store = Store(temp_store_url)
    commit(preview_import([("article.json", bundle(agreed_items=[item()]))], store, mini_dir), store)
    # What a Parley of layout 2 wrote: no tables for events and provisions.
    run_sql(
        temp_store_url,
        "DROP TABLE commitment_events",
        "DROP TABLE plan_provisions",
        "UPDATE store_meta SET value = '2' WHERE key = 'layout'",
    )
    store = Store(temp_store_url)
    assert not store.status().write_refused
    frames = store.imported_frames()
    assert frames["commitment_events"].empty and frames["agreed_items"]["item_id"].tolist() == ["itm-0101"]
    assert "itm-0101" in set(load_dataset(mini_dir, store, use_cache=False).items["item_id"])

    commit(preview_import([("a.json", bundle(commitment_events=[event()]))], store, mini_dir), store)
    assert {"commitment_events", "plan_provisions"} <= set(table_columns(temp_store_url))
    assert query(temp_store_url, "SELECT value FROM store_meta WHERE key = 'layout'") == [(LAYOUT_VERSION,)]
    assert LAYOUT_VERSION == "3"
    assert store.imported_frames()["commitment_events"]["event_id"].tolist() == ["cev-0101"]
