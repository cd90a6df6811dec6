"""A bounded cache that forgets what was least recently used: for what is kept only as a saving
(renderings, view-models, region renderings, boards at snapshot moments), never as the truth."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``size`` entries (none for 0); keeping one more forgets the least recently used.
    Each call is atomic: live views are rendered on the event loop and in worker threads at once."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: K, value: V, *, unless: Callable[[V], bool] | None = None) -> None:
        """Keep ``value`` for ``key``, unless the value kept already ``unless`` says it must stay."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None and unless is not None and unless(kept):
                return
            self._entries[key] = value
            self._used(key)

    def setdefault(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``make()``'s, kept from now on."""
        with self._lock:
            value = self._entries.get(key)
            if value is None:
                value = self._entries[key] = make()
            self._used(key)
            return value

    def keys(self) -> list[K]:
        with self._lock:
            return list(self._entries)

    def _used(self, key: K) -> None:
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
