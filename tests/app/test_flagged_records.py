"""Flagged records in the app: the Reactions page's switch and map rule, and "Hide low-confidence records" in the
Timeline's round detail (exact, on the mini dataset: UN welcomes, then a newer disputed low-confidence call for a
ceasefire; a low-confidence Russian position on the first Istanbul round)."""

from __future__ import annotations

import json

import pyarrow as pa

from components.registry import PAGES
from parley.records import link_label
from tests.app.conftest import assert_clean, go_to, shown

PAGE = {p.url_path: p for p in PAGES}
SWITCH = "reactions.include_flagged"


def _table(at, column: str):
    for frame in at.dataframe:
        if column in frame.value.columns:
            return frame.value
    raise AssertionError(f"no table with column {column}")


def _specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def _values(spec: dict) -> list[dict]:
    """Every inline row of a chart (its own data, its layers' and its lookups')."""
    rows: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            values = node.get("values")
            if isinstance(values, list):
                rows.extend(v for v in values if isinstance(v, dict))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    return rows


def _stance_counts(at) -> dict[str, int]:
    """The rows of the 'Reactions by stance' bars (Streamlit sends a chart's own data as Arrow, beside the spec)."""
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        if spec.get("encoding", {}).get("y", {}).get("field") == "stance_label" and chart.proto.HasField("data"):
            frame = pa.ipc.open_stream(chart.proto.data.data).read_pandas()
            return dict(zip(frame["stance_label"], frame["count"].astype(int), strict=True))
    raise AssertionError("no stance counts chart")


def test_switch_is_off_by_default_and_flagged_reactions_are_not_counted(on_mini):
    at = on_mini(PAGE["reactions"])
    assert_clean(at)
    switch = at.toggle(key=SWITCH)
    assert switch.label == "Include disputed and low-confidence reactions" and switch.value is False
    assert "not counted" in shown(at.caption[0].value)  # the header says what the counts hold
    beside = _beside(at)  # the map section, open first
    assert beside.loc["United Nations", "Stance shown"] == "welcome"
    assert beside.loc["United Nations", "Newer flagged reaction"].startswith("call for ceasefire or talks, 3 Jun 2025")
    go_to(at, PAGE["reactions"], "counts")
    assert_clean(at)
    assert _stance_counts(at) == {"criticise Russia": 1, "welcome": 1}
    go_to(at, PAGE["reactions"], "list")
    assert len(_table(at, "Summary")) == 3  # the table of reactions still lists every one, flags shown


def test_switch_on_counts_flagged_reactions_and_draws_them_hollow(on_mini):
    at = on_mini(PAGE["reactions"])
    at.toggle(key=SWITCH).set_value(True)
    at.run()
    assert_clean(at)
    assert "counted" in shown(at.caption[0].value) and "not counted" not in shown(at.caption[0].value)
    beside = _beside(at)
    assert beside.loc["United Nations", "Stance shown"] == "call for ceasefire or talks"
    assert beside.loc["United Nations", "Based on"] == "disputed or low confidence"
    go_to(at, PAGE["reactions"], "counts")
    assert_clean(at)
    assert _stance_counts(at) == {"criticise Russia": 1, "welcome": 1, "call for ceasefire or talks": 1}


def test_map_switches_between_world_and_europe(on_mini):
    at = on_mini(PAGE["reactions"])
    projections = [s["projection"]["type"] for s in _specs(at) if "projection" in s]
    assert projections == ["equalEarth"]
    at.segmented_control(key="reactions.area").set_value("europe")
    at.run()
    assert_clean(at)
    europe = [s for s in _specs(at) if "projection" in s]
    assert len(europe) == 1 and "fit" in europe[0]["projection"]
    # France reacted in the mini data: on the Europe map, filled from a confirmed reaction.
    assert {"actor_name": "France", "solid": True}.items() <= next(
        r for r in _values(europe[0]) if r.get("actor_name") == "France"
    ).items()


def _beside(at):
    """The 'Not on the map' table, by actor name (its cells link to the actor's record)."""
    table = _table(at, "Stance shown")
    return table.assign(Actor=table["Actor"].map(link_label)).set_index("Actor")


def _round_detail(at) -> tuple[list[str], list[str], list[str]]:
    positions = _table(at, "Party")["Record"].astype(str).tolist()
    reactions = [t for t in at.dataframe if "Actor" in t.value.columns and "Record" in t.value.columns]
    sources = _table(at, "Outlet")["Record"].astype(str).tolist()
    return positions, [str(r) for t in reactions for r in t.value["Record"]], sources


def test_hide_low_reaches_the_timeline_round_detail(on_mini):
    at = on_mini(PAGE["timeline"], {"round": ["2025-05-16-istanbul"]})
    assert_clean(at)
    positions, _, _ = _round_detail(at)
    assert any("pos-0001" in p for p in positions) and any("pos-0002" in p for p in positions)
    at.toggle(key="filters.hide_low").set_value(True)
    at.run()
    assert_clean(at)
    positions, _, _ = _round_detail(at)
    assert not any("pos-0001" in p for p in positions) and any("pos-0002" in p for p in positions)
    assert any("Low-confidence items, positions and reactions" in c.value for c in at.caption)


def test_hide_low_hides_a_low_confidence_reaction_of_a_round(on_mini):
    at = on_mini(PAGE["timeline"], {"round": ["2025-06-02-istanbul"], "hide_low": ["1"]})
    assert_clean(at)
    _, reactions, _ = _round_detail(at)
    assert not any("rea-0003" in r for r in reactions)
    shown_ids = " ".join(str(v) for t in at.dataframe for v in t.value.to_numpy().ravel())
    assert "rea-0003" not in shown_ids
