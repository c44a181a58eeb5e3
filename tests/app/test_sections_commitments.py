"""The Commitments page's sections on the mini dataset: the key figures above every section, and each section draws
its own charts and tables and no other section's, and what a section remembers between reruns equals what it would
build afresh."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from components.registry import PAGES
from parley.commitment_charts import (
    by_party_in_view,
    by_round_in_view,
    commitment_steps_chart,
    share_chart,
    steps_chart_in_view,
)
from parley.commitments import (
    apply_commitments,
    as_of,
    history_in_view,
    latest_in_view,
    latest_status,
    share_by_party,
    share_by_round,
    status_steps,
    steps_in_view,
)
from parley.filters import Filters
from tests.app.conftest import assert_clean

COMMITMENTS = next(p for p in PAGES if p.url_path == "commitments")
# Each section's own downloads (a chart has PNG and SVG, a table CSV): the keys say whose content is on screen.
DOWNLOADS = {
    "status": {"commitments.steps.png", "commitments.steps.svg"},
    "by-round": {"commitments.by_round.png", "commitments.by_round.svg", "commitments.by_round_table.csv"},
    "by-party": {"commitments.by_party.png", "commitments.by_party.svg", "commitments.by_party_table.csv"},
    "list": {"commitments.table.csv"},
    "history": {"commitments.events.csv"},
}


def test_every_declared_section_is_covered():
    assert list(DOWNLOADS) == [slug for slug, _ in COMMITMENTS.sections]


@pytest.mark.parametrize("slug", list(DOWNLOADS))
def test_a_section_draws_its_own_content_only(on_mini, slug):
    at = on_mini(COMMITMENTS, None, slug)
    assert_clean(at)
    assert [t.label for t in at.tabs] == [label for _, label in COMMITMENTS.sections]  # no inner tabs left
    # the status scale and the four figures are above the sections, whichever is open
    assert any(c.value.startswith("Status as of ") for c in at.caption)
    assert [m.label for m in at.metric] == [
        "Commitments in view",
        "Carried out in full",
        "Share in full",
        "Violated or lapsed",
    ]
    assert {b.key for b in at.get("download_button") if b.key.startswith("commitments.")} == DOWNLOADS[slug]
    charts = sum(k.endswith(".png") for k in DOWNLOADS[slug])
    assert len(at.get("vega_lite_chart")) == charts
    assert len(at.dataframe) == sum(k.endswith(".csv") for k in DOWNLOADS[slug])


# ---- what the sections reuse between reruns: the same answers as built afresh, reused only for the same events ----
VIEWS = [
    Filters(),
    Filters(end=date(2025, 5, 24)),
    Filters(hide_low=True),
    Filters(parties=("UKR",)),
    Filters(parties=("RUS", "UKR")),
    Filters(issues=("prisoners",)),
]


def test_remembered_answers_equal_fresh_ones_for_every_view(bundled):
    ledger, labels, names = bundled.commitments, bundled.labels.get("commitment_status", {}), bundled.labels["actor"]
    for _ in range(2):  # the second round is answered from memory: it must still match each view
        for f in VIEWS:
            events = apply_commitments(ledger, f)
            if events.empty:
                continue
            latest = latest_status(events)
            assert_frame_equal(latest_in_view(ledger, events), latest)
            until = as_of(bundled.date_span[1], f)
            assert_frame_equal(steps_in_view(ledger, events, until), status_steps(events, until))
            assert_frame_equal(
                history_in_view(ledger, events), events.sort_values(["round_date", "item_id", "date"], kind="stable")
            )
            assert steps_chart_in_view(ledger, events, until, labels) == commitment_steps_chart(
                status_steps(events, until), labels
            )
            rounds, chart = by_round_in_view(ledger, events)
            assert_frame_equal(rounds, share_by_round(latest))
            assert chart == share_chart(rounds, "talk_title", "Commitments of the round")
            parties, chart = by_party_in_view(ledger, events, names, f.parties)
            assert_frame_equal(parties, share_by_party(latest, names, f.parties))
            assert chart == share_chart(parties, "party_name", "Commitments of rounds the party sat at")


def test_the_steps_are_read_again_when_only_the_day_they_end_changes(bundled):
    # The same events up to two different days: the last bar of each commitment ends on the day asked for.
    ledger, labels = bundled.commitments, bundled.labels.get("commitment_status", {})
    events = apply_commitments(ledger, Filters())
    end = bundled.date_span[1]
    early = steps_chart_in_view(ledger, events, end, labels)
    later = steps_chart_in_view(ledger, events, end + pd.Timedelta(days=10), labels)
    assert early != later
    assert later == commitment_steps_chart(status_steps(events, end + pd.Timedelta(days=10)), labels)


@pytest.mark.parametrize("shift_days", [0, 1, 45, -30, -400])
def test_the_status_chart_closed_at_any_day_equals_one_built_afresh(bundled, shift_days):
    """The chart of open steps is kept per selection; only the day its last bars end on changes (before some
    events, the bars end at their event, as status_steps closes them)."""
    ledger, labels = bundled.commitments, bundled.labels.get("commitment_status", {})
    for f in VIEWS:
        events = apply_commitments(ledger, f)
        if events.empty:
            continue
        until = as_of(bundled.date_span[1], f) + pd.Timedelta(days=shift_days)
        expected = commitment_steps_chart(status_steps(events, until), labels)
        assert steps_chart_in_view(ledger, events, until, labels) == expected
        assert steps_chart_in_view(ledger, events, until, labels) == expected  # remembered
