"""The hand-over between the engine's thread (or a socket's) and the dashboard's flush.

`put` is all a producer does: append to a deque, which is atomic in CPython, so the engine's
thread never waits on a lock held by the widgets. Engine events are stored as they come and
turned into messages only when drained, off the engine's thread.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from transmission.engine.events import Event


class Inbox:
    def __init__(self) -> None:
        self._items: deque[Event | dict[str, Any]] = deque()
        self.received = 0
        # The run's number (for trades' public ids), asked of `numbering` until it is known.
        self.numbering: Callable[[], int | None] | None = None
        self._run_number: int | None = None

    def put(self, item: Event | dict[str, Any]) -> None:
        """Enqueue an engine event or a message; safe from any thread, never blocks."""
        self._items.append(item)
        self.received += 1

    def drain(self) -> list[dict[str, Any]]:
        """Everything queued so far, as messages, oldest first."""
        out: list[dict[str, Any]] = []
        items = self._items
        if items and self._run_number is None and self.numbering is not None:
            self._run_number = self.numbering()
        while items:
            item = items.popleft()
            out.append(item.to_message(self._run_number) if isinstance(item, Event) else item)
        return out

    def __len__(self) -> int:
        return len(self._items)
