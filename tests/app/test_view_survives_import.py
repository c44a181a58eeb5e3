"""An import or undo landing from elsewhere (the CLI, another session) keeps an open session's filters."""

from __future__ import annotations

from datetime import date

from components.data import data_dir
from components.filters import K_DATES, K_ISSUE, K_PARTY
from components.registry import PAGES
from components.sections import P_VIEW, section_key
from parley.importer import commit, preview_import, undo_batch
from parley.store import Store
from tests.app.conftest import assert_clean
from tests.importing import csv_bytes, position

PAGE = {p.url_path: p for p in PAGES}


def _import_elsewhere(store_url: str, **changes: str) -> str:
    store = Store(store_url)
    preview = preview_import([("positions.csv", csv_bytes("positions", [position(1, **changes)]))], store, data_dir())
    assert not preview.problems, preview.problems
    return commit(preview, store, via="cli").batch_id


def test_an_import_while_a_filtered_page_is_open_keeps_the_filters(on_mini, temp_store_url):
    at = on_mini(PAGE["positions"])
    at.multiselect(key=K_PARTY).set_value(["RUS"]).run()
    assert_clean(at)
    # a new date outside the old span: a full date range must take it in, a narrowed one must stay as it was
    batch = _import_elsewhere(temp_store_url, date="2026-06-01")
    # the reader's next change lands in the same rerun as the new data, before the URL holds it
    at.multiselect(key=K_ISSUE).set_value(["territory"]).run()
    assert_clean(at)
    assert at.multiselect(key=K_PARTY).value == ["RUS"]
    assert at.multiselect(key=K_ISSUE).value == ["territory"]
    assert at.date_input(key=K_DATES).value[1] == date(2026, 6, 1)  # the full range widened to the new record

    at.date_input(key=K_DATES).set_value((date(2025, 6, 1), date(2025, 8, 1))).run()
    undo_batch(Store(temp_store_url), batch, data_dir())
    at.run()
    assert_clean(at)
    assert at.multiselect(key=K_PARTY).value == ["RUS"]
    assert at.multiselect(key=K_ISSUE).value == ["territory"]
    assert tuple(at.date_input(key=K_DATES).value) == (date(2025, 6, 1), date(2025, 8, 1))


def test_an_import_keeps_the_open_section_and_its_link(on_mini, temp_store_url):
    at = on_mini(PAGE["positions"], None, "statements")
    at.multiselect(key=K_PARTY).set_value(["RUS"]).run()
    assert at.query_params.get(P_VIEW) == "statements"
    _import_elsewhere(temp_store_url, date="2026-06-01")
    at.multiselect(key=K_ISSUE).set_value(["territory"]).run()  # the next change meets the new data
    assert_clean(at)
    assert at.session_state[section_key(PAGE["positions"])] == "Statements"
    assert at.query_params.get(P_VIEW) == "statements"
    assert any("Stance" in t.value.columns for t in at.dataframe)  # the statements table, not the first section
