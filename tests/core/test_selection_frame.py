"""A selection built into a frame equals pandas' own take, for every column type of every table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from parley.selection import Rows

TABLES = ("talks", "items", "positions", "reactions", "sources", "participants")


@pytest.mark.parametrize("table", TABLES)
def test_frame_equals_pandas_take(bundled, table):
    frame = getattr(bundled, table)
    rng = np.random.default_rng(3)
    for index in (np.arange(len(frame)), rng.permutation(len(frame))[: len(frame) // 2], np.array([], dtype=int)):
        expected = frame.take(index).reset_index(drop=True)
        pd.testing.assert_frame_equal(Rows(frame, index).frame(), expected)
        some = list(frame.columns[::3])
        pd.testing.assert_frame_equal(Rows(frame, index).frame(some), expected[some])


def test_frame_with_extra_columns_in_the_asked_order(bundled):
    frame = bundled.positions
    index = np.array([5, 1, 3])
    rows = Rows(frame, index, {"rank": np.array([7, 8, 9])})
    built = rows.frame(["rank", "position_id"])
    assert list(built.columns) == ["rank", "position_id"]
    assert built["rank"].tolist() == [7, 8, 9]
    assert built["position_id"].tolist() == frame["position_id"].take(index).tolist()
