"""Changing a filter changes the tables, figures and URL as it should (exact, on the mini dataset)."""

from __future__ import annotations

from components.registry import PAGES
from parley.records import link_label
from tests.app.conftest import assert_clean, shown

PAGE = {p.url_path: p for p in PAGES}


def _param(at, key: str) -> list[str]:
    value = at.query_params.get(key, [])
    return [value] if isinstance(value, str) else list(value)


def _table(at, heading_column: str):
    for frame in at.dataframe:
        value = frame.value
        if heading_column in value.columns:
            return value
    raise AssertionError(f"no table with column {heading_column}")


def test_party_filter_narrows_statements_and_updates_url(on_mini):
    at = on_mini(PAGE["positions"], None, "statements")
    assert_clean(at)
    assert len(_table(at, "Stance")) == 5
    at.multiselect(key="filters.party").set_value(["RUS"])
    at.run()
    assert_clean(at)
    table = _table(at, "Stance")
    assert table["Party"].unique().tolist() == ["Russia"]
    assert len(table) == 2
    assert _param(at, "party") == ["RUS"]
    assert "Parties: Russia" in shown(at.caption[0].value)


def test_url_opens_the_same_view(on_mini):
    at = on_mini(PAGE["positions"], {"party": ["UKR"], "issue": ["ceasefire"], "from": ["2025-06-01"]}, "statements")
    assert_clean(at)
    assert at.multiselect(key="filters.party").value == ["UKR"]
    assert _table(at, "Stance")["Summary"].tolist()[-1] == "Ceasefire until a leaders' meeting."
    assert len(_table(at, "Stance")) == 2


def test_hide_low_confidence_removes_low_records(on_mini):
    at = on_mini(PAGE["reactions"], None, "list")
    assert len(_table(at, "Stance")) == 3
    at.toggle(key="filters.hide_low").set_value(True)
    at.run()
    table = _table(at, "Stance")
    assert len(table) == 2 and "low" not in table["Confidence"].astype(str).tolist()
    assert _param(at, "hide_low") == ["1"]


def test_overview_figures_follow_the_date_filter(on_mini):
    at = on_mini(PAGE["overview"])
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rounds held"] == "3"
    assert metrics["Prisoners agreed per side"] == "1,000"
    at = on_mini(PAGE["overview"], {"from": ["2025-06-01"]})
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rounds held"] == "2"
    assert metrics["Prisoners agreed per side"] == "0"


def test_timeline_round_details(on_mini):
    at = on_mini(PAGE["timeline"], {"round": ["2025-05-16-istanbul"]})
    assert_clean(at)
    assert at.header[0].value == "Istanbul round 1"
    participants = _table(at, "Delegation head")
    # names are links to the actors' records, showing the name
    assert set(participants["Participant"].map(link_label)) == {"Russia", "Ukraine", "Türkiye"}
    assert set(participants["Delegation head"].dropna().map(link_label)) >= {"Vladimir Medinsky", "Rustem Umerov"}
    assert _table(at, "What was agreed")["Quantity"].tolist() == [1000]


def test_sources_page_lists_only_cited_sources(on_mini):
    at = on_mini(PAGE["sources"], {"party": ["UN"]})
    assert_clean(at)
    sources = _table(at, "Outlet")
    # UN reactions cite S2 and S3 only
    assert sorted(sources["Outlet"]) == ["=Spreadsheet Trap", "Example Daily"]


def test_markup_in_data_is_shown_as_text(on_mini):
    at = on_mini(PAGE["timeline"], {"round": ["2026-02-26-geneva"]})
    assert_clean(at)
    texts = [m.value for m in at.markdown]
    assert any("\\<script\\>" in m for m in texts), texts
    assert not any("<script>" in m for m in texts)


def test_broken_data_stops_with_a_message(on_mini, monkeypatch, tmp_path):
    from components.data import DATA_DIR_ENV
    from tests.mini import write_mini

    broken = write_mini(tmp_path)
    text = (broken / "positions.csv").read_text(encoding="utf-8").replace("2025-06-04", "2025-13-40")
    (broken / "positions.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv(DATA_DIR_ENV, str(broken))
    at = on_mini(PAGE["overview"])
    assert not at.exception
    assert at.error and "could not be loaded" in at.error[0].value
    problems = at.dataframe[0].value
    row = problems[problems["column"] == "date"].iloc[0]
    assert (row["file"], int(row["row"]), row["value"]) == ("positions.csv", 5, "2025-13-40")
