"""The Overview's "What changed" list and the record's span, as the page shows them on the bundled data."""

from __future__ import annotations

import pandas as pd
import pytest

from components.registry import PAGES
from parley import coverage, digest
from parley.commitments import apply_commitments
from parley.digest import changes_since, record_link, since_choices
from parley.filters import Filters, format_date
from parley.recent import forget_selections
from parley.views import apply_view
from tests.app.conftest import assert_clean, shown

OVERVIEW = next(p for p in PAGES if p.url_path == "overview")


def _changes(at):
    return next(t.value for t in at.dataframe if "Record" in t.value.columns and "Before" in t.value.columns)


def test_what_changed_since_the_latest_round_by_default_and_after_a_preset(on_bundled, bundled):
    at = on_bundled(OVERVIEW, None, "changes")
    assert_clean(at)
    choices = since_choices(bundled.talks, coverage.last_day(bundled))
    radio = at.radio(key="overview.since")
    assert radio.value == next(iter(choices))
    view = apply_view(bundled, Filters())
    for label in (next(iter(choices)), list(choices)[-1]):
        at.radio(key="overview.since").set_value(label).run()
        assert_clean(at)
        commitments = apply_commitments(bundled.commitments, Filters())
        expected = changes_since(view.talks, view.positions, view.reactions, bundled.plans, choices[label], commitments)
        got = _changes(at)
        assert got["Record"].tolist() == expected["record"].tolist()
        assert len(got) > 0 and all(link.startswith("record?id=") for link in got["Record"])


def test_every_page_header_says_where_the_record_ends(on_bundled, bundled):
    for page in PAGES:
        at = on_bundled(page)
        assert f"records through {format_date(coverage.last_day(bundled))}" in shown(at.caption[0].value), page.title


def test_days_since_counts_to_the_end_of_the_record(on_bundled, bundled):
    at = on_bundled(OVERVIEW)
    days = next(m for m in at.metric if m.label == "Days since")
    held = bundled.talks[bundled.talks["status"].astype(str) == "held"]
    latest_end = held.sort_values(["end_date", "start_date"])["end_date"].iloc[-1]
    assert days.value == f"{(coverage.last_day(bundled) - latest_end).days:,}"
    assert "not to today" in days.help


def _status_changes_plainly(events, since):
    """The status changes by a plain pandas walk over the events sorted by item and date."""
    ordered = events.sort_values(["item_id", "date"], kind="stable")
    item, status = ordered["item_id"].astype(str), ordered["status"].astype(str)
    previous = ordered["status_label"].astype(str).shift().where(item.eq(item.shift()), "")
    changed = ~(item.eq(item.shift()) & status.eq(status.shift()))
    recent = ordered[changed.to_numpy() & (ordered["date"] > since).to_numpy()]
    before = previous[recent.index]
    return recent.assign(before=before.where(before != "", "—"))


def test_commitment_status_changes_equal_a_plain_walk(bundled):
    day = coverage.last_day(bundled)
    for f in (Filters(), Filters(hide_low=True), Filters(parties=("UKR",))):
        events = apply_commitments(bundled.commitments, f).sample(frac=1, random_state=3)  # any loaded order
        for since in (day - pd.Timedelta(days=d) for d in (30, 365, 5000)):
            got = changes_since(
                bundled.talks.iloc[:0],
                bundled.positions.iloc[:0],
                bundled.reactions.iloc[:0],
                bundled.plans.iloc[:0],
                since,
                events,
            )
            expected = _status_changes_plainly(events, since)
            expected = expected.sort_values("date", ascending=False, kind="stable")
            assert got["record"].tolist() == [record_link(i) for i in expected["item_id"]]
            assert got["before"].tolist() == expected["before"].tolist()
            assert got["after"].tolist() == expected["status_label"].astype(str).tolist()
            assert (got["kind"] == "commitment").all()
    assert len(
        _status_changes_plainly(apply_commitments(bundled.commitments, Filters()), day - pd.Timedelta(days=5000))
    )


@pytest.mark.parametrize("look_back", [1, 2, 5])
def test_reading_back_from_the_window_gives_what_reading_every_row_gives(bundled, monkeypatch, look_back):
    view = apply_view(bundled, Filters())
    day = coverage.last_day(bundled)
    args = (bundled.talks.iloc[:0], view.positions, bundled.reactions.iloc[:0], bundled.plans.iloc[:0])
    for since in [day - pd.Timedelta(days=d) for d in (3, 30, 200, 400, 5000)]:
        # Each answer worked out afresh: changes_since is remembered per selection (parley.recent).
        monkeypatch.setattr(digest, "MAX_STEPS_BACK", 0)  # never looked up from the table: read back
        monkeypatch.setattr(digest, "MIN_LOOK_BACK", len(bundled.positions))  # the first read is every row
        forget_selections()
        every_row = changes_since(*args, since)
        monkeypatch.setattr(digest, "MIN_LOOK_BACK", look_back)
        forget_selections()
        got = changes_since(*args, since)
        pd.testing.assert_frame_equal(got, every_row)
        monkeypatch.setattr(digest, "MAX_STEPS_BACK", 64)  # as the app runs: each row's previous one looked up
        forget_selections()
        pd.testing.assert_frame_equal(changes_since(*args, since), every_row)
        assert set(got["kind"]) <= {"new position", "position moved"}
    assert {"new position", "position moved"} <= set(every_row["kind"])
