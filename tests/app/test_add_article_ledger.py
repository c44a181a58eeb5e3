"""Add an article: commitment events and plan provisions through the table-driven forms. Each field checked by the
importer's rules as it is entered, ids given (cev-NNNN, <plan>.<point>), an agreed item drafted in the article offered
to the event's item field, one batch on confirm, and the records shown on the Commitments and Peace plans pages,
their record pages and search."""

from __future__ import annotations

import json
from datetime import date

from components.registry import PAGES, RECORD_PAGE
from parley.store import Store
from tests.app.conftest import assert_clean, go_to, open_page, records_section, shown

PAGE = {p.url_path: p for p in PAGES}
URL = "https://example.org/news/swap-carried-out"
STEP = "The swap was carried out on the border."
POINT = "A truce at sea and in the air, as a first step."


def _frames(at) -> list:
    return [f.value for f in at.dataframe]


def _rules(at) -> dict[str, str]:
    """Column -> rule of the problem tables shown beside the forms."""
    return {r.column: r.rule for f in _frames(at) if "rule" in f.columns for r in f.itertuples()}


def _cells(at) -> str:
    """Every cell of every table on the page, as one text."""
    return "\n".join(f.astype(str).to_csv(index=False) for f in _frames(at))


def _article(at) -> None:
    at.text_input(key="add.source.url").set_value(URL).run()
    at.text_input(key="add.source.outlet").set_value("Example Wire").run()
    at.text_input(key="add.source.title").set_value("The swap is done").run()
    at.selectbox(key="add.source.source_type").set_value("wire").run()


def _item(at) -> None:
    at.selectbox(key="add.item.talk_id").set_value("2025-06-02-istanbul")
    at.selectbox(key="add.item.issue_id").set_value("prisoners")
    at.selectbox(key="add.item.status").set_value("agreed")
    at.selectbox(key="add.item.confidence").set_value("medium")
    at.text_area(key="add.item.summary").set_value("A second exchange of prisoners.")
    at.run()


def _event(at, item: str) -> None:
    at.selectbox(key="add.cev.item_id").set_value(item)
    at.date_input(key="add.cev.date").set_value(date(2025, 6, 20))
    at.selectbox(key="add.cev.status").set_value("full")
    at.selectbox(key="add.cev.confidence").set_value("high")
    at.text_area(key="add.cev.note").set_value(STEP)
    at.run()


def _provision(at, point: int = 2) -> None:
    at.selectbox(key="add.prov.plan_id").set_value("kyiv-plan")
    at.number_input(key="add.prov.point").set_value(point)
    at.selectbox(key="add.prov.issue_id").set_value("ceasefire").run()
    at.selectbox(key="add.prov.option_id").set_value("ceasefire.partial")
    at.selectbox(key="add.prov.confidence").set_value("medium")
    at.text_area(key="add.prov.summary").set_value(POINT)
    at.run()


def _saved(url: str) -> dict:
    ((draft_id, _, _),) = Store(url).drafts()
    return json.loads(Store(url).draft(draft_id) or "{}")


def test_an_event_shows_its_rules_gets_the_next_id_and_may_name_an_item_of_the_article(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    assert not any("not coded here" in c.value for c in at.caption)
    at.button(key="add.add.commitment_events").click().run()
    assert any("Nothing entered yet" in w.value for w in at.warning)
    at.text_area(key="add.cev.note").set_value("Begun.").run()
    at.button(key="add.add.commitment_events").click().run()
    rules = _rules(at)
    assert {"item_id", "date", "status", "confidence"} <= rules.keys() and "required" in rules["item_id"]
    assert _saved(temp_store_url)["commitment_events"] == []

    _item(at)
    at.button(key="add.add.agreed_items").click().run()
    assert_clean(at)
    (item,) = _saved(temp_store_url)["agreed_items"]
    assert item["item_id"] == "itm-0003"  # kept in the draft: the event names it
    options = at.selectbox(key="add.cev.item_id").options
    assert options[0] == "A second exchange of prisoners. (itm-0003) · new" and len(options) == 3  # + itm-0001, -0002

    _event(at, "itm-0003")
    # the commitment_status scheme, in the codebook's words
    statuses = ["not started", "minimal", "intermediate", "full", "violated", "lapsed"]
    assert at.selectbox(key="add.cev.status").options == statuses
    assert _rules(at) == {}
    at.button(key="add.add.commitment_events").click().run()
    assert_clean(at)
    assert any("cev-0006" in shown(s.value) for s in at.success)  # after the mini data's cev-0005
    (added,) = _saved(temp_store_url)["commitment_events"]
    assert added["item_id"] == "itm-0003" and added["status"] == "full" and "event_id" not in added
    listed = next(f for f in _frames(at) if "event_id" in f.columns)
    assert listed["event_id"].tolist() == ["cev-0006"]


def test_a_provision_is_checked_on_its_issue_and_gets_the_plan_and_point_as_id(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    _provision(at, point=1)
    # kyiv-plan.1 is taken: the id adds the issue, in the bundled style for a second provision at one point
    assert any("Provision id: kyiv-plan.1-ceasefire" in shown(c.value) for c in at.caption)
    _provision(at, point=2)
    assert any(shown(c.value) == "Provision id: kyiv-plan.2" for c in at.caption)
    at.selectbox(key="add.prov.issue_id").set_value("territory").run()
    assert at.selectbox(key="add.prov.option_id").options == []  # the mini data has no territory scale
    at.selectbox(key="add.prov.issue_id").set_value("ceasefire").run()
    at.selectbox(key="add.prov.option_id").set_value("ceasefire.partial").run()
    assert _rules(at) == {}
    at.button(key="add.add.plan_provisions").click().run()
    assert_clean(at)
    (added,) = _saved(temp_store_url)["plan_provisions"]
    assert added["provision_id"] == "kyiv-plan.2" and added["point"] == 2 and added["option_id"] == "ceasefire.partial"
    assert at.selectbox(key="add.remove.plan_provisions").options == ["kyiv-plan.2"]


def test_an_item_its_event_and_a_provision_are_one_batch_shown_on_every_page_that_lists_them(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    _item(at)
    at.button(key="add.add.agreed_items").click().run()
    _event(at, "itm-0003")
    at.button(key="add.add.commitment_events").click().run()
    _provision(at)
    at.button(key="add.add.plan_provisions").click().run()
    assert_clean(at)
    assert Store(temp_store_url).batches().empty  # nothing written before the confirm

    at.button(key="add.confirm").click().run()
    assert_clean(at)
    store = Store(temp_store_url)
    assert store.batches()["n_records"].tolist() == [4]  # the article, the item, its event and the provision
    rows = store.imported_rows()
    assert rows["commitment_events"][["event_id", "item_id"]].values.tolist() == [["cev-0006", "itm-0003"]]
    provisions = rows["plan_provisions"][["provision_id", "plan_id", "point"]].values.tolist()
    assert provisions == [["kyiv-plan.2", "kyiv-plan", "2"]]

    go_to(at, PAGE["commitments"], records_section(PAGE["commitments"]))
    assert_clean(at)
    assert "A second exchange of prisoners." in _cells(at)
    go_to(at, PAGE["plans"], records_section(PAGE["plans"]))
    assert_clean(at)
    assert POINT in _cells(at)

    for record_id, text in (("cev-0006", STEP), ("kyiv-plan.2", POINT)):
        record = open_page(RECORD_PAGE, {"id": [record_id]})
        assert_clean(record)
        assert any(text in shown(m.value) for m in record.markdown), record_id
    found = open_page(PAGE["search"])
    found.text_input(key="search.q").set_value("truce at sea").run()
    assert_clean(found)
    links = {str(v) for f in _frames(found) if "Record" in f.columns for v in f["Record"]}
    assert "record?id=kyiv-plan.2" in links
