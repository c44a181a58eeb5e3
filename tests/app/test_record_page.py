"""The record page (record?id=...): a position, a source, an actor, an unknown id, no id, a hostile id, hostile data."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest

from components.data import DATA_DIR_ENV
from components.registry import HIDDEN_PAGES, PAGES, RECORD_PAGE
from tests.app.conftest import assert_clean, open_page, shown
from tests.hostile import HOSTILE, import_hostile_bundle, unescaped_markup, write_hostile_data
from tests.mini import S1, S2, S3


def _open(opener, record_id: str | None = None, **query: list[str]):
    at = opener(RECORD_PAGE, {**({"id": [record_id]} if record_id is not None else {}), **query})
    assert_clean(at)
    assert at.title[0].value == RECORD_PAGE.title
    return at


def _links(at) -> list[tuple[str, str, str]]:
    """(label as a reader sees it, page, record id) of every page link."""
    out = []
    for link in at.get("page_link"):
        ids = parse_qs(link.proto.query_string).get("id", [""])
        out.append((shown(link.proto.label), link.proto.page, ids[0]))
    return out


def _record_ids(at) -> list[str]:
    return [record_id for _, page, record_id in _links(at) if page == RECORD_PAGE.url_path]


def _fields(at) -> str:
    """The field list as a reader sees it, labels without their bold marks."""
    return shown(at.markdown[0].value).replace("**", "")


def test_the_record_page_is_registered_but_not_in_the_menu():
    assert RECORD_PAGE in HIDDEN_PAGES and RECORD_PAGE not in PAGES
    assert Path(RECORD_PAGE.path).stem == RECORD_PAGE.url_path == "record"


def test_a_position_shows_its_fields_in_words_its_sources_and_its_links(on_mini):
    at = _open(on_mini, "pos-0002")
    assert [h.value for h in at.header][0] == "Ukraine on Ceasefire, 16 May 2025"
    fields = _fields(at)
    for line in ("Party: Ukraine", "Speaker: Rustem Umerov", "Stance: demand", "Confidence: high", "Disputed: no"):
        assert line in fields
    assert "None" not in fields and "nan" not in fields and "Conditions" not in fields
    ids = _record_ids(at)
    assert ids[:2] == [S1, S2]  # the sources first, each to its own record
    assert "2025-05-16-istanbul" in ids and "pos-0004" in ids  # its round and the party's next position
    outside = [(label, page) for label, page, _ in _links(at) if page != RECORD_PAGE.url_path]
    assert outside == [
        ("https://example.org/a", "https://example.org/a"),
        ("https://example.org/b", "https://example.org/b"),
    ]
    assert not at.warning  # no flag on a high-confidence, two-source record


def test_a_flagged_record_says_why(on_mini):
    at = _open(on_mini, "rea-0003")
    flags = shown(at.warning[0].value)
    assert "Disputed:" in flags and "Low confidence:" in flags and "Single source:" in flags


def test_a_source_lists_its_fact_checks_and_every_record_citing_it(on_mini):
    at = _open(on_mini, S3)
    ids = _record_ids(at)
    assert ids.count("chk-0001") == 2  # under the article and among the linked records
    for record_id in ("pos-0005", "rea-0003", "2026-02-26-geneva", "cev-0002"):
        assert record_id in ids
    assert "Published: not recorded" in _fields(at)
    assert any("Fact check (confirmed)" in label for label, _, _ in _links(at))


def test_an_actor_lists_its_positions_rounds_and_plans(on_mini):
    at = _open(on_mini, "UKR")
    assert at.header[0].value == "Ukraine"
    ids = _record_ids(at)
    for record_id in ("pos-0002", "pos-0004", "pos-0005", "2025-05-16-istanbul", "kyiv-plan"):
        assert record_id in ids


def test_an_unknown_id_says_so(on_mini):
    at = _open(on_mini, "pos-9999")
    assert "No record has the id" in at.warning[0].value and "pos\\-9999" in at.warning[0].value
    assert not at.header or at.header[0].value == "Filters"
    assert at.text_input(key="record.id") is not None


def test_no_id_shows_help_and_a_box_that_opens_a_record(on_mini):
    at = _open(on_mini)
    assert "A record page shows one" in at.info[0].value
    at.text_input(key="record.id").input("itm-0001").run()
    assert_clean(at)
    assert at.query_params["id"] in ("itm-0001", ["itm-0001"])  # the link now names the record
    assert at.header[0].value.startswith("Prisoners")


def test_a_hostile_id_is_shown_as_text(on_mini):
    at = _open(on_mini, HOSTILE)
    assert unescaped_markup(at.warning[0].value) == []
    assert HOSTILE.strip() in shown(at.warning[0].value)


def test_an_ambiguous_id_lists_the_candidates(on_mini, monkeypatch, tmp_path):
    from tests.mini import TABLES, write_mini

    twin = {**TABLES["actors"][0], "actor_id": "pos-0001", "name": "A twin"}
    monkeypatch.setenv(DATA_DIR_ENV, str(write_mini(tmp_path / "twin", {"actors": [*TABLES["actors"], twin]})))
    at = _open(open_page, "pos-0001")
    assert "names 2 records" in at.info[0].value
    assert _record_ids(at) == ["pos-0001", "pos-0001"]
    at = _open(open_page, "pos-0001", kind=["actor"])
    assert at.header[0].value == "A twin"


@pytest.mark.parametrize(
    "record_id", [None, "pos-0001", "src-f8cd89ae6d", "RUS", "2025-05-16-istanbul", "us-28-point-2025"]
)
def test_the_page_renders_on_the_bundled_data_whatever_the_filters(on_bundled, record_id):
    at = _open(on_bundled, record_id, **{"from": ["2024-01-01"], "to": ["2024-01-02"]})
    if record_id is not None:
        assert at.header[0].value != "Filters"  # the record is shown although the window holds nothing


@pytest.fixture
def on_hostile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, temp_store_url: str):
    data = write_hostile_data(tmp_path / "hostile")
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    import_hostile_bundle(temp_store_url, data)
    return open_page


@pytest.mark.parametrize("record_id", ["pos-0071", "2025-05-16-istanbul", "src-183995224a", "RUS", "chk-0002"])
def test_markup_in_every_field_is_shown_as_text(on_hostile, record_id):
    at = _open(on_hostile, record_id)
    texts = [e.value for kind in ("markdown", "caption", "header", "warning", "info") for e in at.get(kind)]
    texts += [link.proto.label for link in at.get("page_link")]
    assert any(HOSTILE.strip()[:5] in shown(t) for t in texts)  # the hostile text is there ...
    assert [(t, unescaped_markup(t)) for t in texts if unescaped_markup(t)] == []  # ... and never interpreted
