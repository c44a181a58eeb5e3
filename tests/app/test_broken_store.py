"""A store of imported records that is damaged, from another version, read-only, older or missing never stops a page.

Tests run as root, for whom chmod stops neither reads nor writes: a read-only store is simulated with SQLite's own
read-only open (`mode=ro` in PARLEY_STORE_URL).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from components.registry import PAGES
from parley.importer import commit, preview_import
from parley.store import LAYOUT_VERSION, STORE_URL_ENV, Store
from tests.app.conftest import assert_clean, records_section
from tests.importing import csv_bytes, position, run_sql, sqlite_path

IDS = [p.url_path for p in PAGES]
IMPORT = next(p for p in PAGES if p.url_path == "import")
ADD = next(p for p in PAGES if p.url_path == "add")  # takes records in: like Import, it shows the refusal and no form
MARKER = "Imported statement seen only through the store"


def _with_import(store_url: str, mini_dir) -> None:
    store = Store(store_url)
    rows = [position(1, summary=MARKER)]
    preview = preview_import([("positions.csv", csv_bytes("positions", rows))], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    commit(preview, store, via="test")
    store.dispose()


def _damaged(store_url: str, mini_dir) -> None:
    _with_import(store_url, mini_dir)
    sqlite_path(store_url).write_bytes(os.urandom(8192))


def _newer(store_url: str, mini_dir) -> None:
    _with_import(store_url, mini_dir)
    run_sql(store_url, f"UPDATE store_meta SET value = '{int(LAYOUT_VERSION) + 1}' WHERE key = 'layout'")


def _older(store_url: str, mini_dir) -> None:
    _with_import(store_url, mini_dir)
    run_sql(
        store_url,
        "ALTER TABLE positions DROP COLUMN notes",
        "UPDATE store_meta SET value = '0' WHERE key = 'layout'",
    )


def _texts(at) -> str:
    """Everything a reader sees as text: messages, captions, and every table cell."""
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "success", "text", "code")
    parts = [str(e.value) for kind in kinds for e in at.get(kind)]
    parts += [frame.value.astype(str).to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def _banners(at) -> list[str]:
    return [w.value for w in at.warning if "cannot be read" in w.value]


def _shows_data(at) -> bool:
    return bool(len(at.dataframe) or at.get("plotly_chart") or at.get("vega_lite_chart") or at.get("metric"))


UNREADABLE = {"damaged": (_damaged, "import export.zip"), "newer_version": (_newer, "import old.zip")}


@pytest.mark.parametrize("kind", UNREADABLE, ids=UNREADABLE)
@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_an_unreadable_store_leaves_every_page_on_the_bundled_data_with_a_banner(
    on_mini, mini_dir, temp_store_url, page, kind
):
    make, remedy = UNREADABLE[kind]
    make(temp_store_url, mini_dir)
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert at.title[0].value == page.title
    banners = _banners(at)
    assert banners, [w.value for w in at.warning]
    path = str(sqlite_path(temp_store_url))
    assert path in banners[0] and f"{path}.broken" in banners[0] and remedy in banners[0]
    assert "Nothing was written" not in _texts(at)
    assert _shows_data(at) or page == ADD
    assert MARKER not in _texts(at)
    if page in (IMPORT, ADD):  # the same message refuses the upload, and no uploader or form is offered
        assert banners[1] == banners[0]
        assert not at.get("file_uploader")
    else:
        assert len(banners) == 1


def test_positions_page_shows_the_bundled_positions_when_the_store_is_damaged(on_mini, mini_dir, temp_store_url):
    _damaged(temp_store_url, mini_dir)
    at = on_mini(next(p for p in PAGES if p.url_path == "positions"), None, "statements")
    assert_clean(at)
    tables = "\n".join(frame.value.astype(str).to_csv() for frame in at.dataframe)
    bundled = pd.read_csv(mini_dir / "positions.csv", dtype=str)
    assert bundled["summary"].iloc[0] in tables


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_an_older_store_is_read_on_every_page_without_a_banner(on_mini, mini_dir, temp_store_url, page):
    _older(temp_store_url, mini_dir)
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert not _banners(at) and not at.warning
    if page.url_path in ("positions", "import"):
        assert MARKER in _texts(at)


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_read_only_store_is_read_and_the_import_page_refuses_writes(
    on_mini, mini_dir, temp_store_url, monkeypatch, page
):
    _with_import(temp_store_url, mini_dir)
    monkeypatch.setenv(STORE_URL_ENV, f"sqlite:///file:{sqlite_path(temp_store_url)}?mode=ro&uri=true")
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert not _banners(at)
    if page.url_path in ("positions", "import"):
        assert MARKER in _texts(at)
    if page in (IMPORT, ADD):
        assert any("read-only" in w.value and "imports and undo are off" in w.value for w in at.warning)
        assert not at.get("file_uploader")
        assert not [b for b in at.button if b.key and b.key.startswith("import.undo.")]
        assert "Nothing was written" not in _texts(at)
    else:
        assert not at.warning


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_a_missing_store_renders_every_page_and_creates_nothing(on_mini, tmp_path, monkeypatch, page):
    monkeypatch.setenv(STORE_URL_ENV, f"sqlite:///{tmp_path / 'absent' / 'store.sqlite'}")
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert not at.warning
    assert not (tmp_path / "absent").exists()


@pytest.mark.parametrize("page", PAGES, ids=IDS)
def test_imported_records_that_break_todays_rules_leave_the_bundled_data_and_name_the_batch(
    on_mini, mini_dir, temp_store_url, page
):
    """A store written before a rule existed (here: a vertical tab pasted into a summary) stops no page."""
    _with_import(temp_store_url, mini_dir)
    batch = Store(temp_store_url).batches()["batch_id"].iloc[0]
    run_sql(temp_store_url, f"UPDATE positions SET summary = 'pasted' || char(11) || 'text' WHERE batch_id = '{batch}'")
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert at.title[0].value == page.title
    warnings = [w.value for w in at.warning if "break the current rules" in w.value]
    assert len(warnings) == 1 and "undo" in warnings[0]
    assert batch in _texts(at)  # the problem table names the batch to undo
    assert _shows_data(at)
    assert MARKER not in _texts(at)
