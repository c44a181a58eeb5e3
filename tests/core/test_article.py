"""An article coded in forms: next ids, the bundle the importer receives, nearest codes, drafts in the store."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from parley.article import (
    BUNDLE_FILE,
    as_draft,
    draft_size,
    empty_draft,
    id_ceiling,
    nearest_codes,
    next_ids,
    problems_of,
    slug,
    talk_id_for,
    to_bundle,
)
from parley.importer import preview_import, source_id_for
from parley.store import Store


@pytest.mark.parametrize(
    ("existing", "table", "n", "expected"),
    [
        ([], "positions", 2, ["pos-0001", "pos-0002"]),
        (["pos-0070", "pos-0009", "rea-0100"], "positions", 1, ["pos-0071"]),
        (["pos-00099", "pos-0100"], "positions", 1, ["pos-00101"]),  # as wide as the widest in use
        (["rea-0030", "pos-0099", "rea-x1"], "reactions", 2, ["rea-0031", "rea-0032"]),
        (["pos-9001"], "positions", 0, []),
        (["itm-0047", "itm-0003", "pos-0100"], "agreed_items", 2, ["itm-0048", "itm-0049"]),
        ([], "agreed_items", 1, ["itm-0001"]),
        (["pos-0071-1460", "pos-12a", "xpos-9999", "pos-0005"], "positions", 1, ["pos-0006"]),  # whole ids only
    ],
)
def test_next_ids(existing, table, n, expected):
    assert next_ids(existing, table, n) == expected
    # The ceiling found once per dataset (a column of a million ids) gives the same ids as the list.
    ceiling = id_ceiling(pd.Series(existing, dtype="str"), table)
    assert next_ids(ceiling, table, n) == expected


def test_drafted_ids_continue_after_a_ceiling_and_the_ids_the_draft_kept():
    draft = empty_draft()
    draft["positions"] = [{"actor_id": "RUS"}, {"actor_id": "UKR"}]
    draft["agreed_items"] = [{"item_id": "itm-0200", "talk_id": "t"}, {"talk_id": "t"}]
    in_use = {
        "positions": id_ceiling(["pos-0041", "pos-00007"], "positions"),
        "agreed_items": id_ceiling([], "agreed_items"),
    }
    built = to_bundle(draft, in_use, {})
    assert built.ids["positions"] == ["pos-00042", "pos-00043"]
    assert built.ids["agreed_items"] == ["itm-0200", "itm-0201"]


def _draft(url: str = "https://example.org/new") -> dict:
    draft = empty_draft()
    draft["source"] |= {"url": url, "outlet": "Example Wire", "title": "T", "source_type": "wire"}
    draft["positions"] = [
        {
            "actor_id": "RUS",
            "date": "2025-06-03",
            "issue_id": "territory",
            "stance": "demand",
            "summary": "Asked for land.",
            "confidence": "medium",
            "disputed": False,
            "source_ids": [],
        }
    ]
    draft["reactions"] = [
        {
            "actor_id": "UN",
            "date": "2025-06-04",
            "event": "Round",
            "stance": "welcome",
            "summary": "Welcomed it.",
            "confidence": "low",
            "disputed": True,
            "source_ids": ["src-0000000002"],
        }
    ]
    return draft


def test_the_bundle_gives_ids_and_cites_the_article_unless_told(mini_dir, tmp_path):
    built = to_bundle(_draft(), {"positions": ["pos-0005"], "reactions": ["rea-0003"]}, {})
    assert built.ids == {
        "talks": [],
        "agreed_items": [],
        "positions": ["pos-0006"],
        "reactions": ["rea-0004"],
        "plan_provisions": [],
        "commitment_events": [],
    }
    assert built.bundle["positions"][0]["source_ids"] == [source_id_for("https://example.org/new")]
    assert built.bundle["reactions"][0]["source_ids"] == ["src-0000000002"]
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], Store(f"sqlite:///{tmp_path}/s.sqlite"), mini_dir)
    assert not preview.problems, preview.problems
    assert {n: len(f) for n, f in preview.new.items() if len(f)} == {"sources": 1, "positions": 1, "reactions": 1}


def test_a_recorded_url_is_cited_not_added_again():
    built = to_bundle(_draft("https://example.org/a"), {}, {"https://example.org/a": "src-0000000001"})
    assert "sources" not in built.bundle
    assert built.bundle["positions"][0]["source_ids"] == ["src-0000000001"]


def test_a_candidate_is_checked_last_in_its_table(mini_dir, tmp_path):
    bad = dict(_draft()["positions"][0], stance="insist")
    built = to_bundle(
        _draft(), {"positions": ["pos-0005"], "reactions": ["rea-0003"]}, {}, candidates={"positions": bad}
    )
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], Store(f"sqlite:///{tmp_path}/s.sqlite"), mini_dir)
    assert problems_of(preview.problems, "positions", 1) == []
    assert [p.column for p in problems_of(preview.problems, "positions", 2)] == ["stance"]


ACTORS = [
    ("RUS", "Russia", "Russian Federation;Moscow;Kremlin"),
    ("UKR", "Ukraine", "Kyiv;Kiev"),
    ("US", "United States", ""),
]


@pytest.mark.parametrize(
    ("typed", "first"),
    [("RUSS", "RUS"), ("russia", "RUS"), ("Kremlin", "RUS"), ("kiev", "UKR"), ("Ukriane", "UKR"), ("united", "US")],
)
def test_nearest_codes_by_id_name_and_alias(typed, first):
    assert nearest_codes(typed, ACTORS)[0][0] == first


def test_nothing_near_is_no_suggestion():
    assert nearest_codes("zzzzqqq", ACTORS) == []
    assert nearest_codes("", ACTORS) == []


def test_drafts_are_kept_replaced_and_discarded_without_touching_the_revision(tmp_path):
    store = Store(f"sqlite:///{tmp_path}/s.sqlite")
    assert store.drafts() == [] and store.draft("x") is None
    store.save_draft("d1", "First", json.dumps({"a": 1}))
    revision = store.revision()
    store.save_draft("d1", "First, again", json.dumps({"a": 2}))
    store.save_draft("d2", "Second", "{}")
    assert store.revision() == revision
    assert sorted(d[2] for d in store.drafts()) == ["First, again", "Second"]
    assert json.loads(store.draft("d1") or "") == {"a": 2}
    store.discard_draft("d1")
    assert [d[0] for d in store.drafts()] == ["d2"]
    assert store.batches().empty


def test_an_unknown_actor_or_round_in_an_import_names_the_nearest_codes(mini_dir, tmp_path):
    draft = _draft()
    draft["positions"][0] |= {"actor_id": "Russia", "talk_id": "2025-06-02-istambul"}
    draft["reactions"][0] |= {"actor_id": "Ukriane"}
    built = to_bundle(draft, {"positions": ["pos-0005"], "reactions": ["rea-0003"]}, {})
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], Store(f"sqlite:///{tmp_path}/s.sqlite"), mini_dir)
    rules = {(p.file.split("[")[-1], p.column): p.rule for p in preview.problems}
    new_actor = "A new actor can be added in the bundle's `actors` (or actors.csv) in the same import."
    assert rules[("positions]", "actor_id")].endswith(f"did you mean RUS — Russia? {new_actor}")
    assert "did you mean UKR — Ukraine?" in rules[("reactions]", "actor_id")]
    assert "did you mean 2025-06-02-istanbul — " in rules[("positions]", "talk_id")]
    assert len(preview.problems) == 3
    draft["reactions"][0] |= {"actor_id": "zzzz"}
    built = to_bundle(draft, {"positions": ["pos-0005"], "reactions": ["rea-0003"]}, {})
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], Store(f"sqlite:///{tmp_path}/s.sqlite"), mini_dir)
    nothing_near = [p.rule for p in preview.problems if "[reactions]" in p.file]
    assert nothing_near == [f"unknown id: not in actors.csv. {new_actor}"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Istanbul", "istanbul"),
        ("Abu Dhabi", "abu-dhabi"),
        ("St. Petersburg", "st-petersburg"),
        ("Genève", "geneve"),
        ("  Hallandale   Beach ", "hallandale-beach"),
        ("**B** <img src=x>", "b-img-src-x"),
        ("Київ", ""),  # no Latin letters: the id says 'round' instead
        ("x" * 300, "x" * 40),
    ],
)
def test_slug(text, expected):
    assert slug(text) == expected


@pytest.mark.parametrize(
    ("start", "city", "taken", "expected"),
    [
        ("2026-04-15", "Istanbul", [], "2026-04-15-istanbul"),
        ("2025-06-02", "Istanbul", ["2025-06-02-istanbul"], "2025-06-02-istanbul-2"),
        ("2025-06-02", "Istanbul", ["2025-06-02-istanbul", "2025-06-02-istanbul-2"], "2025-06-02-istanbul-3"),
        ("2026-04-15", "Київ", [], "2026-04-15-round"),
        ("", "Geneva", [], "undated-geneva"),  # the importer then asks for the start date
    ],
)
def test_a_round_id_is_its_start_date_and_city_and_unique(start, city, taken, expected):
    assert talk_id_for(start, city, taken) == expected


ROUND = {
    "process_id": "russia-ukraine",
    "title": "Istanbul round 3",
    "start_date": "2025-06-02",  # the day and city of the mini data's round 2: its id must differ
    "end_date": "2025-06-03",
    "city": "Istanbul",
    "country_iso3": "TUR",
    "format": "direct_bilateral",
    "status": "held",
    "outcome": "Agreed another exchange.",
    "confidence": "medium",
    "disputed": False,
    "source_ids": [],
}


def _rounds_draft() -> dict:
    draft = _draft()
    draft["talks"] = [dict(ROUND)]  # a round drafted before it had an id (the candidate of the form)
    return draft


def test_a_drafted_round_gets_a_free_id_and_keeps_it(mini_dir):
    existing = {"talks": ["2025-05-16-istanbul", "2025-06-02-istanbul"], "agreed_items": ["itm-0002"]}
    built = to_bundle(_rounds_draft(), existing, {})
    assert built.ids["talks"] == ["2025-06-02-istanbul-2"]
    draft = _rounds_draft()
    draft["talks"][0]["talk_id"] = "2025-06-02-istanbul-2"  # as the form stores it on Add
    built = to_bundle(draft, existing, {}, candidates={"talks": dict(ROUND)})
    assert built.ids["talks"] == ["2025-06-02-istanbul-2", "2025-06-02-istanbul-3"]  # unique against the draft too
    assert [t["talk_id"] for t in built.bundle["talks"]] == built.ids["talks"]


def test_a_drafted_round_with_a_participant_and_an_item_is_accepted_whole(mini_dir, tmp_path):
    existing = {
        "talks": ["2025-05-16-istanbul", "2025-06-02-istanbul", "2026-02-26-geneva"],
        "agreed_items": ["itm-0001", "itm-0002"],
        "positions": ["pos-0005"],
        "reactions": ["rea-0003"],
    }
    draft = _rounds_draft()
    draft["talks"][0]["talk_id"] = "2025-06-02-istanbul-2"
    draft["talk_participants"] = [
        {"talk_id": "2025-06-02-istanbul-2", "actor_id": "UKR", "role": "party", "delegation_head_id": "rustem_umerov"},
        {"talk_id": "2025-05-16-istanbul", "actor_id": "UN", "role": "observer"},  # a recorded round
    ]
    draft["agreed_items"] = [
        {
            "talk_id": "2025-06-02-istanbul-2",
            "issue_id": "prisoners",
            "summary": "Another exchange.",
            "quantity": 1200,
            "quantity_unit": "prisoners per side",
            "status": "agreed",
            "confidence": "medium",
            "source_ids": [],
        }
    ]
    draft["positions"][0]["talk_id"] = "2025-06-02-istanbul-2"  # a position names the drafted round too
    built = to_bundle(draft, existing, {})
    assert built.ids["agreed_items"] == ["itm-0003"]
    article = source_id_for("https://example.org/new")
    assert built.bundle["agreed_items"][0]["source_ids"] == [article]
    assert built.bundle["talks"][0]["source_ids"] == [article]
    assert "source_ids" not in built.bundle["talk_participants"][0]  # participants cite no sources
    store = Store(f"sqlite:///{tmp_path}/s.sqlite")
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], store, mini_dir)
    assert preview.problems == ()
    counts = {n: len(f) for n, f in preview.new.items() if len(f)}
    assert counts == {
        "sources": 1,
        "talks": 1,
        "talk_participants": 2,
        "agreed_items": 1,
        "positions": 1,
        "reactions": 1,
    }
    assert preview.new["talks"]["talk_id"].tolist() == ["2025-06-02-istanbul-2"]
    assert preview.new["agreed_items"]["quantity"].tolist() == ["1200"]


def test_a_participant_of_a_round_not_in_the_draft_is_refused_with_its_rule(mini_dir, tmp_path):
    draft = _draft()
    draft["talk_participants"] = [{"talk_id": "2025-06-02-istanbul-2", "actor_id": "UKR", "role": "party"}]
    built = to_bundle(draft, {"positions": ["pos-0005"], "reactions": ["rea-0003"]}, {})
    preview = preview_import([(BUNDLE_FILE, built.to_bytes())], Store(f"sqlite:///{tmp_path}/s.sqlite"), mini_dir)
    ((problem,),) = [problems_of(preview.problems, "talk_participants", 1)]
    assert problem.column == "talk_id" and "did you mean 2025-06-02-istanbul" in problem.rule


def test_a_draft_saved_before_rounds_could_be_coded_still_loads():
    old = {"source": {"url": "https://example.org/old", "title": "Old"}, "sources": [], "actors": [], "positions": []}
    draft = as_draft(json.loads(json.dumps(old)))
    assert draft["talks"] == draft["talk_participants"] == draft["agreed_items"] == draft["reactions"] == []
    assert draft["source"]["url"] == "https://example.org/old" and draft["source"]["outlet"] == ""
    assert draft_size(draft) == 0
    assert to_bundle(draft, {}, {}).bundle["talks"] == []
    assert set(empty_draft()) <= set(draft)
