"""The Reactions page's sections: the switch above the tabs, and only the open section's map, counts or table drawn."""

from __future__ import annotations

import pytest

from components.registry import PAGES
from tests.app.conftest import assert_clean, shown

REACTIONS = next(p for p in PAGES if p.url_path == "reactions")
SWITCH = "reactions.include_flagged"
# What each section draws, by the keys of its charts' and tables' download buttons.
DRAWN = {
    "map": {"reactions.map.png", "reactions.offmap.csv"},
    "counts": {"reactions.stance.png", "reactions.ranking.png", "reactions.monthly.png"},
    "list": {"reactions.table.csv"},
}
NOTHING_COUNTED = "Every reaction in the window is disputed or low confidence"


def _downloads(at) -> set[str]:
    return {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}


def _areas(at) -> list:
    return [c for c in at.get("segmented_control") if c.key == "reactions.area"]


@pytest.mark.parametrize("section", list(DRAWN))
def test_each_section_draws_its_own_content_only(on_bundled, section):
    at = on_bundled(REACTIONS, None, section)
    assert_clean(at)
    assert at.toggle(key=SWITCH).label == "Include disputed and low-confidence reactions"
    drawn = _downloads(at)
    assert drawn >= DRAWN[section]
    for other, keys in DRAWN.items():
        if other != section:
            assert not keys & drawn, (other, keys & drawn)
    assert bool(_areas(at)) == (section == "map")
    assert any(c.value.startswith("Flags:") for c in at.caption)


def test_the_sections_headings(on_bundled):
    headings = {s: [shown(h.value) for h in on_bundled(REACTIONS, None, s).subheader] for s in DRAWN}
    assert headings["map"] == ["Where reacting states stand (World)", "Not on the map"]
    assert headings["counts"] == ["Reactions by stance", "Who reacted most", "Reactions over time"]
    assert headings["list"] == ["Reactions"]


def test_the_counts_say_when_nothing_is_counted_and_the_other_sections_do_not(on_mini):
    query = {"from": ["2025-06-01"]}  # the mini window's only reaction is disputed and low confidence
    at = on_mini(REACTIONS, query, "counts")
    assert_clean(at)
    assert any(NOTHING_COUNTED in i.value for i in at.info)
    assert not DRAWN["counts"] & _downloads(at)
    at.toggle(key=SWITCH).set_value(True).run()
    assert_clean(at)
    assert not at.info
    assert _downloads(at) >= DRAWN["counts"]
    for section in ("map", "list"):
        other = on_mini(REACTIONS, query, section)
        assert_clean(other)
        assert not any(NOTHING_COUNTED in i.value for i in other.info)
        assert _downloads(other) >= DRAWN[section]
