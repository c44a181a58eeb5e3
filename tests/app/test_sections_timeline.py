"""The Timeline's sections: the chart and the round picker above the tabs, and only the open section drawn below."""

from __future__ import annotations

import pytest

from components.filters import K_ROUND
from components.registry import PAGES
from components.sections import section_key
from parley.loading import load_dataset
from tests.app.conftest import assert_clean, shown

TIMELINE = next(p for p in PAGES if p.url_path == "timeline")
QUERY = {"from": ["2025-01-01"]}
ROUND_TABLES = {"timeline.participants", "timeline.positions", "timeline.reactions", "timeline.sources"}
HINT = "Choose a round in 'Open a round' above"


def _tables(at) -> set[str]:
    """The keys of the tables drawn, read from their CSV buttons (each table has one, keyed '<table key>.csv')."""
    ids = [b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")]
    return {i.removesuffix(".csv") for i in ids if i.endswith(".csv")}


def _choose_first_round(at):
    at.selectbox(key=K_ROUND).select_index(0).run()
    return at


def _hinted(at) -> bool:
    return any(HINT in c.value for c in at.caption)


@pytest.mark.parametrize("section", ["round", "rounds"])
def test_every_section_keeps_the_chart_and_the_round_picker_above_the_tabs(on_bundled, section):
    at = on_bundled(TIMELINE, QUERY, section)
    assert_clean(at)
    assert len(at.get("plotly_chart")) == 1
    assert any(s.label == "Zoom" for s in at.slider)
    assert at.selectbox(key=K_ROUND).label == "Open a round"
    assert at.selectbox(key="timeline.city").label == "Highlight a city"


def test_the_round_section_says_how_to_choose_a_round_and_draws_no_table_of_rounds(on_bundled):
    at = on_bundled(TIMELINE, QUERY, "round")
    assert_clean(at)
    assert _hinted(at)
    assert "timeline.rounds" not in _tables(at)
    assert not ROUND_TABLES & _tables(at)
    assert "All rounds in the window" not in [s.value for s in at.subheader]


def test_the_round_section_draws_the_chosen_round_only(on_bundled):
    at = _choose_first_round(on_bundled(TIMELINE, QUERY, "round"))
    assert_clean(at)
    talks = load_dataset().talks
    title = talks.loc[talks["talk_id"] == at.selectbox(key=K_ROUND).value, "title"].iloc[0]
    assert title in [shown(h.value) for h in at.header]
    assert _tables(at) >= ROUND_TABLES
    assert "timeline.rounds" not in _tables(at)
    assert not _hinted(at)
    assert {"Agreed items", "Positions and reactions linked to this round", "Sources"} <= {
        s.value for s in at.subheader
    }


def test_the_rounds_section_draws_the_table_and_legend_but_not_the_round(on_bundled):
    at = on_bundled(TIMELINE, QUERY, "rounds")
    assert_clean(at)
    assert "timeline.rounds" in _tables(at)
    assert any(c.value.startswith("Flags:") for c in at.caption)
    assert not _hinted(at)
    assert not ROUND_TABLES & _tables(at)


def test_choosing_a_round_on_the_rounds_section_opens_the_round(on_bundled):
    at = on_bundled(TIMELINE, QUERY, "rounds")
    _choose_first_round(at)
    assert_clean(at)
    assert at.session_state[section_key(TIMELINE)] == dict(TIMELINE.sections)["round"]
    assert _tables(at) >= ROUND_TABLES
    assert "timeline.rounds" not in _tables(at)
    # Back on the rounds: the table is drawn, and the chosen round stays chosen but is not drawn.
    at.session_state[section_key(TIMELINE)] = dict(TIMELINE.sections)["rounds"]
    at.run()
    assert_clean(at)
    assert "timeline.rounds" in _tables(at)
    assert not ROUND_TABLES & _tables(at)
    assert at.selectbox(key=K_ROUND).value is not None
