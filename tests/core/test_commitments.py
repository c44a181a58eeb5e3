"""Commitments core: the filters on the ledger, each commitment's status at the window's end, the shares per round
and per party, the steps the chart draws, and the chart specs (valid Vega-Lite, broken and doubtful marked)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from pandas.testing import assert_frame_equal

from parley.commitment_charts import STATUS_COLOURS, commitment_steps_chart, share_chart, status_legend_text
from parley.commitments import (
    apply_commitments,
    as_of,
    latest_status,
    level_of,
    share_by_party,
    share_by_round,
    status_steps,
)
from parley.filters import Filters

T = pd.Timestamp
LABELS = {"not_started": "not started", "minimal": "minimal", "intermediate": "intermediate", "full": "full"}
LABELS |= {"violated": "violated", "lapsed": "lapsed"}


def _events() -> pd.DataFrame:
    """Two rounds: A (RUS, UKR) agreed a swap carried out in two steps and a truce that lapsed; B (UKR, USA) agreed
    a channel nothing more is reported about."""
    rows = [
        ("e1", "i1", "2025-01-10", "not_started", "high", "A", "2025-01-10", "prisoners", "RUS;UKR"),
        ("e2", "i1", "2025-02-01", "minimal", "low", "A", "2025-01-10", "prisoners", "RUS;UKR"),
        ("e3", "i1", "2025-03-01", "full", "high", "A", "2025-01-10", "prisoners", "RUS;UKR"),
        ("e4", "i2", "2025-01-10", "not_started", "medium", "A", "2025-01-10", "ceasefire", "RUS;UKR"),
        ("e5", "i2", "2025-02-15", "lapsed", "medium", "A", "2025-01-10", "ceasefire", "RUS;UKR"),
        ("e6", "i3", "2025-04-01", "not_started", "high", "B", "2025-04-01", "process", "UKR;USA"),
    ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "event_id",
            "item_id",
            "date",
            "status",
            "confidence",
            "talk_id",
            "round_date",
            "issue_id",
            "party_ids",
        ],
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["round_date"] = pd.to_datetime(frame["round_date"])
    frame["talk_title"] = frame["talk_id"].map({"A": "Round A", "B": "Round B"})
    frame["status_label"] = frame["status"].map(LABELS)
    frame["level"] = frame["status"].map(level_of).astype("Int64")
    frame["summary"] = frame["item_id"].map({"i1": "Swap", "i2": "Truce", "i3": "A channel " + "x" * 80})
    frame["issue_label"] = frame["issue_id"]
    frame["party_names"] = frame["party_ids"]
    frame["note"] = ""
    return frame


def _ids(frame: pd.DataFrame) -> list[str]:
    return frame["event_id"].tolist()


@pytest.mark.parametrize(
    "f,expected",
    [
        (Filters(), ["e1", "e2", "e3", "e4", "e5", "e6"]),
        (Filters(issues=("prisoners",)), ["e1", "e2", "e3"]),
        (Filters(parties=("USA",)), ["e6"]),
        (Filters(parties=("UKR",)), ["e1", "e2", "e3", "e4", "e5", "e6"]),
        (Filters(start=date(2025, 2, 1)), ["e6"]),  # the window selects by the round's date
        (Filters(end=date(2025, 2, 10)), ["e1", "e2", "e4"]),  # and reads the history up to its end
        (Filters(hide_low=True), ["e1", "e3", "e4", "e5", "e6"]),
        (Filters(start=date(2026, 1, 1)), []),
    ],
)
def test_apply_commitments(f, expected):
    events = _events()
    kept = apply_commitments(events, f)
    assert _ids(kept) == expected
    assert len(kept) <= len(events)  # filtering never adds rows


def test_latest_status_is_the_last_event_in_view():
    latest = latest_status(_events())
    assert latest["item_id"].tolist() == ["i1", "i2", "i3"]
    assert latest["status"].tolist() == ["full", "lapsed", "not_started"]
    assert latest["n_events"].tolist() == [3, 2, 1]
    assert latest["is_full"].tolist() == [True, False, False]
    assert latest["is_broken"].tolist() == [False, True, False]
    as_of_feb = latest_status(apply_commitments(_events(), Filters(end=date(2025, 2, 10))))
    assert as_of_feb["status"].tolist() == ["minimal", "not_started"]


def test_share_by_round():
    expected = pd.DataFrame(
        {
            "talk_id": ["A", "B"],
            "talk_title": ["Round A", "Round B"],
            "round_date": [T("2025-01-10"), T("2025-04-01")],
            "n_commitments": [2, 1],
            "n_full": [1, 0],
            "n_broken": [1, 0],
            "share_full": [0.5, 0.0],
        }
    )
    got = share_by_round(latest_status(_events()))
    assert_frame_equal(got, expected, check_dtype=False)


def test_share_by_party_counts_a_commitment_for_every_party_of_its_round():
    names = {"RUS": "Russia", "UKR": "Ukraine", "USA": "United States"}
    got = share_by_party(latest_status(_events()), names)
    expected = pd.DataFrame(
        {
            "party_id": ["UKR", "RUS", "USA"],
            "party_name": ["Ukraine", "Russia", "United States"],
            "n_commitments": [3, 2, 1],
            "n_full": [1, 1, 0],
            "n_broken": [1, 1, 0],
            "share_full": [1 / 3, 0.5, 0.0],
        }
    )
    assert_frame_equal(got, expected, check_dtype=False)
    only = share_by_party(latest_status(_events()), names, ("USA",))
    assert only["party_id"].tolist() == ["USA"]


def test_empty_views_give_empty_frames_with_their_columns():
    empty = latest_status(_events().iloc[0:0])
    assert empty.empty and "is_full" in empty.columns
    assert share_by_round(empty).empty and "share_full" in share_by_round(empty).columns
    assert share_by_party(empty, {}).empty
    assert status_steps(_events().iloc[0:0], T("2025-06-01")).empty


def test_status_steps_run_to_the_next_event_or_the_end():
    steps = status_steps(_events(), T("2025-06-01"))
    assert steps["item_id"].tolist() == ["i1", "i1", "i1", "i2", "i2", "i3"]
    assert steps["until"].tolist() == [
        T("2025-02-01"),
        T("2025-03-01"),
        T("2025-06-01"),
        T("2025-02-15"),
        T("2025-06-01"),
        T("2025-06-01"),
    ]
    assert steps["is_low"].tolist() == [False, True, False, False, False, False]
    assert steps["is_broken"].tolist() == [False, False, False, False, True, False]
    assert steps["label"].iloc[0] == "i1 · Swap"
    assert steps["label"].iloc[-1].endswith("…") and len(steps["label"].iloc[-1]) < 70


def test_as_of_is_the_earlier_of_the_window_end_and_the_record_end():
    assert as_of(T("2026-03-22"), Filters()) == T("2026-03-22")
    assert as_of(T("2026-03-22"), Filters(end=date(2025, 5, 1))) == T("2025-05-01")
    assert as_of(T("2026-03-22"), Filters(end=date(2027, 1, 1))) == T("2026-03-22")


def test_levels_and_legend_texts():
    assert [level_of(s) for s in LABELS] == [0, 1, 2, 3, None, None]
    assert status_legend_text("intermediate", "intermediate") == "2 intermediate"
    assert status_legend_text("lapsed", "lapsed") == "lapsed"


def test_steps_chart_is_valid_and_marks_broken_and_doubtful_events():
    steps = status_steps(_events(), T("2025-06-01"))
    spec = commitment_steps_chart(steps, LABELS)
    validate_jsonschema(spec, load_schema())
    rows = spec["data"]["values"]
    assert len(rows) == len(steps)  # one row per event: bounded by the ledger, not the data
    shapes = {r["status"]: r["shape"] for r in rows}
    assert shapes == {"not_started": "circle", "minimal": "circle", "full": "circle", "lapsed": "square"}
    filled, hollow = spec["layer"][1], spec["layer"][2]
    assert filled["mark"]["filled"] is True and filled["transform"] == [{"filter": "!datum.is_low"}]
    assert hollow["mark"]["filled"] is False and hollow["mark"]["fill"] == "white"
    assert hollow["transform"] == [{"filter": "datum.is_low"}]
    # one colour scale for bars and points, so one legend names every status
    assert filled["encoding"]["color"] == hollow["encoding"]["color"] == spec["layer"][0]["encoding"]["color"]
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    assert scale["domain"][:4] == ["0 not started", "1 minimal", "2 intermediate", "3 full"]
    assert dict(zip(scale["domain"][4:], scale["range"][4:], strict=True)) == {
        "violated": STATUS_COLOURS["violated"],
        "lapsed": STATUS_COLOURS["lapsed"],
    }
    assert len(set(scale["range"])) == len(scale["range"])  # every status its own colour
    # The rows keep the order given (oldest round first), not an alphabetical one.
    assert spec["layer"][0]["encoding"]["y"]["sort"] == list(dict.fromkeys(steps["label"]))


def test_share_chart_is_valid_and_splits_each_bar():
    shares = share_by_round(latest_status(_events()))
    spec = share_chart(shares, "talk_title", "Commitments of the round")
    validate_jsonschema(spec, load_schema())
    rows = pd.DataFrame(spec["data"]["values"])
    assert len(rows) == 3 * len(shares)
    per_group = rows.groupby("group")["n"].sum().to_dict()
    assert per_group == {"Round A": 2, "Round B": 1}
    full = rows[rows["part"] == "carried out in full"].set_index("group")["n"].to_dict()
    assert full == {"Round A": 1, "Round B": 0}
    assert spec["encoding"]["y"]["sort"] == ["Round A", "Round B"]


def test_bundled_ledger_charts_are_valid(bundled):
    events = apply_commitments(bundled.commitments, Filters())
    spec = commitment_steps_chart(status_steps(events, bundled.date_span[1]), bundled.labels["commitment_status"])
    validate_jsonschema(spec, load_schema())
    assert len({r["label"] for r in spec["data"]["values"]}) == len(bundled.items)
