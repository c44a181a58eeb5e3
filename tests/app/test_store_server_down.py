"""A PostgreSQL store whose server stops: every page keeps the bundled data under a clear message, and the same app
process (no restart) shows the imported records again once the server is back."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from parley.importer import commit, preview_import
from parley.store import STORE_URL_ENV, Store
from tests.app.conftest import assert_clean, records_section
from tests.importing import csv_bytes, position

MARKER = "Imported statement kept on the shared server"
POSITIONS = next(p for p in PAGES if p.url_path == "positions")
IMPORT = next(p for p in PAGES if p.url_path == "import")


def _texts(at) -> str:
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "success", "text", "code")
    parts = [str(e.value) for kind in kinds for e in at.get(kind)]
    parts += [frame.value.astype(str).to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def _down_banners(at) -> list[str]:
    return [w.value for w in at.warning if "cannot be reached" in w.value]


@pytest.fixture
def pg_store_url(pg_server, monkeypatch, mini_dir) -> str:
    url = pg_server.new_database("app")
    store = Store(url)
    rows = csv_bytes("positions", [position(1, summary=MARKER)])
    preview = preview_import([("positions.csv", rows)], store, mini_dir)
    assert preview.ok, [str(p) for p in preview.problems]
    commit(preview, store, via="test")
    store.dispose()
    monkeypatch.setenv(STORE_URL_ENV, url)
    return url


@pytest.mark.parametrize("page", [POSITIONS, IMPORT], ids=["positions", "import"])
def test_a_stopped_server_leaves_the_bundled_data_under_a_message_and_the_app_recovers(
    on_mini, pg_server, pg_store_url, page
):
    at = on_mini(page, None, records_section(page))
    assert_clean(at)
    assert MARKER in _texts(at) and not _down_banners(at)

    pg_server.stop("immediate")
    try:
        at.run()
        assert_clean(at)
        banners = _down_banners(at)
        assert banners and "bundled data only" in banners[0] and "reconnects by itself" in banners[0]
        assert MARKER not in _texts(at)
        assert len(at.dataframe) or at.get("metric")  # the bundled data is still shown
        if page == IMPORT:
            assert not at.get("file_uploader")  # no import while the store cannot be reached
    finally:
        pg_server.start()

    at.run()  # the same app process, the same cached Store: it reconnects by itself
    assert_clean(at)
    assert not _down_banners(at)
    assert MARKER in _texts(at)
    if page == IMPORT:
        assert at.get("file_uploader")
