"""Page sections: only the open tab is drawn, and the open tab is part of the link that reopens the view."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.registry import PAGES, ROOT
from components.sections import P_VIEW, section_key
from tests.app.conftest import APP, assert_clean

PAGE = {p.url_path: p for p in PAGES}
POSITIONS = PAGE["positions"]


def _deep_link(page, query: dict[str, str | list[str]]) -> AppTest:
    """A fresh session whose first run is the page's URL with `query`, as a browser opening a shared link."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(str(ROOT / page.path))
    at.run()
    assert_clean(at)
    return at


def _open_label(at: AppTest, page) -> str:
    return at.session_state[section_key(page)]


def _share_link(at: AppTest) -> str:
    return next(c.value for c in at.code if "?" in c.value or c.value.startswith("("))


def test_every_page_with_sections_declares_unique_slugs_and_labels():
    for page in PAGES:
        slugs = [slug for slug, _ in page.sections]
        labels = [label for _, label in page.sections]
        assert len(set(slugs)) == len(slugs) and len(set(labels)) == len(labels), page.url_path
        assert all(slug and slug.isascii() and " " not in slug for slug in slugs), page.url_path


def test_a_link_naming_a_section_opens_it():
    at = _deep_link(POSITIONS, {P_VIEW: "gap", "party": ["RUS", "UKR"]})
    assert _open_label(at, POSITIONS) == "How far apart"
    assert at.selectbox(key="positions.gap.a").value == "RUS"
    assert at.query_params[P_VIEW] == "gap"
    assert "view=gap" in _share_link(at)


def test_the_first_section_keeps_the_link_plain_and_a_tab_click_writes_it():
    at = _deep_link(POSITIONS, {})
    assert _open_label(at, POSITIONS) == "Where they stand"
    assert P_VIEW not in at.query_params
    at.session_state[section_key(POSITIONS)] = "Statements"  # what a click on the tab sets before its rerun
    at.run()
    assert_clean(at)
    assert at.query_params[P_VIEW] == "statements"
    assert "view=statements" in _share_link(at)
    at.session_state[section_key(POSITIONS)] = "Where they stand"
    at.run()
    assert P_VIEW not in at.query_params


@pytest.mark.parametrize(
    "value", ["nope", "How far apart", "<script>alert(1)</script>", "gap\x00\x1b", "**gap**", "x" * 5000]
)
def test_an_unknown_or_hostile_view_opens_the_first_section_and_leaves_the_link(value):
    at = _deep_link(POSITIONS, {P_VIEW: value})
    assert _open_label(at, POSITIONS) == "Where they stand"
    assert P_VIEW not in at.query_params
    assert not at.info, [i.value for i in at.info]  # not a filter: no "link not applied" note either


def test_only_the_open_section_is_drawn():
    drawn = {}
    for slug, _label in POSITIONS.sections:
        at = _deep_link(POSITIONS, {P_VIEW: slug})
        drawn[slug] = {
            "widgets": {w.key for w in at.selectbox} | {w.key for w in at.radio},
            "titles": {h.value for h in at.subheader},
            "tables": len(at.dataframe),
        }
    assert "positions.gap.a" in drawn["gap"]["widgets"]
    assert all("positions.gap.a" not in d["widgets"] for s, d in drawn.items() if s != "gap")
    assert drawn["stand"]["titles"] == {"Latest stance by party and issue"}
    assert drawn["path"]["titles"] == {"Options over time"}
    assert drawn["statements"]["titles"] == {"Statements per party", "Statements"}
    assert (drawn["stand"]["tables"], drawn["path"]["tables"], drawn["moves"]["tables"]) == (0, 0, 1)
    assert drawn["statements"]["tables"] == 1


def test_a_section_parameter_does_not_follow_the_reader_to_a_page_without_sections():
    at = _deep_link(POSITIONS, {P_VIEW: "gap"})
    at.switch_page(str(ROOT / PAGE["sources"].path))
    at.run()
    assert_clean(at)
    assert P_VIEW not in at.query_params
    assert "view=" not in _share_link(at)
