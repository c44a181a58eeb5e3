"""A View filters each table when it is first read, and gives the same tables as filtering them directly."""

from __future__ import annotations

import pandas as pd
import pytest

from parley import views
from parley.filters import Filters, apply_items, apply_talks, positions_mask, reactions_mask

FILTERS = [
    Filters(),
    Filters(parties=("RUS", "UKR"), issues=("territory",)),
    Filters(formats=("direct_bilateral",), hide_low=True),
]


@pytest.mark.parametrize("f", FILTERS)
def test_each_table_equals_its_direct_filter(bundled, f):
    view = views.apply_view(bundled, f)
    talks = apply_talks(bundled.talks, f, bundled.participants, bundled.issue_links)
    pd.testing.assert_frame_equal(view.talks, talks)
    assert (
        view.items["item_id"].tolist()
        == apply_items(bundled.items, None, f)
        .pipe(lambda items: items[items["talk_id"].isin(talks["talk_id"])])["item_id"]
        .tolist()
    )
    assert view.positions.frame()["position_id"].tolist() == (
        bundled.positions[positions_mask(bundled.positions, f)]["position_id"].tolist()
    )
    assert view.reactions.frame()["reaction_id"].tolist() == (
        bundled.reactions[reactions_mask(bundled.reactions, f)]["reaction_id"].tolist()
    )


def test_a_table_not_read_is_not_filtered(bundled, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("rounds filtered for a view that reads only positions")

    monkeypatch.setattr(views, "apply_talks", refuse)
    monkeypatch.setattr(views, "reactions_mask", refuse)
    view = views.apply_view(bundled, Filters(parties=("RUS",)))
    assert len(view.positions) > 0
    with pytest.raises(AssertionError, match="rounds filtered"):
        _ = view.talks


def test_a_table_is_filtered_once_per_view(bundled, monkeypatch):
    calls = []
    real = views.positions_mask
    monkeypatch.setattr(views, "positions_mask", lambda *a: calls.append(1) or real(*a))
    view = views.apply_view(bundled, Filters())
    assert view.positions is view.positions
    assert len(calls) == 1
