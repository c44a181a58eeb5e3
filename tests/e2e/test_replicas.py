"""Two replicas on one PostgreSQL store (issue 14): an import through one replica reaches a filtered page open on the
other within seconds, the page keeps its filters (URL and widgets) on Refresh, an undo on one is seen on both, and so
is a correction written to the store by another process."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from components.registry import PAGES, RECORD_PAGE
from parley.corrections import commit_correction, preview_correction
from parley.filters import Filters, apply_positions
from parley.importer import example_bundle
from parley.layers import CORRECTIONS_KEY
from parley.loading import Dataset
from parley.store import Store
from tests.e2e.helpers import (
    Server,
    Watch,
    choose,
    expect_chosen,
    open_page,
    query,
    rows_caption,
    streamlit_server,
    wait_for_query,
    wait_idle,
)
from tests.pg import PgServer

# The PostgreSQL marker too: `-m postgresql_only` picks this test, and like the store suite it needs the server the
# pg_server fixture starts (skipped without PostgreSQL locally, a failure in CI).
pytestmark = [pytest.mark.e2e, pytest.mark.postgresql_only]

POSITIONS = next(p for p in PAGES if p.url_path == "positions")
IMPORT = next(p for p in PAGES if p.url_path == "import")
STATEMENTS = "Statements"  # the Positions table under this subheading
# Ukraine from the link, Ceasefire from the widget: the example bundle adds one Ukrainian ceasefire position.
FILTERED = {"party": ["UKR"], "issue": ["ceasefire"]}
VIEW = {**FILTERED, "view": ["statements"]}  # the filters, on the section that lists the statements
NOTICE = "New records available"
# The example bundle: its source, an actor, a round, three participants, an agreed item, a position, a reaction.
N_EXAMPLE = 9


@pytest.fixture
def replicas(pg_server: PgServer, tmp_path: Path) -> Iterator[tuple[Server, Server, str]]:
    """Two app servers on one fresh PostgreSQL database, each with its own dataset cache (as on two machines)."""
    url = pg_server.new_database("replicas")
    with (
        streamlit_server(tmp_path / "a", store_url=url, env={"PARLEY_CACHE_DIR": str(tmp_path / "a-cache")}) as a,
        streamlit_server(tmp_path / "b", store_url=url, env={"PARLEY_CACHE_DIR": str(tmp_path / "b-cache")}) as b,
    ):
        yield a, b, url


def _open_filtered(page: Page, server: Server) -> None:
    """Positions for Ukraine (from the link), then Ceasefire chosen in the sidebar."""
    open_page(page, server.url(POSITIONS, {"party": FILTERED["party"], "view": ["statements"]}), POSITIONS.title)
    choose(page, "Issues", ["Ceasefire"])
    wait_for_query(page, VIEW)
    wait_idle(page)  # the run that wrote the link also redraws the table: wait for its end, not only for the link
    expect_chosen(page, "Issues", ["Ceasefire"])


def _refresh_after_notice(page: Page) -> None:
    """The poll shows the notice within seconds of a change made elsewhere; Refresh redraws the page."""
    notice = page.get_by_text(NOTICE)
    expect(notice).to_be_visible(timeout=15_000)
    page.get_by_role("button", name="Refresh").click()
    wait_idle(page)
    expect(notice).to_have_count(0)


def _expect_statements(page: Page, n: int) -> None:
    """The Statements table counts `n` rows (waited for: the table is redrawn after the notice and the link)."""
    expect(rows_caption(page, STATEMENTS)).to_have_text(re.compile(rf"^\s*{n} row\(s\)"), timeout=30_000)


def _assert_view_kept(page: Page) -> None:
    expect_chosen(page, "Parties and actors", ["Ukraine"])
    expect_chosen(page, "Issues", ["Ceasefire"])
    assert query(page) == VIEW


def test_import_on_one_replica_reaches_the_other_and_undo_and_a_correction_reach_both(
    page: Page, replicas: tuple[Server, Server, str], bundled: Dataset, tmp_path: Path
) -> None:
    a, b, url = replicas
    assert a.base != b.base
    before = len(apply_positions(bundled.positions, Filters(parties=("UKR",), issues=("ceasefire",))))
    assert before > 0
    watch_a = Watch().attach(page)
    _open_filtered(page, a)
    _expect_statements(page, before)

    # Import the example bundle through replica B's Import page, in a second tab.
    bundle = tmp_path / "example.json"
    bundle.write_bytes(example_bundle())
    page_b = page.context.new_page()
    watch_b = Watch().attach(page_b)
    open_page(page_b, b.url(IMPORT), IMPORT.title)
    main_b = page_b.get_by_test_id("stMain")
    main_b.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(bundle)
    confirm = main_b.get_by_role("button", name=f"Confirm: write {N_EXAMPLE} new record(s) as one import batch")
    expect(confirm).to_be_visible(timeout=30_000)
    wait_idle(page_b)
    confirm.click()
    expect(main_b.get_by_test_id("stAlertContentSuccess")).to_contain_text("Imported batch", timeout=30_000)
    wait_idle(page_b)

    # Replica A's open page hears of it, and keeps its view on Refresh: one more Ukrainian ceasefire statement.
    _refresh_after_notice(page)
    _expect_statements(page, before + 1)
    _assert_view_kept(page)

    # The same view on replica B shows the same record.
    _open_filtered(page_b, b)
    _expect_statements(page_b, before + 1)

    # Undo on replica A (a third tab, on its Import page): both open Positions pages hear of it.
    page_undo = page.context.new_page()
    open_page(page_undo, a.url(IMPORT), IMPORT.title)
    main_undo = page_undo.get_by_test_id("stMain")
    main_undo.get_by_role("button", name="Undo").click()
    expect(main_undo.get_by_test_id("stAlertContentWarning")).to_contain_text("Undo batch")
    wait_idle(page_undo)
    main_undo.get_by_role("button", name="Yes, undo it").click()
    expect(main_undo.get_by_test_id("stAlertContentSuccess")).to_contain_text("Undone batch", timeout=30_000)
    page_undo.close()

    for open_tab in (page, page_b):
        _refresh_after_notice(open_tab)
        _expect_statements(open_tab, before)
        _assert_view_kept(open_tab)

    # A correction of a bundled statement in view, written to the store by another process (as a third replica's
    # record page or the command line would): both open pages hear of it and keep their view; both replicas' record
    # pages show the corrected text, which comes from each replica's own rebuilt dataset.
    record = str(
        apply_positions(bundled.positions, Filters(parties=("UKR",), issues=("ceasefire",)))["position_id"].iloc[0]
    )
    corrected = "Summary corrected through the shared store, seen on both replicas"
    store = Store(url)
    try:
        preview = preview_correction("positions", record, {"summary": corrected}, store)
        assert not preview.problems, preview.problems
        commit_correction(preview, store)
        for open_tab in (page, page_b):
            _refresh_after_notice(open_tab)
            _expect_statements(open_tab, before)
            _assert_view_kept(open_tab)
        for tab, server in ((page, a), (page_b, b)):
            open_page(tab, server.url(RECORD_PAGE, {"id": [record]}), RECORD_PAGE.title)
            expect(tab.get_by_test_id("stMain").get_by_text(corrected, exact=False).first).to_be_visible()

        # The store agrees: the import undone, no imported record left, the one correction kept.
        batches = store.batches()
        assert len(batches) == 2 and sorted(batches["undone_at"] != "") == [False, True], batches
        rows = store.imported_rows()
        assert all(frame.empty for name, frame in rows.items() if name != CORRECTIONS_KEY)
        assert rows[CORRECTIONS_KEY]["record_id"].tolist() == [record]
    finally:
        store.dispose()
    watch_a.assert_clean()
    watch_b.assert_clean()
