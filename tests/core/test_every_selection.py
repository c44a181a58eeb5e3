"""Charts that draw whatever the reader selects: every party and every pair of parties of the bundled data, including
those with nothing on the map or no issue in common, gives a chart (possibly empty), never an exception."""

from __future__ import annotations

import itertools

import pytest

from parley import gaps
from parley.aggregate import reactions_by_state
from parley.filters import Filters
from parley.gap_charts import gap_over_time_chart
from parley.geo import iso3_to_numeric, world_topology
from parley.map_charts import AREAS, reaction_map_chart
from parley.views import apply_view


def test_the_gap_over_time_of_every_pair_of_parties(bundled):
    placed = gaps.placed(bundled.positions, bundled.issue_options)
    parties = sorted(set(bundled.positions["actor_id"].astype(str)))
    sizes = gaps.scale_sizes(bundled.issue_options).to_dict()
    empty = 0
    for pair in itertools.combinations(parties, 2):
        over_time = gaps.gap_over_time(placed, pair, bundled.labels["issue"])
        assert list(over_time.columns) == ["date", "issue_id", "issue_label", "gap", "caution"], pair
        assert (over_time["gap"] >= 0).all(), pair
        empty += over_time.empty
        gap_over_time_chart(over_time, sizes)
    assert empty > 0, "some pairs never share an issue: the case that must not fail is exercised"


@pytest.mark.parametrize("area", AREAS)
def test_the_reaction_map_for_every_single_party_filter(bundled, area):
    reacting = sorted(set(bundled.reactions["actor_id"].astype(str)))
    drawn_nothing = 0
    for actor in reacting:
        reactions = apply_view(bundled, Filters(parties=(actor,))).reactions
        for include_flagged in (False, True):
            states = reactions_by_state(reactions, iso3_to_numeric, include_flagged)
            spec = reaction_map_chart(states, world_topology(), bundled.labels["reaction_stance"], area)
            assert spec["layer"], actor
            filled = spec["layer"][1]["transform"][0]["from"]["data"]["values"]
            drawn_nothing += not filled
    assert drawn_nothing > 0, "organisations and blocs put no state on the map: that case is exercised"
