"""What a long-running server does with the loaded data's objects."""

from __future__ import annotations

import gc
import weakref

from parley.loading import settle_long_lived


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
