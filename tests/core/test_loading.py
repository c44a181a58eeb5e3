"""What a long-running server does with the loaded data's objects."""

from __future__ import annotations

import gc
import weakref

from parley.loading import YOUNG_COLLECTION, settle_long_lived


class _Node:
    pass


def test_settle_long_lived_freezes_what_is_alive_and_collects_a_replaced_cycle():
    try:
        kept, dropped = _Node(), _Node()
        kept.me, dropped.me = kept, dropped  # cycles: only the collector frees them
        gone = weakref.ref(dropped)
        settle_long_lived()
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects()), "frozen: in no generation a collection walks"
        del dropped
        gc.collect()
        assert gone() is not None, "a frozen cycle waits for the next settle"
        settle_long_lived()
        assert gone() is None, "settling again collects the cycle dropped since"
    finally:
        gc.unfreeze()


def test_settling_collects_the_youngest_generation_less_often():
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 11, 12)  # Python's default for the youngest, and telltales for the others
        settle_long_lived()
        assert gc.get_threshold() == (YOUNG_COLLECTION, 11, 12)
        assert YOUNG_COLLECTION > 700
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
