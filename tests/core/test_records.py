"""Record pages without Streamlit: every id resolves, links run both ways, text stays literal, only http(s) links."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from parley.loading import Dataset, load_dataset
from parley.records import (
    AUTO_LINKS,
    KIND,
    KINDS,
    LINK_DISPLAY,
    MAX_LINKS,
    NOT_RECORDED,
    Record,
    find,
    link_cell,
    link_label,
    matches,
    safe_href,
    split_ids,
)
from tests.hostile import HOSTILE, write_hostile_data
from tests.mini import S1, S2, S3

# What a missing value looks like when it slips through str(): none of it may reach a reader.
MISSING = re.compile(r"\bNone\b|\bnan\b|\bNaN\b|\bNaT\b|<NA>")


def _all_ids(ds: Dataset) -> list[tuple[str, str]]:
    return [(k.key, i) for k in KINDS for i in getattr(ds, k.table)[k.id_column].astype(str)]


@pytest.fixture(scope="module")
def every_record(bundled: Dataset) -> dict[tuple[str, str], Record | None]:
    return {(kind, record_id): find(bundled, record_id, kind) for kind, record_id in _all_ids(bundled)}


def _record(ds: Dataset, record_id: str) -> Record:
    record = find(ds, record_id)
    assert record is not None, record_id
    return record


def _linked(record: Record, title: str) -> list[str]:
    group = record.group(title)
    return [] if group is None else [link.id for link in group.links]


def test_every_id_of_every_table_resolves_to_a_record_in_words(bundled, every_record):
    assert len(every_record) > 700  # every kind is walked (rounds, positions, ... provisions)
    assert {kind for kind, _ in every_record} == set(KIND)
    for (kind, record_id), record in every_record.items():
        assert record is not None, (kind, record_id)
        assert record.kind == kind and record.id == record_id
        assert record.title.strip(), (kind, record_id)
        assert ("Id", record_id) in record.fields
        for label, value in record.fields:
            assert value.strip() and not MISSING.search(value), (kind, record_id, label, value)
        for group in record.links:
            assert group.links and group.total >= len(group.links)
            for link in group.links:
                assert link.label.strip() and not MISSING.search(link.label), (record_id, group.title, link)


def test_ids_are_unique_across_tables_so_each_names_one_record(bundled):
    for kind, record_id in _all_ids(bundled):
        assert [m.kind for m in matches(bundled, record_id)] == [kind], record_id


def test_every_id_a_table_shows_names_a_record(bundled):
    """The columns show_table links (ids, id lists, round names): each id in them resolves."""
    known = {record_id for _, record_id in _all_ids(bundled)}
    frames = [bundled.talks, bundled.participants, bundled.items, bundled.positions, bundled.reactions]
    frames += [bundled.sources, bundled.fact_checks, bundled.commitments, bundled.plans, bundled.provisions]
    seen = 0
    for frame in frames:
        for column in {by for by in AUTO_LINKS.values() if by in frame.columns}:
            for cell in frame[column].dropna().astype(str).unique():
                for record_id in split_ids(cell):
                    assert record_id in known, (column, record_id)
                    seen += 1
    assert seen > 1000


def test_linked_records_run_both_ways(bundled, every_record):
    checked = 0
    for (kind, record_id), record in every_record.items():
        if kind not in ("position", "reaction", "round", "item"):
            continue
        title = {"position": "Positions", "reaction": "Reactions", "round": "Rounds", "item": "Agreed items"}[kind]
        for source in record.sources:
            back = every_record[("source", source.id)]
            group = back.group(f"{title} citing it")
            assert group is not None, (record_id, source.id)
            if group.total <= MAX_LINKS:
                assert record_id in [link.id for link in group.links], (record_id, source.id)
                checked += 1
    assert checked > 200
    # a round lists its positions, reactions and agreed items, and each of them names the round
    for kind, frame, title in (
        ("position", bundled.positions, "Positions stated at this round"),
        ("reaction", bundled.reactions, "Reactions to this round"),
        ("item", bundled.items, "Agreed items"),
    ):
        for row in frame[frame["talk_id"].astype(str) != ""].head(20).itertuples():
            round_ = every_record[("round", str(row.talk_id))]
            assert getattr(row, KIND[kind].id_column) in _linked(round_, title)
            record = every_record[(kind, getattr(row, KIND[kind].id_column))]
            assert any(str(row.talk_id) in [link.id for link in g.links] for g in record.links if "Round" in g.title)


def test_a_position_links_its_round_sources_and_the_partys_previous_and_next_position(mini):
    middle = _record(mini, "pos-0004")  # UKR on ceasefire: pos-0002, pos-0004, pos-0005
    assert _linked(middle, "Previous position of the party on this issue") == ["pos-0002"]
    assert _linked(middle, "Next position of the party on this issue") == ["pos-0005"]
    first = _record(mini, "pos-0002")
    assert first.group("Previous position of the party on this issue") is None
    assert _linked(first, "Round") == ["2025-05-16-istanbul"]
    assert [s.id for s in first.sources] == [S1, S2]
    assert dict(first.fields)["Stance"] == "demand"
    assert dict(first.fields)["Option on the issue's scale"].startswith("Ceasefire first (rank 1 of 3")
    assert "Conditions" not in dict(first.fields)  # empty: left out, never "None"


def test_a_source_lists_every_record_citing_it_and_its_fact_checks(mini):
    source = _record(mini, S3)
    assert _linked(source, "Fact checks of this source") == ["chk-0001"]
    assert _linked(source, "Positions citing it") == ["pos-0005"]
    assert _linked(source, "Reactions citing it") == ["rea-0003"]
    assert _linked(source, "Rounds citing it") == ["2026-02-26-geneva"]
    assert _linked(source, "Commitment events citing it") == ["cev-0002"]
    assert dict(source.fields)["Published"] == NOT_RECORDED
    assert [c.verdict for c in source.sources[0].checks] == ["confirmed"]
    assert source.sources[0].href == "https://example.org/c"
    assert _linked(_record(mini, S1), "Fact checks that checked against it") == ["chk-0001"]


def test_an_actor_a_round_a_plan_and_an_agreed_item_list_what_belongs_to_them(mini):
    ukraine = _record(mini, "UKR")
    assert _linked(ukraine, "Positions held or voiced") == ["pos-0005", "pos-0004", "pos-0002"]  # newest first
    assert set(_linked(ukraine, "Rounds at the table")) == {"2025-05-16-istanbul", "2025-06-02-istanbul",
                                                            "2026-02-26-geneva"}  # fmt: skip
    assert _linked(ukraine, "Peace plans proposed") == ["kyiv-plan"]
    assert _linked(_record(mini, "RUS"), "People who speak for it") == ["vladimir_medinsky"]
    round_ = _record(mini, "2025-05-16-istanbul")
    assert _linked(round_, "Participants") == ["RUS", "UKR", "TUR"]
    assert _linked(round_, "Agreed items") == ["itm-0001"]
    assert _linked(round_, "Fact checks naming it") == ["chk-0001"]
    assert _linked(_record(mini, "moscow-plan"), "Provisions") == ["moscow-plan.1", "moscow-plan.2"]
    item = _record(mini, "itm-0002")
    assert _linked(item, "Commitment events") == ["cev-0004", "cev-0005"]
    assert dict(item.fields)["Latest commitment status"] == "violated"
    assert dict(_record(mini, "cev-0005").fields)["Status"] == "violated (off the 0–3 scale)"


def test_flags_are_explained(mini):
    flags = _record(mini, "rea-0003").flags  # disputed, low confidence, one source
    assert [f.split(":")[0] for f in flags] == ["Disputed", "Low confidence", "Single source"]
    assert _record(mini, "pos-0002").flags == ()  # high confidence, two sources


def test_unknown_and_ambiguous_ids(mini):
    assert find(mini, "pos-9999") is None and matches(mini, "pos-9999") == []
    twin = pd.concat([mini.actors, mini.actors.head(1).assign(actor_id="pos-0001", name="A twin")], ignore_index=True)
    ds = replace(mini, actors=twin)
    assert [m.kind for m in matches(ds, "pos-0001")] == ["position", "actor"]
    assert find(ds, "pos-0001", "actor").title == "A twin"
    assert find(ds, "pos-0001").kind == "position"


def test_markup_in_the_data_stays_literal(mini, tmp_path: Path):
    assert dict(_record(mini, "rea-0003").fields)["Summary"] == "<img src=x onerror=alert(1)> hoped for a ceasefire."
    hostile = load_dataset(write_hostile_data(tmp_path / "hostile"))
    record = _record(hostile, "pos-0071")
    assert dict(record.fields)["Summary"].startswith(HOSTILE.strip())
    assert record.sources[0].reliability_notes.startswith(HOSTILE.strip())
    assert any(link.label.startswith(HOSTILE.strip()[:5]) for g in record.links for link in g.links)


@pytest.mark.parametrize(
    ("url", "href"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("HTTP://example.org", "HTTP://example.org"),
        ("javascript:alert(1)", None),
        ("JavaScript:alert(1)//https://x", None),
        ("data:text/html,<script>alert(1)</script>", None),
        ("vbscript:msgbox", None),
        ("//evil.example/a", None),
        ("https:///no-host", None),
        ("https://example.org/a b", None),
        ("https://example.org/\x00", None),
        ("", None),
        (None, None),
    ],
)
def test_only_http_and_https_addresses_become_links(url, href):
    assert safe_href(url) == href


def test_a_javascript_source_address_is_shown_as_text_never_as_a_link(mini):
    sources = mini.sources.assign(url=mini.sources["url"].where(mini.sources["source_id"] != S1, "javascript:alert(1)"))
    ds = replace(mini, sources=sources)
    ref = next(s for s in _record(ds, "pos-0002").sources if s.id == S1)
    assert ref.href is None and ref.url == "javascript:alert(1)"
    assert _record(ds, S1).sources[0].href is None


@pytest.mark.parametrize(
    ("cell", "label", "shown"),
    [
        ("pos-0001", None, "pos-0001"),
        ("2025-05-16-istanbul", "Istanbul round 1", "Istanbul round 1"),
        (f"{S1};{S2}; {S3}", None, f"{S1} (+2 more)"),
        ("a#b&c d", "x#y&z + 100%", "x#y&z + 100%"),
        ("javascript:alert(1)", "<img src=x>", "<img src=x>"),
    ],
)
def test_a_link_cell_opens_the_first_record_and_shows_its_text(cell, label, shown):
    value = link_cell(cell, label)
    assert value.startswith("record?id=")  # relative, on this app: never another scheme
    assert unquote(value.split("#")[0].removeprefix("record?id=")) == split_ids(cell)[0]
    assert link_label(value) == shown
    # What Streamlit's LinkColumn shows: the first group of LINK_DISPLAY, URL-decoded ('+' read as a space first).
    group = re.search(LINK_DISPLAY, value).group(1)
    assert unquote(group.replace("+", "%20")) == shown


def test_a_plain_record_link_shows_its_id(bundled):
    from parley.digest import record_link

    assert unquote(re.search(LINK_DISPLAY, record_link("src-f8cd89ae6d")).group(1)) == "src-f8cd89ae6d"
    assert link_cell(None) is None and link_cell("") is None and link_cell(float("nan")) is None


def test_id_link_cells_of_a_column_equal_link_cell_one_by_one(bundled):
    from parley.record_links import id_link_cells

    odd = ["pos-0001", " pos-0002 ", "a#b&c d", f"{S1};{S2}", "javascript:alert(1)", "", None, float("nan"), "ü-1"]
    ids = pd.Series([*odd, *bundled.positions["position_id"].astype(str), *bundled.sources["source_id"].astype(str)])
    assert id_link_cells(ids) == [link_cell(i) or "" for i in ids]
    categorical = pd.Series(pd.Categorical(["tlk-1", None, "tlk 2", "tlk-1"]))
    assert id_link_cells(categorical) == [link_cell(i) or "" for i in categorical]
