"""The Timeline's round detail: the records linked to a round, kept for the last few rounds asked for."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from parley.filters import Filters, apply_items, apply_positions, apply_reactions, sources_cited_by
from parley.round_detail import KEPT, _kept, round_detail


@pytest.mark.parametrize("hide_low", [False, True])
def test_the_detail_is_every_record_linked_to_the_round(bundled, hide_low):
    for talk_id in bundled.talks["talk_id"]:
        detail = round_detail(bundled, talk_id, hide_low)
        f = Filters(hide_low=hide_low)
        linked = {
            name: getattr(bundled, name)[getattr(bundled, name)["talk_id"] == talk_id]
            for name in ("participants", "items", "positions", "reactions")
        }
        items = apply_items(linked["items"], None, f)
        positions = apply_positions(linked["positions"], f)
        reactions = apply_reactions(linked["reactions"], f)
        rounds = bundled.talks[bundled.talks["talk_id"] == talk_id]
        assert detail.talk["talk_id"] == talk_id
        assert_frame_equal(detail.participants, linked["participants"])
        assert_frame_equal(detail.items, items)
        assert_frame_equal(detail.positions, positions)
        assert_frame_equal(detail.reactions, reactions)
        assert_frame_equal(detail.sources, sources_cited_by(bundled.sources, rounds, items, positions, reactions))


def test_hiding_low_confidence_records_leaves_them_out(mini):
    shown = round_detail(mini, "2025-05-16-istanbul", False).positions
    hidden = round_detail(mini, "2025-05-16-istanbul", True).positions
    assert (shown["confidence"] == "low").any() and not (hidden["confidence"] == "low").any()
    assert len(hidden) < len(shown)


def test_only_the_last_few_details_are_kept_and_a_kept_one_is_reused(bundled):
    talk_ids = bundled.talks["talk_id"].tolist()
    assert len(talk_ids) > KEPT
    first = round_detail(bundled, talk_ids[0], False)
    assert round_detail(bundled, talk_ids[0], False) is first
    for talk_id in talk_ids[1 : KEPT + 3]:
        round_detail(bundled, talk_id, False)
    assert len(_kept(bundled)) == KEPT
    assert (talk_ids[0], False) not in _kept(bundled)
    again = round_detail(bundled, talk_ids[0], False)
    assert again is not first
    assert_frame_equal(again.positions, first.positions)
    assert isinstance(again.talk, pd.Series)
