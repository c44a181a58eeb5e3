"""Answers that depend on the dataset alone, worked out once per dataset and shared by every session and page.

A dataset is read-only once built (parley.loading.Dataset), so what is derived from it alone (where the record ends,
the legend of colours) is the same on every rerun: the header of every page asked for it each time. Memos live as
long as their dataset: when an import replaces it, its memos go with it.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_memos: dict[int, dict[tuple, Any]] = {}


def _memo_of(dataset: object) -> dict[tuple, Any]:
    key = id(dataset)
    with _lock:
        memo = _memos.get(key)
        if memo is None:
            memo = _memos[key] = {}
            # Dropped as the dataset is freed, so a later object at the same address never finds it.
            weakref.finalize(dataset, _memos.pop, key, None)
        return memo


def per_dataset(fn: F) -> F:
    """`fn(dataset, *args)` once per dataset and args (hashable). The answer is shared: callers must not change it.

    The first argument may also be one of a dataset's tables, equally read-only and dropped with it."""

    @functools.wraps(fn)
    def cached(dataset: object, *args: Any) -> Any:
        memo = _memo_of(dataset)
        key = (fn.__module__, fn.__qualname__, args)
        if key not in memo:
            value = fn(dataset, *args)  # outside the lock: two sessions may both compute it once, never wrongly
            memo.setdefault(key, value)
        return memo[key]

    return cached  # type: ignore[return-value]


def memos_held() -> int:
    """How many datasets have memos now (for tests: none outlive their dataset)."""
    with _lock:
        return len(_memos)
