"""Answers worked out once per dataset: shared while the dataset lives, gone with it."""

from __future__ import annotations

import gc

from parley.memo import memos_held, per_dataset


class _Data:
    def __init__(self, value: int):
        self.value = value


calls: list[int] = []


@per_dataset
def doubled(data: _Data, extra: int = 0) -> int:
    calls.append(data.value)
    return data.value * 2 + extra


def test_once_per_dataset_and_args_and_gone_with_the_dataset():
    calls.clear()
    held = memos_held()
    a, b = _Data(1), _Data(5)
    assert [doubled(a), doubled(a), doubled(b), doubled(a, 1), doubled(a, 1)] == [2, 2, 10, 3, 3]
    assert calls == [1, 5, 1]
    assert memos_held() == held + 2
    del a, b
    gc.collect()
    assert memos_held() == held
    c = _Data(7)  # may sit where a freed one was: it must not find that one's answers
    assert doubled(c) == 14 and calls[-1] == 7
