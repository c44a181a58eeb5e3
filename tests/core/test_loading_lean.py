"""The loading steps that work on distinct values or block by block give what the row-by-row forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from parley import schema as s
from parley.building import _cited, _typed
from parley.validation import _duplicate_ids, split_ids, validate_links
from tests.core.test_loading_read import assert_fast_reader_matches_pandas


def test_fast_reader_joins_many_blocks_as_pandas_reads_them(tmp_path):
    # Well over one block of the streamed reader, with cells to strip in some blocks only and an empty column.
    rng = np.random.default_rng(7)
    rows = [
        f"id{i},{' x ' if i % 9973 == 0 else 'label' + str(i % 13)},{'' if i % 3 else 'é and more words ' * (i % 5)}"
        for i in range(360_000)
    ]
    rng.shuffle(rows)
    raw = ("issue_id,label,definition\n" + "\n".join(rows) + "\n").encode()
    assert len(raw) > 2 * (1 << 22)
    assert_fast_reader_matches_pandas(tmp_path, raw)


CELLS = [
    ["src-a;src-b", "", "src-c", " src-b ; src-a ", None, "src-a;;src-a", "src-z;src-a", "src-b", "src-z"],
    ["src-a", "src-b"],
    [],
    ["", ""],
    ["src-a;src-b;src-c", "x;y", "y", "src-a;src-b;src-c"],
]


@pytest.mark.parametrize("cells", CELLS)
def test_cited_is_split_ids_row_by_row(cells):
    sources = ["src-a", "src-b", "src-c"]
    rows, codes = _cited(pd.DataFrame({"source_ids": pd.Series(cells, dtype="str")}), pa.array(sources))
    expected = [(r, i) for r, cell in enumerate(cells) if isinstance(cell, str) for i in split_ids(cell)]
    assert rows.tolist() == [r for r, _ in expected]
    names = [i for _, i in expected]
    if set(names) <= set(sources):  # each id by its row in sources
        assert [sources[c] for c in codes] == names
    else:  # some id names no source: every id gets a number of its own above them, the same for equal ids
        assert all(c >= len(sources) for c in codes)
        assert len(set(zip(codes, names, strict=True))) == len(set(names)) == len(set(codes))


def test_duplicate_ids_are_those_pandas_finds():
    rng = np.random.default_rng(3)
    column = s.POSITIONS.column("position_id")
    for _ in range(200):
        values = [None if rng.random() < 0.1 else f"pos-{rng.integers(0, 12)}" for _ in range(rng.integers(0, 25))]
        series = pd.Series(values, dtype="str")
        expected = np.flatnonzero(series.duplicated(keep=False).to_numpy())
        found = _duplicate_ids("positions.csv", series.index, column, series)
        assert [p.row - 2 for p in found] == expected.tolist()
        assert [p.value for p in found] == series.iloc[expected].replace({np.nan: None}).tolist()


def test_a_repeated_broken_link_is_reported_on_every_row():
    actors = pd.DataFrame({"actor_id": ["UKR", "RUS"]}, dtype="str")
    positions = pd.DataFrame(
        {
            "position_id": [f"pos-{i}" for i in range(6)],
            "actor_id": ["UKR", "ATLANTIS", "RUS", "ATLANTIS", "", "ATLANTIS"],
        },
        dtype="str",
    )
    problems = validate_links({"actors": actors, "positions": positions}, (s.ACTORS, s.POSITIONS))
    assert [(p.row, p.column, p.value) for p in problems] == [(3, "actor_id", "ATLANTIS")] + [
        (r, "actor_id", "ATLANTIS") for r in (5, 7)
    ]
    assert all(p.rule == "unknown id: not in actors.csv" for p in problems)


def test_dates_and_codes_typed_per_distinct_value_as_row_by_row():
    frame = pd.DataFrame(
        {
            "date": ["2025-01-02", "", "2025-01-02", "2024-12-31"],
            "stance": ["demand", "offer", "", "demand"],
        },
        dtype="str",
    )
    table = s.Table("t", (s.Column("date", s.DATE), s.Column("stance", s.CODE, scheme="stance")), None)
    typed = _typed(table, frame, {"stance": ["offer", "demand", "reject"]})
    expected_dates = pd.to_datetime(frame["date"].replace("", None), format="%Y-%m-%d")
    pd.testing.assert_series_equal(typed["date"], expected_dates)
    # A value outside the codebook (here the empty one) is left empty, as pd.Categorical leaves it.
    expected_codes = pd.Series(
        pd.Categorical(["demand", "offer", None, "demand"], categories=["offer", "demand", "reject"])
    )
    pd.testing.assert_series_equal(typed["stance"], expected_codes, check_names=False)


def test_duplicate_ids_found_across_the_slices_compared():
    ids = [f"id{i:07d}" for i in range(140_000)]
    ids[65_536] = ids[65_535]  # neighbours once sorted, one on each side of a slice's end
    ids[131_072] = ids[131_071]
    ids[7] = ids[139_999]
    series = pd.Series(ids[::-1], dtype="str")
    found = _duplicate_ids("positions.csv", series.index, s.POSITIONS.column("position_id"), series)
    assert [p.row - 2 for p in found] == np.flatnonzero(series.duplicated(keep=False).to_numpy()).tolist()
    assert len(found) == 6


def test_each_source_names_its_first_citing_records_and_counts_them_all(bundled):
    """Reference: every record's cited ids in plain Python, tables in the order the build reads them."""
    from parley.building import RECORDS_LISTED

    citing: dict[str, list[str]] = {}
    for table, key in (
        ("talks", "talk_id"),
        ("items", "item_id"),
        ("positions", "position_id"),
        ("reactions", "reaction_id"),
        ("plans", "plan_id"),
        ("provisions", "provision_id"),
    ):
        frame = getattr(bundled, table)
        for record, cell in zip(frame[key], frame["source_ids"], strict=True):
            for source in dict.fromkeys(x.strip() for x in str(cell).split(s.LIST_SEP) if x.strip()):
                citing.setdefault(source, []).append(str(record))
    busy = 0
    for source, listed, count in zip(
        bundled.sources["source_id"], bundled.sources["records"], bundled.sources["n_records"], strict=True
    ):
        records = citing.get(source, [])
        assert count == len(records), source
        expected = "; ".join(records[:RECORDS_LISTED]) + (" …" if len(records) > RECORDS_LISTED else "")
        assert listed == expected, source
        busy += len(records) > RECORDS_LISTED
    assert busy > 0, "the bundled data has a source behind more records than are named"
