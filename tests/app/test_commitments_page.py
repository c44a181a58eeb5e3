"""The Commitments page on the mini dataset: key figures, the charts, the tables with record links, every empty
state, and data text shown literally."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

from components.data import DATA_DIR_ENV
from components.registry import PAGES
from parley.commitments import apply_commitments, latest_status
from parley.filters import Filters
from parley.records import LINK_DISPLAY
from tests.app.conftest import assert_clean, open_page, shown
from tests.app.test_hostile_text import _markdown_texts
from tests.hostile import HOSTILE, unescaped_markup
from tests.mini import TABLES, write_mini

COMMITMENTS = next(p for p in PAGES if p.url_path == "commitments")


def _table(at, column: str) -> pd.DataFrame:
    """The page's table whose first column is `column` (the page shows several)."""
    found = [df.value for df in at.dataframe if list(df.value.columns)[:1] == [column]]
    assert len(found) == 1, [list(df.value.columns) for df in at.dataframe]
    return found[0]


def _links(column: pd.Series) -> list[tuple[str, str]]:
    """Each link cell as (address, text shown): show_table links ids and round names to their record pages."""
    found = [re.match(r"(record\?id=[^#]*)", v) for v in column]
    return [(m.group(1), unquote(re.search(LINK_DISPLAY, v).group(1))) for m, v in zip(found, column, strict=True)]


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _infos(at) -> list[str]:
    return [shown(i.value) for i in at.info]


def test_default_view_follows_every_commitment(on_mini, mini):
    at = on_mini(COMMITMENTS)
    assert_clean(at)
    assert at.title[0].value == "Commitments"
    expected = latest_status(apply_commitments(mini.commitments, Filters()))
    assert _metrics(at) == {
        "Commitments in view": str(len(expected)),
        "Carried out in full": str(int(expected["is_full"].sum())),
        "Share in full": f"{expected['is_full'].mean():.0%}",
        "Violated or lapsed": str(int(expected["is_broken"].sum())),
    }
    assert list(_metrics(at).values()) == ["2", "1", "50%", "1"]
    assert [t.label for t in at.tabs] == ["Status over time", "By round", "By party", "Commitments", "Status history"]
    assert [shown(s.value) for s in at.subheader] == ["Each commitment's status over time"]
    assert len(at.get("vega_lite_chart")) == 1  # the steps; the share by round and by party have their sections
    for slug in ("by-round", "by-party"):
        assert len(on_mini(COMMITMENTS, None, slug).get("vega_lite_chart")) == 1
    table = _table(on_mini(COMMITMENTS, None, "list"), "Item")
    # Newest status first; a status off the scale has no level: an empty cell, never "None".
    assert _links(table["Item"]) == [("record?id=itm-0002", "itm-0002"), ("record?id=itm-0001", "itm-0001")]
    assert table["Status"].tolist() == ["violated", "full"]
    assert table["Level (0–3)"].tolist() == ["", "3"]
    rounds = _table(on_mini(COMMITMENTS, None, "by-round"), "Round")
    assert _links(rounds["Round"]) == [  # newest round first
        ("record?id=2025-06-02-istanbul", "Istanbul round 2"),
        ("record?id=2025-05-16-istanbul", "Istanbul round 1"),
    ]
    assert rounds["In full"].tolist() == [0, 1]
    parties = _table(on_mini(COMMITMENTS, None, "by-party"), "Party")
    assert parties["Party"].tolist() == ["Russia", "Ukraine"]  # the mediator Türkiye is not a party
    history = _table(on_mini(COMMITMENTS, None, "history"), "Event")
    assert [text for _, text in _links(history["Event"])] == [  # newest first, like every table
        "cev-0005",
        "cev-0004",
        "cev-0003",
        "cev-0002",
        "cev-0001",
    ]


def test_the_window_end_reads_the_status_on_that_day(on_mini):
    at = on_mini(COMMITMENTS, {"to": ["2025-05-24"]}, "list")
    assert_clean(at)
    table = _table(at, "Item")
    assert [text for _, text in _links(table["Item"])] == ["itm-0001"]  # itm-0002 was agreed after the window
    assert table["Status"].tolist() == ["minimal"]  # the full exchange came on 25 May, after the window
    assert _metrics(at)["Carried out in full"] == "0"


def test_hiding_low_confidence_drops_the_doubtful_step(on_mini):
    at = on_mini(COMMITMENTS, {"hide_low": ["1"]}, "history")
    assert_clean(at)
    assert "cev-0002" not in [text for _, text in _links(_table(at, "Event")["Event"])]
    at = on_mini(COMMITMENTS, {"hide_low": ["1"]}, "list")
    assert_clean(at)
    assert _table(at, "Item")["Events"].tolist() == [2, 2]


@pytest.mark.parametrize(
    "query",
    [{"from": ["2026-01-01"]}, {"issue": ["territory"]}, {"party": ["FRA"]}],
    ids=["no-match-window", "issue-without-commitments", "party-at-no-round"],
)
def test_filters_that_match_nothing_say_so(on_mini, query):
    for slug, _ in COMMITMENTS.sections:  # the empty state comes before the sections, whichever is open
        at = on_mini(COMMITMENTS, query, slug)
        assert_clean(at)
        assert any("No commitments match the current filters" in i for i in _infos(at)), _infos(at)
        assert not at.dataframe and not at.get("vega_lite_chart") and not at.tabs


def test_emptied_filters_show_everything(on_mini):
    at = on_mini(COMMITMENTS, None, "list")
    at.multiselect(key="filters.issue").set_value([])
    at.run()
    assert_clean(at)
    assert len(_table(at, "Item")) == 2


def test_a_dataset_without_a_ledger_says_why(monkeypatch, tmp_path: Path):
    directory = write_mini(tmp_path / "no-ledger", {"commitment_events": []})
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    at = open_page(COMMITMENTS)
    assert_clean(at)
    assert any("No commitments are coded" in i for i in _infos(at)), _infos(at)
    assert not at.dataframe


def test_markup_in_commitment_texts_is_shown_as_text(monkeypatch, tmp_path: Path):
    events = [{**row, "note": HOSTILE + row["note"]} for row in TABLES["commitment_events"]]
    items = [{**row, "summary": HOSTILE + row["summary"]} for row in TABLES["agreed_items"]]
    directory = write_mini(tmp_path / "hostile-ledger", {"commitment_events": events, "agreed_items": items})
    monkeypatch.setenv(DATA_DIR_ENV, str(directory))
    shown_in = {}
    for slug, _ in COMMITMENTS.sections:
        shown_in[slug] = at = open_page(COMMITMENTS, None, slug)
        assert_clean(at)
        texts = _markdown_texts(at)
        assert [(t, unescaped_markup(t)) for t in texts if unescaped_markup(t)] == []
    # an empty note loses the trailing space
    assert _table(shown_in["history"], "Event")["Note"].str.startswith(HOSTILE.strip()).all()
    assert _table(shown_in["list"], "Item")["Commitment"].str.startswith(HOSTILE).all()
