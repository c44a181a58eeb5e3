"""The Add-an-article page: each field checked by the importer's rules as it is entered, ids given, an actor added
inline, the draft kept in the store across sessions, one batch on confirm, and hostile text kept literal."""

from __future__ import annotations

import json
from datetime import date

from components.registry import PAGES
from parley.importer import source_id_for
from parley.store import Store
from tests.app.conftest import assert_clean, go_to, open_page, records_section, shown
from tests.hostile import HOSTILE, unescaped_markup

PAGE = {p.url_path: p for p in PAGES}
URL = "https://example.org/news/talks-resume"


def _texts(at) -> list[str]:
    kinds = ("markdown", "caption", "success", "error", "info", "warning", "text")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def _frames(at) -> list:
    return [f.value for f in at.dataframe]


def _rules(at) -> dict[str, str]:
    """Column -> rule of the problem tables shown beside the forms."""
    return {r.column: r.rule for f in _frames(at) if "rule" in f.columns for r in f.itertuples()}


def _article(at, text: str = "") -> None:
    at.text_input(key="add.source.url").set_value(URL).run()
    at.text_input(key="add.source.outlet").set_value(text + "Example Wire").run()
    at.text_input(key="add.source.title").set_value(text + "Talks resume").run()
    at.selectbox(key="add.source.source_type").set_value("wire").run()
    at.text_input(key="add.source.reliability_notes").set_value(text + "one wire report").run()


def _position(at, text: str = "", actor: str = "RUS") -> None:
    at.selectbox(key="add.pos.actor_id").set_value(actor)
    at.date_input(key="add.pos.date").set_value(date(2025, 6, 3))
    at.selectbox(key="add.pos.issue_id").set_value("ceasefire").run()
    at.selectbox(key="add.pos.option_id").set_value("ceasefire.partial")
    at.selectbox(key="add.pos.stance").set_value("demand")
    at.text_area(key="add.pos.summary").set_value(text + "Asked for a partial truce first.")
    at.text_area(key="add.pos.conditions").set_value(text + "only on energy sites")
    at.selectbox(key="add.pos.talk_id").set_value("2025-06-02-istanbul")
    at.selectbox(key="add.pos.confidence").set_value("medium")
    at.text_area(key="add.pos.notes").set_value(text + "note")
    at.run()


def _reaction(at, text: str = "") -> None:
    at.selectbox(key="add.rea.actor_id").set_value("UN")
    at.date_input(key="add.rea.date").set_value(date(2025, 6, 4))
    at.text_input(key="add.rea.event").set_value(text + "Second Istanbul round")
    at.selectbox(key="add.rea.stance").set_value("welcome")
    at.text_area(key="add.rea.summary").set_value(text + "Welcomed the talks.")
    at.selectbox(key="add.rea.confidence").set_value("low")
    at.checkbox(key="add.rea.disputed").check()
    at.run()


def test_the_page_is_registered_just_before_import():
    # The two ways in sit together at the end of the menu, Import last.
    paths = [p.path for p in PAGES]
    assert paths.index("pages/add.py") == paths.index("pages/import.py") - 1
    # The file is named after its URL: a shared link opened on a fresh server finds it by the file's name.
    assert PAGE["add"].path == "pages/add.py"


def test_a_field_shows_its_import_rule_as_soon_as_it_is_entered(on_mini):
    at = on_mini(PAGE["add"])
    assert_clean(at)
    _article(at)
    at.text_area(key="add.pos.summary").set_value("a bell \x07 in it").run()  # a control character
    rules = _rules(at)
    assert "summary" in rules and "date" not in rules  # only the fields entered so far
    at.text_input(key="add.source.outlet").set_value("").run()
    assert "outlet" not in _rules(at)  # an emptied field is not yet a problem while nothing is added
    at.button(key="add.add.positions").click().run()
    rules = _rules(at)
    assert {"date", "issue_id", "stance", "confidence"} <= rules.keys()
    assert "required" in rules["date"]
    assert any("Not added" in e.value for e in at.error)
    ((draft_id, _, _),) = Store().drafts()  # the article is kept as typed, the refused position is not
    assert json.loads(Store().draft(draft_id))["positions"] == []


def _actor(at, actor_id: str, name: str, actor_type: str) -> None:
    at.text_input(key="add.actor.actor_id").set_value(actor_id)
    at.text_input(key="add.actor.name").set_value(name)
    at.selectbox(key="add.actor.actor_type").set_value(actor_type)
    at.text_input(key="add.actor.country_iso3").set_value("TURKEY").run()
    assert "country_iso3" in _rules(at)  # the importer's ISO3 rule, beside the form
    at.text_input(key="add.actor.country_iso3").set_value("TUR").run()
    at.button(key="add.add.actors").click().run()
    assert_clean(at)


def test_an_actor_added_inline_can_hold_a_position_and_ids_are_given(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    _actor(at, "example_group", "Example Contact Group", "bloc")
    assert "example_group" in at.selectbox(key="add.pos.actor_id").options[-1]
    _position(at, actor="example_group")
    assert _rules(at) == {}
    at.button(key="add.add.positions").click().run()
    assert_clean(at)
    _position(at)
    at.button(key="add.add.positions").click().run()
    listed = next(f for f in _frames(at) if "position_id" in f.columns)
    assert listed["position_id"].tolist() == ["pos-0006", "pos-0007"]  # after the mini data's pos-0005
    assert listed["source_ids"].tolist() == [str([source_id_for(URL)])] * 2  # the article, by default


def test_a_person_added_inline_cannot_hold_a_position_as_a_party(on_mini):
    at = on_mini(PAGE["add"])
    _article(at)
    _actor(at, "example_envoy", "Example Envoy", "person")
    _position(at, actor="example_envoy")
    assert _rules(at)["actor_id"].startswith(
        "actor_id must name a party: a state, organisation or bloc; example_envoy is a person (Example Envoy)"
    )


def test_the_draft_survives_a_new_session_and_confirm_writes_one_batch(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    _position(at)
    at.button(key="add.add.positions").click().run()
    assert [d[2] for d in Store(temp_store_url).drafts()] == ["Talks resume"]

    again = open_page(PAGE["add"])  # a reload: a new session
    assert_clean(again)
    resume = [b for b in again.button if b.key.startswith("add.resume.")]
    assert len(resume) == 1
    resume[0].click().run()
    assert again.text_input(key="add.source.url").value == URL
    _reaction(again)
    again.button(key="add.add.reactions").click().run()
    assert_clean(again)
    assert Store(temp_store_url).batches().empty  # nothing is imported before the confirm
    again.button(key="add.confirm").click().run()
    assert_clean(again)
    batches = Store(temp_store_url).batches()
    assert batches["n_records"].tolist() == [3]  # the article, a position and a reaction, in one batch
    assert Store(temp_store_url).drafts() == []
    assert any("pos-0006" in s.value and "rea-0004" in s.value for s in again.success)

    go_to(again, PAGE["positions"], records_section(PAGE["positions"]))
    assert_clean(again)
    assert any("Asked for a partial truce first." in f.astype(str).to_string() for f in _frames(again))


def test_a_recorded_url_is_recognised_and_reused(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    at.text_input(key="add.source.url").set_value("https://example.org/a").run()  # the mini data's src-0000000001
    assert any("src-0000000001" in shown(i.value) for i in at.info)
    _reaction(at)
    at.button(key="add.add.reactions").click().run()
    at.button(key="add.confirm").click().run()
    assert_clean(at)
    assert Store(temp_store_url).batches()["counts"].tolist() == ["reactions 1"]
    cited = Store(temp_store_url).imported_rows()["reactions"]["source_ids"].tolist()
    assert cited == ["src-0000000001"]


def test_hostile_text_in_every_field_stays_literal(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at, HOSTILE)
    at.text_input(key="add.actor.actor_id").set_value("hostile_actor")
    at.text_input(key="add.actor.name").set_value(HOSTILE + "name")
    at.selectbox(key="add.actor.actor_type").set_value("organisation")
    at.text_input(key="add.actor.aliases").set_value(HOSTILE + "alias").run()
    at.button(key="add.add.actors").click().run()
    _position(at, HOSTILE, actor="hostile_actor")
    at.button(key="add.add.positions").click().run()
    _reaction(at, HOSTILE)
    at.button(key="add.add.reactions").click().run()
    assert_clean(at)
    for text in _texts(at):
        assert not unescaped_markup(text), text
    shown = "\n".join(f.astype(str).to_string() for f in _frames(at))
    assert (HOSTILE + "Asked for a partial truce first.").strip()[:60] in shown
    at.button(key="add.confirm").click().run()
    assert_clean(at)
    rows = Store(temp_store_url).imported_rows()
    assert rows["positions"]["summary"].tolist() == [HOSTILE + "Asked for a partial truce first."]
    assert rows["reactions"]["event"].tolist() == [HOSTILE + "Second Istanbul round"]
    assert rows["actors"]["name"].tolist() == [HOSTILE + "name"]
    for text in _texts(at):
        assert not unescaped_markup(text), text
