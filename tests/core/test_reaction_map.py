"""The map's rule for flagged reactions, the counts that follow the switch, and the map's geometry and spec."""

from __future__ import annotations

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema

from parley.aggregate import actor_ranking, count_by, counted_reactions, off_map, reactions_by_state
from parley.geo import drawable_numeric_ids, iso3_to_numeric, outlined_places, place_of, world_topology
from parley.map_charts import EUROPE, WORLD, reaction_map_chart, states_outside

STANCES = {"welcome": "welcome", "criticise_russia": "criticise Russia", "neutral": "neutral", "concern": "concern"}
ACTORS = {"USA": ("United States", "USA"), "CHE": ("Switzerland", "CHE"), "VAT": ("Holy See", "VAT"), "EU": ("EU", "")}


def _reactions(*rows: tuple[str, str, str, str, bool]) -> pd.DataFrame:
    """(actor, date, stance, confidence, disputed) per reaction, in the loaded tables' shape."""
    frame = pd.DataFrame(rows, columns=["actor_id", "date", "stance", "confidence", "disputed"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["reaction_id"] = [f"rea-{i:04d}" for i in range(len(frame))]
    frame["actor_name"] = frame["actor_id"].map(lambda a: ACTORS[a][0])
    frame["country_iso3"] = frame["actor_id"].map(lambda a: ACTORS[a][1])
    frame["actor_type"] = frame["country_iso3"].map(lambda c: "state" if c else "organisation")
    frame["stance_label"] = frame["stance"].map(STANCES)
    frame["summary"] = "said " + frame["stance"]
    low, disputed = frame["confidence"] == "low", frame["disputed"]
    frame["flags"] = [
        ", ".join(f for f, on in (("disputed", d), ("low confidence", lo)) if on)
        for d, lo in zip(disputed, low, strict=True)
    ]
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


# The seed article's case: a confirmed neutral reaction, then a newer disputed low-confidence "criticise Russia".
US_CASE = _reactions(
    ("USA", "2025-05-15", "neutral", "medium", False),
    ("USA", "2025-05-16", "criticise_russia", "low", True),
)


def _state(frame: pd.DataFrame, actor: str, include_flagged: bool = False) -> dict:
    states = reactions_by_state(frame, iso3_to_numeric, include_flagged)
    return states.set_index("actor_id").loc[actor].to_dict()


def test_latest_confirmed_reaction_wins_and_a_newer_flagged_one_is_marked():
    us = _state(US_CASE, "USA")
    assert (us["stance"], us["solid"], us["basis"]) == ("neutral", True, "confirmed")
    assert us["newer_flagged"] == "criticise Russia, 16 May 2025 (disputed, low confidence)"
    assert (us["count"], us["n_flagged"], us["map_id"]) == (2, 1, "840")


def test_an_older_flagged_reaction_is_not_marked():
    frame = _reactions(("USA", "2025-05-01", "concern", "low", False), ("USA", "2025-05-20", "welcome", "high", False))
    us = _state(frame, "USA")
    assert (us["stance"], us["solid"], us["newer_flagged"]) == ("welcome", True, "")


@pytest.mark.parametrize(
    "confidence, disputed",
    [("low", False), ("high", True), ("low", True)],
)
def test_a_state_with_only_flagged_reactions_is_drawn_hollow(confidence, disputed):
    frame = _reactions(
        ("CHE", "2025-05-01", "welcome", "high", True), ("CHE", "2025-06-01", "concern", confidence, disputed)
    )
    che = _state(frame, "CHE")
    assert (che["stance"], che["solid"], che["basis"]) == ("concern", False, "disputed or low confidence")
    assert che["newer_flagged"] == ""  # the one shown is already the newest


def test_with_the_switch_on_the_latest_reaction_wins_and_stays_hollow_if_flagged():
    us = _state(US_CASE, "USA", include_flagged=True)
    assert (us["stance"], us["solid"], us["newer_flagged"]) == ("criticise_russia", False, "")
    confirmed = _reactions(
        ("USA", "2025-05-15", "concern", "low", False), ("USA", "2025-05-16", "welcome", "high", False)
    )
    assert _state(confirmed, "USA", include_flagged=True)["solid"]


def test_counts_and_rankings_follow_the_switch():
    frame = pd.concat(
        [US_CASE, _reactions(("EU", "2025-05-17", "criticise_russia", "high", False))], ignore_index=True
    ).sort_values("date", kind="stable")
    off = count_by(counted_reactions(frame, include_flagged=False), "stance")
    on = count_by(counted_reactions(frame, include_flagged=True), "stance")
    assert dict(zip(off["stance"], off["count"], strict=True)) == {"neutral": 1, "criticise_russia": 1}
    assert dict(zip(on["stance"], on["count"], strict=True)) == {"neutral": 1, "criticise_russia": 2}
    ranked_off = actor_ranking(counted_reactions(frame, False)).drop_duplicates("actor_id")
    ranked_on = actor_ranking(counted_reactions(frame, True)).drop_duplicates("actor_id")
    assert dict(zip(ranked_off["actor_id"], ranked_off["total"], strict=True)) == {"EU": 1, "USA": 1}
    assert dict(zip(ranked_on["actor_id"], ranked_on["total"], strict=True)) == {"USA": 2, "EU": 1}


def test_empty_selection_gives_empty_states_with_every_column():
    states = reactions_by_state(US_CASE.iloc[0:0], iso3_to_numeric)
    assert states.empty and {"solid", "basis", "newer_flagged", "n_flagged", "map_id"} <= set(states.columns)


def test_bundled_us_claim_no_longer_fills_the_united_states(bundled):
    """The seed article's disputed, low-confidence US 'criticise Russia' is marked, not drawn as the US stance."""
    us = reactions_by_state(bundled.reactions, iso3_to_numeric).set_index("actor_id").loc["USA"]
    assert us["stance"] != "criticise_russia" and us["solid"]
    assert us["newer_flagged"].startswith("criticise Russia")


# ---- geometry -------------------------------------------------------------------------------------------------
def test_tiny_states_have_points_and_outlines_have_sizes():
    vatican, malta, monaco = (place_of(iso3_to_numeric(c)) for c in ("VAT", "MLT", "MCO"))
    assert vatican and malta and monaco and vatican.area_km2 == 0
    assert 41.8 < vatican.lat < 42.0 and 12.4 < vatican.lon < 12.5
    assert {iso3_to_numeric(c) for c in ("VAT", "MLT", "MCO", "SMR", "LIE")} <= drawable_numeric_ids()
    places = outlined_places()
    switzerland, france, russia = places["756"], places["250"], places["643"]
    assert 30_000 < switzerland.area_km2 < 60_000 and 450_000 < france.area_km2 < 750_000
    assert 45.5 < switzerland.lat < 48 and 5.5 < switzerland.lon < 10.5
    assert 60 < russia.lon < 120  # a ring cut at the antimeridian is unwrapped before its centre is taken


def test_only_organisations_stay_beside_the_map(bundled):
    states = reactions_by_state(bundled.reactions, iso3_to_numeric)
    beside = set(off_map(states, drawable_numeric_ids())["actor_id"])
    assert {"EU", "NATO", "UN"} <= beside and {"VAT", "CHE", "USA"}.isdisjoint(beside)


# ---- the spec -------------------------------------------------------------------------------------------------
def _map(frame: pd.DataFrame, area: str = WORLD, include_flagged: bool = False) -> dict:
    spec = reaction_map_chart(
        reactions_by_state(frame, iso3_to_numeric, include_flagged), world_topology(), STANCES, area
    )
    validate_jsonschema(spec, load_schema())
    return spec


def _layer_rows(spec: dict, test: str) -> list[dict]:
    for layer in spec["layer"]:
        transforms = layer.get("transform", [])
        if transforms and transforms[-1].get("filter") == test:
            return transforms[0]["from"]["data"]["values"]
    raise AssertionError(f"no layer filtered by {test}")


def _point_layer(spec: dict, mark_type: str) -> list[dict]:
    layers = [ly for ly in spec["layer"] if ly.get("mark", {}).get("type") == mark_type and "data" in ly]
    return layers[0]["data"]["values"] if layers else []


def test_spec_fills_only_confirmed_states_and_outlines_flagged_ones():
    frame = pd.concat(
        [US_CASE, _reactions(("CHE", "2025-06-01", "concern", "low", False))], ignore_index=True
    ).sort_values("date", kind="stable")
    spec = _map(frame)
    assert spec["data"]["format"] == {"type": "topojson", "feature": "countries"}  # the outlines once, at the top
    solid_layer = next(
        ly for ly in spec["layer"] if ly.get("transform", [{}])[-1].get("filter") == "datum.solid === true"
    )
    hollow_layer = next(
        ly for ly in spec["layer"] if ly.get("transform", [{}])[-1].get("filter") == "datum.solid === false"
    )
    assert hollow_layer["mark"]["fillOpacity"] == 0 and "strokeDash" in hollow_layer["mark"]
    assert "color" in solid_layer["encoding"] and "color" not in hollow_layer["encoding"]
    rows = {r["actor_name"]: r for r in _layer_rows(spec, "datum.solid === true")}
    assert rows["United States"]["stance_label"] == "neutral" and rows["United States"]["solid"] is True
    assert rows["Switzerland"]["solid"] is False  # the lookup carries it; the filters split solid from hollow
    markers = _point_layer(spec, "point")
    assert [m["actor_name"] for m in markers] == ["United States"]


def test_small_states_are_dots_in_the_view_they_are_too_small_for():
    frame = _reactions(
        ("VAT", "2025-05-16", "welcome", "high", False),
        ("CHE", "2025-05-17", "neutral", "high", False),
        ("USA", "2025-05-18", "neutral", "high", False),
    )
    world = {d["actor_name"] for d in _point_layer(_map(frame, WORLD), "circle")}
    europe = {d["actor_name"] for d in _point_layer(_map(frame, EUROPE), "circle")}
    assert world == {"Holy See", "Switzerland"}  # Switzerland is a few pixels on the world map
    assert europe == {"Holy See"}  # and large enough on Europe's
    states = reactions_by_state(frame, iso3_to_numeric)
    assert states_outside(states, EUROPE) == ["United States"] and states_outside(states, WORLD) == []


def test_europe_view_is_fitted_and_clipped():
    spec = _map(US_CASE, EUROPE)
    assert "fit" in spec["projection"] and all(ly["mark"].get("clip") for ly in spec["layer"])


def test_bundled_map_specs_are_valid_and_render(bundled):
    from parley.charts import stamped
    from parley.export import chart_png, for_export

    states = reactions_by_state(bundled.reactions, iso3_to_numeric)
    for area in (WORLD, EUROPE):
        spec = reaction_map_chart(states, world_topology(), bundled.labels["reaction_stance"], area)
        validate_jsonschema(spec, load_schema())
        rows = _layer_rows(spec, "datum.solid === true")  # one row per reacting state of the view, however drawn
        in_view = (states["map_id"] != "").sum() - len(states_outside(states, area))
        assert len(rows) == in_view and {r["actor_name"] for r in rows} >= {"France", "Türkiye"}
        assert ("United States" in {r["actor_name"] for r in rows}) == (area == WORLD)
        png = chart_png(stamped(for_export(spec), "Map", ["test"]))
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
