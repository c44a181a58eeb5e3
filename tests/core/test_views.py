"""A View filters each table when it is first read, and gives the same tables as filtering them directly."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from parley import views
from parley.filters import Filters, apply_items, apply_talks, positions_mask, reactions_mask
from parley.recent import forget_selections


@pytest.fixture(autouse=True)
def _no_shared_views():
    # Views are shared per dataset and filters (parley.recent): each test starts from none.
    forget_selections()
    yield
    forget_selections()


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

    monkeypatch.setattr(views, "talks_mask", refuse)
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


def test_the_round_window_on_arrays_keeps_what_pandas_keeps_missing_dates_included():
    from parley.filters import talks_mask

    talks = pd.DataFrame(
        {
            "start_date": pd.to_datetime(["2025-01-01", "2025-02-01", None, "2025-03-01"]),
            "end_date": pd.to_datetime(["2025-01-03", None, "2025-02-10", "2025-03-01"]),
            "confidence": ["high", "low", "high", "medium"],
            "format": ["a", "a", "b", "b"],
        }
    )
    for f in (
        Filters(start=date(2025, 1, 2)),
        Filters(end=date(2025, 2, 15)),
        Filters(start=date(2025, 1, 2), end=date(2025, 3, 1), hide_low=True),
    ):
        expected = pd.Series(True, index=talks.index)
        if f.start:
            expected &= talks["end_date"] >= pd.Timestamp(f.start)
        if f.end:
            expected &= talks["start_date"] <= pd.Timestamp(f.end)
        if f.hide_low:
            expected &= talks["confidence"] != "low"
        assert talks_mask(talks, f).tolist() == expected.tolist(), f


@pytest.mark.parametrize(
    "f",
    [
        *FILTERS,
        Filters(parties=("USA",), hide_low=True),
        Filters(issues=("territory", "security_guarantees")),
        Filters(start=date(2025, 6, 1), end=date(2025, 12, 31)),
    ],
)
def test_plans_in_view_equal_apply_plans(bundled, f):
    from parley.plans import apply_plans, plans_in_view

    shared = plans_in_view(bundled, f)
    direct = apply_plans(bundled.plans, bundled.provisions, f)
    pd.testing.assert_frame_equal(shared.plans, direct.plans)
    pd.testing.assert_frame_equal(shared.provisions, direct.provisions)


def test_one_view_per_dataset_and_filters_is_shared_among_the_last_few(bundled, monkeypatch):
    calls = []
    real = views.positions_mask
    monkeypatch.setattr(views, "positions_mask", lambda *a: calls.append(1) or real(*a))
    f = Filters(parties=("RUS",))
    first = views.apply_view(bundled, f)
    assert views.apply_view(bundled, Filters(parties=("RUS",))) is first  # equal filters: the same view
    assert len(first.positions) and len(views.apply_view(bundled, f).positions) and len(calls) == 1
    assert views.apply_view(bundled, Filters(parties=("UKR",))) is not first
    for day in range(1, views.VIEWS_SHARED + 1):  # more filters than are kept: the first view drops out
        views.apply_view(bundled, Filters(end=date(2026, 1, day)))
    again = views.apply_view(bundled, f)
    assert again is not first
    assert again.positions.values("position_id").tolist() == first.positions.values("position_id").tolist()
