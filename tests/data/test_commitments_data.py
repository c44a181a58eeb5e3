"""The commitments ledger of the bundled record: every agreed item followed from its agreement, in order, sourced."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from parley import schema as s
from parley.validation import split_ids

# What agreed_items.csv `status` must say for each latest commitment status (documented in data/README.md).
ITEM_STATUS_FOR = {
    "not_started": {"agreed"},
    "minimal": {"implementing"},
    "intermediate": {"implementing"},
    "full": {"implemented"},
    "violated": {"stalled"},
    "lapsed": {"stalled"},
}


@pytest.fixture(scope="module")
def events(bundled) -> pd.DataFrame:
    return bundled.commitments


def test_every_agreed_item_has_a_history(bundled, events):
    items = set(bundled.items["item_id"].astype(str))
    assert items, "no agreed items"
    assert items == set(events["item_id"].astype(str))


def test_the_first_event_is_the_agreement_at_the_round(events):
    first = events.drop_duplicates("item_id", keep="first")
    assert (first["status"].astype(str) == "not_started").all(), first.loc[first["status"] != "not_started", "item_id"]
    assert (first["date"] == first["round_date"]).all()


def test_no_event_precedes_its_round_or_lies_in_the_future(events):
    early = events[events["date"] < events["round_date"]]
    assert early.empty, early[["event_id", "item_id", "date"]]
    assert (events["date"] <= pd.Timestamp(date.today())).all()


def test_event_ids_follow_the_dates_of_each_item(events):
    for item_id, group in events.groupby("item_id", sort=False):
        ids = group.sort_values("event_id")
        assert ids["date"].is_monotonic_increasing, item_id
        assert group["date"].is_unique, item_id  # two steps on one day would leave the order to the id


def test_statuses_are_the_codebook_scale(bundled, events):
    scheme = bundled.codebook[bundled.codebook["scheme"] == "commitment_status"]
    assert set(scheme["code"]) == set(s.COMMITMENT_LEVELS) | set(s.COMMITMENT_BROKEN)
    assert set(events["status"].astype(str)) <= set(scheme["code"])
    # The level is given in each definition, so the Codebook page shows the scale.
    for code, level in s.COMMITMENT_LEVELS.items():
        definition = scheme.loc[scheme["code"] == code, "definition"].iloc[0]
        assert definition.startswith(f"Level {level}."), code


def test_every_event_cites_sources_that_exist(bundled, events):
    known = set(bundled.sources["source_id"].astype(str))
    for row in events.itertuples():
        ids = split_ids(row.source_ids)
        assert ids, row.event_id
        assert set(ids) <= known, row.event_id


def test_the_item_status_agrees_with_the_latest_event(bundled, events):
    latest = events[events["is_latest"]].set_index("item_id")["status"].astype(str)
    items = bundled.items.assign(item_id=bundled.items["item_id"].astype(str)).set_index("item_id")
    for item_id, status in latest.items():
        assert str(items.loc[item_id, "status"]) in ITEM_STATUS_FOR[status], (item_id, status)


def test_an_agreement_without_news_says_so(events):
    counts = events["item_id"].value_counts()
    alone = events[events["item_id"].map(counts) == 1]
    assert not alone.empty
    assert alone["note"].str.contains("Agreement only").all()
    followed = events[(events["item_id"].map(counts) > 1) & (events["status"].astype(str) == "not_started")]
    assert not followed["note"].str.contains("Agreement only").any()


def test_low_confidence_where_the_sides_dispute_a_breach(events):
    # A breach both sides blame on the other is never coded with high confidence.
    broken = events[events["status"].astype(str) == "violated"]
    assert not broken.empty
    assert (broken["confidence"].astype(str) != "high").all()


def test_the_late_january_energy_pause_is_no_longer_open(bundled, events):
    item = bundled.items.loc[bundled.items["item_id"].astype(str) == "itm-0045"].iloc[0]
    assert str(item["status"]) != "implementing"
    history = events[events["item_id"] == "itm-0045"]
    assert history["status"].astype(str).iloc[-1] in s.COMMITMENT_BROKEN
