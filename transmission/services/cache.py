"""The facade's memo of computed figures: one instance per `Services`, never module-level."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class MetricsCache:
    """Values by key (journal, run, filters, window, grouping, trades version), least recently
    used dropped first; a key carries its trades version, so new trades miss the old entries."""

    def __init__(self, size: int = 128) -> None:
        if size < 1:
            raise ValueError(f"cache size must be at least 1, got {size}")
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._items)
