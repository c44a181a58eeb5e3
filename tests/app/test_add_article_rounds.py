"""Add an article: rounds, participants and agreed items through the same table-driven forms. Each field checked by
the importer's rules as it is entered, ids given, a drafted round offered to every Round field, the draft kept in
the store (older drafts included), one batch on confirm, and hostile text refused or kept literal."""

from __future__ import annotations

import json
from datetime import date

from components.registry import PAGES, ROOT
from parley.store import Store
from tests.app.conftest import assert_clean, open_page, shown
from tests.hostile import HOSTILE, unescaped_markup

PAGE = {p.url_path: p for p in PAGES}
URL = "https://example.org/news/istanbul-round-three"
ROUND_ID = "2026-03-10-istanbul"  # no round of the mini data starts that day in Istanbul


def _frames(at) -> list:
    return [f.value for f in at.dataframe]


def _rules(at) -> dict[str, str]:
    """Column -> rule of the problem tables shown beside the forms."""
    return {r.column: r.rule for f in _frames(at) if "rule" in f.columns for r in f.itertuples()}


def _texts(at) -> list[str]:
    kinds = ("markdown", "caption", "success", "error", "info", "warning", "text")
    return [str(e.value) for kind in kinds for e in at.get(kind)]


def _article(at) -> None:
    at.text_input(key="add.source.url").set_value(URL).run()
    at.text_input(key="add.source.outlet").set_value("Example Wire").run()
    at.text_input(key="add.source.title").set_value("Third Istanbul round").run()
    at.selectbox(key="add.source.source_type").set_value("wire").run()


def _round(at, text: str = "", city: str = "Istanbul") -> None:
    at.text_input(key="add.talk.title").set_value(text + "Istanbul round 3")
    at.text_input(key="add.talk.city").set_value(city)
    at.date_input(key="add.talk.start_date").set_value(date(2026, 3, 10))
    at.date_input(key="add.talk.end_date").set_value(date(2026, 3, 11))
    at.text_input(key="add.talk.venue").set_value(text + "Çırağan Palace")
    at.text_input(key="add.talk.country_iso3").set_value("TUR")
    at.selectbox(key="add.talk.format").set_value("direct_bilateral")
    at.selectbox(key="add.talk.status").set_value("held")
    at.selectbox(key="add.talk.confidence").set_value("medium")
    at.text_area(key="add.talk.outcome").set_value(text + "Agreed another exchange of prisoners.")
    at.text_area(key="add.talk.notes").set_value(text + "one report")
    at.run()


def _participant(at, text: str = "", talk: str = ROUND_ID, actor: str = "UKR") -> None:
    at.selectbox(key="add.part.talk_id").set_value(talk)
    at.selectbox(key="add.part.actor_id").set_value(actor)
    at.selectbox(key="add.part.role").set_value("party")
    at.selectbox(key="add.part.delegation_head_id").set_value("rustem_umerov")
    at.text_area(key="add.part.notes").set_value(text + "led by the defence minister")
    at.run()


def _item(at, text: str = "", talk: str = ROUND_ID) -> None:
    at.selectbox(key="add.item.talk_id").set_value(talk)
    at.selectbox(key="add.item.issue_id").set_value("prisoners")
    at.selectbox(key="add.item.status").set_value("agreed")
    at.selectbox(key="add.item.confidence").set_value("medium")
    at.number_input(key="add.item.quantity").set_value(1200)
    at.text_input(key="add.item.quantity_unit").set_value(text + "prisoners per side")
    at.text_area(key="add.item.summary").set_value(text + "Another exchange of prisoners.")
    at.run()


def _saved(url: str) -> dict:
    ((draft_id, _, _),) = Store(url).drafts()
    return json.loads(Store(url).draft(draft_id) or "{}")


def test_a_round_shows_its_rules_gets_its_id_and_is_offered_to_every_round_field(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    assert any("data release" in c.value for c in at.caption)  # issue scales and plans themselves are not coded here
    assert any("Process: Russia–Ukraine war" in shown(c.value) for c in at.caption)  # one process: given, not asked
    at.text_input(key="add.talk.country_iso3").set_value("TURKEY").run()
    rules = _rules(at)
    assert "country_iso3" in rules and "title" not in rules  # only the fields entered so far
    at.button(key="add.add.talks").click().run()
    rules = _rules(at)
    assert {"title", "start_date", "end_date", "city", "format", "status", "outcome", "confidence"} <= rules.keys()
    assert "required" in rules["start_date"]
    assert any("Not added" in e.value for e in at.error)
    assert _saved(temp_store_url)["talks"] == []

    _round(at)
    at.date_input(key="add.talk.end_date").set_value(date(2026, 3, 9)).run()
    assert "end date is before start date" in _rules(at)["end_date"]
    at.date_input(key="add.talk.end_date").set_value(date(2026, 3, 11)).run()
    assert _rules(at) == {}
    assert any(f"Round id: {ROUND_ID}" in shown(c.value) for c in at.caption)
    at.button(key="add.add.talks").click().run()
    assert_clean(at)
    assert any(ROUND_ID in shown(s.value) for s in at.success)
    (talk,) = _saved(temp_store_url)["talks"]
    assert talk["talk_id"] == ROUND_ID and talk["process_id"] == "russia-ukraine" and talk["country_iso3"] == "TUR"
    assert at.text_input(key="add.talk.title").value == ""  # the form is empty for the next round
    for key in ("add.part.talk_id", "add.item.talk_id", "add.pos.talk_id", "add.rea.talk_id"):
        assert at.selectbox(key=key).options[0] == "Istanbul round 3 (2026-03-10) · new", key
    listed = next(f for f in _frames(at) if "talk_id" in f.columns and "outcome" in f.columns)
    assert listed["talk_id"].tolist() == [ROUND_ID]

    # A second round of the same day and city gets the next free id.
    _round(at)
    assert any(f"Round id: {ROUND_ID}-2" in shown(c.value) for c in at.caption)
    at.run()  # a rerun keeps the draft
    assert [t["talk_id"] for t in _saved(temp_store_url)["talks"]] == [ROUND_ID]


def test_a_participant_shows_its_rule_and_is_added(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    at.selectbox(key="add.part.talk_id").set_value("2025-06-02-istanbul")
    at.selectbox(key="add.part.actor_id").set_value("vladimir_medinsky").run()  # a person cannot be a party
    assert _rules(at)["actor_id"].startswith("actor_id must name a party")
    at.selectbox(key="add.part.actor_id").set_value("RUS").run()  # already recorded in that round
    at.selectbox(key="add.part.role").set_value("observer").run()
    assert "talk_id, actor_id" in _rules(at)  # shown as soon as the round and actor are chosen
    at.button(key="add.add.talk_participants").click().run()
    conflict = _rules(at)["talk_id, actor_id"]  # recorded there as a party: the importer's conflict
    assert (
        conflict.startswith("conflict: this id already exists in the bundled data") and "role was 'party'" in conflict
    )
    assert _saved(temp_store_url)["talk_participants"] == []
    _participant(at, talk="2025-06-02-istanbul", actor="TUR")  # not yet recorded in that round
    assert _rules(at) == {}
    at.button(key="add.add.talk_participants").click().run()
    assert_clean(at)
    (added,) = _saved(temp_store_url)["talk_participants"]
    assert added == {
        "talk_id": "2025-06-02-istanbul",
        "actor_id": "TUR",
        "role": "party",
        "delegation_head_id": "rustem_umerov",
        "notes": "led by the defence minister",
    }
    at.run()
    assert len(_saved(temp_store_url)["talk_participants"]) == 1
    assert at.selectbox(key="add.remove.talk_participants").options == ["2025-06-02-istanbul · TUR"]


def test_an_agreed_item_shows_its_rule_and_gets_the_next_id(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    at.text_area(key="add.item.summary").set_value("a bell \x07 in it").run()  # a control character
    assert "summary" in _rules(at)
    at.text_input(key="add.item.quantity_unit").set_value("per\tside").run()  # one-line text: no tab
    assert "quantity_unit" in _rules(at)
    _item(at, talk="2025-05-16-istanbul")
    assert _rules(at) == {}
    at.button(key="add.add.agreed_items").click().run()
    assert_clean(at)
    assert any("itm-0003" in shown(s.value) for s in at.success)  # after the mini data's itm-0002
    (added,) = _saved(temp_store_url)["agreed_items"]
    assert added["quantity"] == 1200 and added["talk_id"] == "2025-05-16-istanbul"
    listed = next(f for f in _frames(at) if "item_id" in f.columns)
    assert listed["item_id"].tolist() == ["itm-0003"]
    assert at.number_input(key="add.item.quantity").value is None  # the form is empty again


def test_a_round_with_a_participant_and_an_item_is_one_batch_on_the_timeline(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    _round(at)
    at.button(key="add.add.talks").click().run()
    _participant(at)
    at.button(key="add.add.talk_participants").click().run()
    _item(at)
    at.button(key="add.add.agreed_items").click().run()
    assert_clean(at)

    again = open_page(PAGE["add"])  # a reload: the draft is resumed from the store
    next(b for b in again.button if b.key.startswith("add.resume.")).click().run()
    assert again.selectbox(key="add.item.talk_id").options[0].endswith("· new")
    again.button(key="add.confirm").click().run()
    assert_clean(again)
    store = Store(temp_store_url)
    assert store.batches()["n_records"].tolist() == [4]  # the article, the round, its participant and its item
    rows = store.imported_rows()
    assert rows["talks"]["talk_id"].tolist() == [ROUND_ID]
    assert rows["talk_participants"]["talk_id"].tolist() == [ROUND_ID]
    assert rows["agreed_items"][["item_id", "talk_id", "quantity"]].values.tolist() == [["itm-0003", ROUND_ID, "1200"]]
    assert store.drafts() == []

    again.switch_page(str(ROOT / PAGE["timeline"].path))
    again.run()
    assert_clean(again)
    assert "Istanbul round 3 · 10 Mar 2026" in again.selectbox(key="timeline.round").options
    again.selectbox(key="timeline.round").set_value(ROUND_ID).run()
    assert_clean(again)
    opened = "\n".join([*_texts(again), *(f.astype(str).to_string() for f in _frames(again))])
    assert "Another exchange of prisoners." in opened  # the round opens with its agreed item


def test_a_draft_saved_before_rounds_could_be_coded_resumes_and_takes_a_round(on_mini, temp_store_url):
    old = {
        "source": {
            "url": URL,
            "outlet": "Example Wire",
            "title": "Older draft",
            "published": "",
            "source_type": "wire",
        },
        "sources": [],
        "actors": [],
        "positions": [],
        "reactions": [],
    }
    Store(temp_store_url).save_draft("olddraft0001", "Older draft", json.dumps(old))
    at = on_mini(PAGE["add"])
    at.button(key="add.resume.olddraft0001").click().run()
    assert_clean(at)
    assert at.text_input(key="add.source.title").value == "Older draft"
    _round(at)
    at.button(key="add.add.talks").click().run()
    assert_clean(at)
    assert [t["talk_id"] for t in _saved(temp_store_url)["talks"]] == [ROUND_ID]


def test_hostile_text_in_the_new_forms_is_refused_or_kept_literal(on_mini, temp_store_url):
    at = on_mini(PAGE["add"])
    _article(at)
    # Control characters: refused by the one-line and multi-line rules, beside the form.
    at.text_input(key="add.talk.title").set_value("Round\x1b[31m red").run()
    assert "title" in _rules(at)
    at.text_area(key="add.talk.outcome").set_value("Agreed\x00 nothing").run()
    assert "outcome" in _rules(at)
    # An actor's id is typed: the message that it was added shows it as typed.
    at.text_input(key="add.actor.actor_id").set_value("**B**:red[c]<img src=x>")
    at.text_input(key="add.actor.name").set_value("Hostile Group")
    at.selectbox(key="add.actor.actor_type").set_value("bloc").run()
    at.button(key="add.add.actors").click().run()
    assert any("**B**:red[c]<img src=x>" in shown(s.value) for s in at.success)
    for text in _texts(at):
        assert not unescaped_markup(text), text
    # Markup and a very long title: taken, and shown only literally.
    long_title = HOSTILE + "Istanbul round 3 " + "x" * 20_000
    _round(at, HOSTILE, city=HOSTILE + "Istanbul")
    at.text_input(key="add.talk.title").set_value(long_title).run()
    assert _rules(at) == {}
    round_id = next(shown(c.value) for c in at.caption if "Round id" in shown(c.value)).split(": ", 1)[1]
    assert round_id.startswith("2026-03-10-b-red-c-material-home-smile") and len(round_id) <= 11 + 40
    at.button(key="add.add.talks").click().run()
    _participant(at, HOSTILE, talk=round_id)
    at.button(key="add.add.talk_participants").click().run()
    _item(at, HOSTILE, talk=round_id)
    at.button(key="add.add.agreed_items").click().run()
    assert_clean(at)
    for text in _texts(at):
        assert not unescaped_markup(text), text
    # Choices are plain text in the browser: the round is offered as typed.
    assert at.selectbox(key="add.pos.talk_id").options[0].startswith(HOSTILE + "Istanbul round 3 xxx")
    tables = "\n".join(f.astype(str).to_string() for f in _frames(at))
    assert "<img src=x onerror=alert(1)>" in tables  # the tables show it as typed
    at.button(key="add.confirm").click().run()
    assert_clean(at)
    rows = Store(temp_store_url).imported_rows()
    assert rows["talks"]["title"].tolist() == [long_title]
    assert rows["talks"]["outcome"].tolist() == [HOSTILE + "Agreed another exchange of prisoners."]
    assert rows["talk_participants"]["notes"].tolist() == [HOSTILE + "led by the defence minister"]
    assert rows["agreed_items"]["quantity_unit"].tolist() == [HOSTILE + "prisoners per side"]
    for text in _texts(at):
        assert not unescaped_markup(text), text
