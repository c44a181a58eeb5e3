"""Correcting a record from its page: the form starts from the record, a changed stance shows old and new side by
side, text the import refuses is refused with the import's message, confirm writes one batch that every page shows,
the record's history lists it, and the Import page's undo takes it back."""

from __future__ import annotations

from components.registry import PAGES, RECORD_PAGE, ROOT
from components.sections import section_key
from parley.records import link_label
from parley.store import Store
from tests.app.conftest import assert_clean, shown
from tests.hostile import HOSTILE, unescaped_markup
from tests.importing import csv_bytes, position

PAGE = {p.url_path: p for p in PAGES}
FIELD = "record.fix.field."


def _record(opener, record_id: str):
    at = opener(RECORD_PAGE, {"id": [record_id]})
    assert_clean(at)
    return at


def _open_form(at):
    at.toggle(key="record.fix.open").set_value(True).run()
    assert_clean(at)
    return at


def _preview(at, *, clean: bool = True):
    at.button(key="record.fix.preview_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    if clean:
        assert_clean(at)
    return at


def _frame_with(at, column: str):
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    return None


def _texts(at) -> list[str]:
    kinds = ("markdown", "caption", "success", "error", "info", "warning")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def _fields(at) -> str:
    return shown(at.markdown[0].value).replace("**", "")


def test_a_changed_stance_shows_old_and_new_then_one_batch_that_every_page_shows(on_mini, temp_store_url):
    at = _open_form(_record(on_mini, "pos-0001"))
    assert at.selectbox(key=FIELD + "stance").value == "demand"  # the form starts from the record as it is
    assert at.text_area(key=FIELD + "summary").value == "Withdrawal from four regions before a ceasefire."
    assert "No field changed yet." in _texts(at)
    assert not [b for b in at.button if b.key == "record.fix.confirm"]

    at.selectbox(key=FIELD + "stance").set_value("reject")
    _preview(at)
    changes = _frame_with(at, "corrected")
    assert changes.to_dict("records") == [{"field": "stance", "now": "demand", "corrected": "reject"}]
    assert Store(temp_store_url).batches().empty  # nothing written before the confirm

    at.button(key="record.fix.confirm").click().run()
    assert_clean(at)
    store = Store(temp_store_url)
    batches = store.batches()
    assert batches["supersedes"].tolist() == ["positions pos-0001"] and batches["n_records"].tolist() == [1]
    batch_id = batches.loc[0, "batch_id"]
    assert any(f"Corrected pos-0001 in batch {batch_id}" in shown(s.value) for s in at.success)
    assert "Stance: reject" in _fields(at)
    assert at.toggle(key="record.fix.open").value is False  # the form closes after the confirm
    history = _frame_with(at, "after")
    assert history.to_dict("records") == [{"field": "stance", "before": "demand", "after": "reject"}]
    assert any(batch_id in shown(c) for c in _texts(at) if "Correction 1 of 1" in c)

    at.session_state[section_key(PAGE["positions"])] = "Statements"
    at.switch_page(str(ROOT / PAGE["positions"].path))
    at.run()
    assert_clean(at)
    table = next(f.value for f in at.dataframe if {"Record", "Stance"} <= set(f.value.columns))
    stances = dict(zip(table["Record"].map(link_label), table["Stance"].astype(str), strict=True))
    assert stances["pos-0001"] == "reject", stances


def test_text_the_import_refuses_is_refused_with_its_message_and_nothing_is_written(on_mini, temp_store_url, mini_dir):
    from parley.importer import preview_import

    at = _open_form(_record(on_mini, "pos-0002"))
    at.text_area(key=FIELD + "summary").set_value("Full ceasefire \x1b[31mfirst.")  # an escape sequence
    _preview(at, clean=False)
    problems = _frame_with(at, "rule")
    assert problems is not None and problems["column"].tolist() == ["summary"]
    imported = preview_import(
        [("positions.csv", csv_bytes("positions", [position(1, summary="Full ceasefire \x1b[31mfirst.")]))],
        Store(temp_store_url),
        mini_dir,
    )
    assert problems["rule"].tolist() == [p.rule for p in imported.problems if p.column == "summary"]
    assert any("nothing can be written" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "record.fix.confirm"]
    assert Store(temp_store_url).batches().empty


def test_markup_in_a_correction_is_kept_as_text_everywhere(on_mini, temp_store_url):
    at = _open_form(_record(on_mini, "rea-0001"))
    at.text_area(key=FIELD + "summary").set_value(HOSTILE + "Welcomed it.")
    _preview(at)
    assert _frame_with(at, "corrected")["corrected"].tolist() == [HOSTILE.strip() + " Welcomed it."]
    at.button(key="record.fix.confirm").click().run()
    assert_clean(at)
    assert "![i](http://10.255.255.1/b.png) <img src=x onerror=alert(1)> Welcomed it." in _fields(at)
    for text in _texts(at):
        assert not unescaped_markup(text), text


def test_the_import_page_undo_takes_the_correction_back(on_mini, temp_store_url):
    at = _open_form(_record(on_mini, "pos-0001"))
    at.selectbox(key=FIELD + "confidence").set_value("high")
    _preview(at)
    at.button(key="record.fix.confirm").click().run()
    batch_id = Store(temp_store_url).batches().loc[0, "batch_id"]

    at.switch_page(str(ROOT / PAGE["import"].path))
    at.run()
    assert any("corrects positions pos" in shown(c.value) for c in at.caption)
    at.button(key=f"import.undo.{batch_id}").click().run()
    assert any("goes back to the version before it" in shown(w.value) for w in at.warning)
    at.button(key="import.undo_confirm").click().run()
    assert_clean(at)
    assert any(f"Undone batch {batch_id}" in shown(s.value) for s in at.success)

    at.switch_page(str(ROOT / RECORD_PAGE.path))
    at.query_params["id"] = ["pos-0001"]
    at.run()
    assert "Confidence: low" in _fields(at)
    assert "Not corrected since." in _texts(at)


def _offers_correction(at) -> bool:
    return any(t.key == "record.fix.open" for t in at.toggle)


def test_records_of_release_tables_offer_no_correction(on_mini):
    assert _offers_correction(_record(on_mini, "pos-0001"))
    assert _offers_correction(_record(on_mini, "src-0000000001"))
    event = _record(on_mini, "cev-0001")  # the commitments ledger changes only with a data release
    assert not _offers_correction(event)
    assert "History" not in [h.value for h in event.subheader]
