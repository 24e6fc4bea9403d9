"""The one module-level cache: thread-safe, bounded, least recently used first out.

Pure functions of hashable arguments use `functools.lru_cache` (the same eviction);
anything keyed by something else (an article id and its text hash, a session and an
article) uses `LRUCache`, so every in-process memo in the app evicts the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRUCache(Generic[K, V]):
    """At most `maxsize` entries (an int, or a callable read at each insert)."""

    def __init__(self, maxsize: int | Callable[[], int]) -> None:
        self._maxsize = maxsize
        self._data: OrderedDict[K, V] = OrderedDict()
        self._lock = Lock()

    def _limit(self) -> int:
        limit = self._maxsize() if callable(self._maxsize) else self._maxsize
        return max(0, int(limit))

    def get(self, key: K) -> V | None:
        """The cached value (and mark it recently used), or None."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: K, value: V) -> V:
        """Store `value`, evicting the least recently used entries past the limit."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            limit = self._limit()
            while len(self._data) > limit:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
