"""Rows reads the selected rows' values without building whole columns; the answers equal the plain pandas ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley.aggregate import flagged
from parley.selection import Rows


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "confidence": pd.Categorical(["high", "low", None, "medium", "low"]),
            "plain": ["high", "low", "x", "medium", "low"],
            "disputed": [False, False, True, False, False],
        }
    )


def test_values_of_a_categorical_column_equal_the_columns_own():
    table = _table()
    rows = Rows(table, np.array([4, 2, 0]))
    got = rows.values("confidence")
    want = table["confidence"].to_numpy()[[4, 2, 0]]
    assert got[0] == want[0] == "low" and got[2] == want[2] == "high"
    assert pd.isna(got[1]) and pd.isna(want[1])


def test_is_value_by_codes_and_by_text():
    table = _table()
    rows = Rows(table, np.array([0, 1, 2, 4]))
    assert rows.is_value("confidence", "low").tolist() == [False, True, False, True]
    assert rows.is_value("plain", "low").tolist() == [False, True, False, True]
    assert rows.is_value("confidence", "unheard-of").tolist() == [False] * 4


def test_flagged_is_low_confidence_or_disputed():
    rows = Rows.all(_table())
    assert flagged(rows).tolist() == [False, True, True, False, True]


def test_newest_first_twice_is_the_first_answer_and_a_whole_table_reads_its_own_arrays():
    from parley.aggregate import newest_first

    table = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-02", "2025-02-01"]),
            "x": pd.Categorical(list("abba")),
        }
    )
    once = newest_first(Rows.all(table), "date")
    assert once.index.tolist() == [3, 2, 1, 0]
    assert newest_first(once, "date") is once  # already newest first: not sorted again
    shuffled = Rows(table, np.array([2, 0, 3]))
    assert newest_first(shuffled, "date").index.tolist() == [3, 2, 0]
    whole = Rows.all(table)
    assert whole.whole and not Rows(table, np.array([0, 1, 2])).whole
    codes = whole.codes("x")
    assert codes.tolist() == table["x"].cat.codes.tolist()
    with pytest.raises(ValueError):
        codes[0] = 5
    assert table["x"].cat.codes.tolist() == [0, 1, 1, 0]  # the shared table's codes cannot be written through
