"""The Import page restores an export zip that holds a corrected bundled record: the preview says the correction will
be re-applied, the confirm writes it as a correction batch, and the record shows the corrected value."""

from __future__ import annotations

from components.registry import PAGES
from parley.corrections import commit_correction, preview_correction
from parley.importer import export_all
from parley.loading import load_dataset
from parley.store import CORRECTIONS_KEY, Store
from tests.app.conftest import assert_clean

PAGE = {p.url_path: p for p in PAGES}
UPLOADER = "import.files.0"


def _plain(markdown: str) -> str:
    """Text shown through escape_markdown, read back as text."""
    return markdown.replace("\\", "")


def test_an_export_with_a_corrected_bundled_record_is_restored_from_the_page(
    on_mini, temp_store_url, mini_dir, tmp_path
):
    elsewhere = Store(f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    fix = preview_correction("positions", "pos-0001", {"stance": "reject"}, elsewhere, mini_dir)
    commit_correction(fix, elsewhere)
    exported = export_all(
        load_dataset(mini_dir, elsewhere, use_cache=False), mini_dir, elsewhere.imported_rows()[CORRECTIONS_KEY]
    )

    at = on_mini(PAGE["import"])
    at.file_uploader(key=UPLOADER).set_value(("export.zip", exported, "application/zip")).run()
    assert_clean(at)
    assert any("1 will be re-applied after the records" in _plain(i.value) for i in at.info)
    confirm = at.button(key="import.confirm")
    assert "re-apply 1 correction(s)" in confirm.label
    assert Store(temp_store_url).batches().empty  # nothing is written before the confirm

    confirm.click().run()
    assert_clean(at)
    assert any("Re-applied 1 correction(s) from the export" in _plain(s.value) for s in at.success)
    store = Store(temp_store_url)
    assert store.batches()["supersedes"].tolist() == ["positions pos-0001"]
    assert [e.changes for e in store.history("positions", "pos-0001").corrections] == [{"stance": ("demand", "reject")}]
    row = load_dataset(mini_dir, store, use_cache=False).positions.set_index("position_id").loc["pos-0001"]
    assert row["stance"] == "reject"
