"""A small in-process event bus: synchronous, ordered, and safe to subscribe from any thread.

Handlers run on the publisher's thread; a handler that needs another thread or an event loop
(the WebSocket manager, the widgets) hands the event over itself. A failing handler is logged
and never stops the engine or the other handlers.

Two kinds of handler:
- `subscribe(handler)`: called with each event as it is published (the journal's recorder, the
  widgets).
- `subscribe_batches(handler)`: called with the events of one batch together, in order, once the
  batch ends: the publisher marks a batch with `with bus.batch():` (the orchestrator: one bar).
  An event published outside a batch is a batch of one, delivered at once. The WebSocket manager
  takes batches, so a bar's events cost one hand-over to its event loop and one socket write a
  client, however many there are.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from types import TracebackType
from typing import Any

from transmission.engine.events import Event

log = logging.getLogger(__name__)
Handler = Callable[[Event], None]
BatchHandler = Callable[[Sequence[Event]], None]
_NO_BATCH = nullcontext()


class EventBus:
    def __init__(self) -> None:
        self._handlers: tuple[Handler, ...] = ()
        self._batch_handlers: tuple[BatchHandler, ...] = ()
        self._lock = threading.Lock()
        self._local = threading.local()  # `pending`: the events of this thread's open batch

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Add a handler of each event; returns a function that removes it."""
        return self._add("_handlers", handler)

    def subscribe_batches(self, handler: BatchHandler) -> Callable[[], None]:
        """Add a handler of batches of events; returns a function that removes it."""
        return self._add("_batch_handlers", handler)

    def _add(self, kind: str, handler: Callable[[Any], None]) -> Callable[[], None]:
        # Handlers are an immutable tuple, replaced under the lock: publishing reads it unlocked.
        with self._lock:
            setattr(self, kind, (*getattr(self, kind), handler))

        def unsubscribe() -> None:
            with self._lock:
                setattr(self, kind, tuple(h for h in getattr(self, kind) if h is not handler))

        return unsubscribe

    @property
    def has_subscribers(self) -> bool:
        return bool(self._handlers or self._batch_handlers)

    def publish(self, event: Event) -> None:
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", handler, event.type)
        if self._batch_handlers:
            pending: list[Event] | None = getattr(self._local, "pending", None)
            if pending is not None:
                pending.append(event)
            else:
                self._deliver((event,))

    def batch(self) -> AbstractContextManager[object]:
        """Group the events this thread publishes in the block into one batch.

        Nested blocks make one batch, delivered when the outermost ends (also when it raises:
        what was published was journalled). Free when nobody takes batches.
        """
        if not self._batch_handlers or getattr(self._local, "pending", None) is not None:
            return _NO_BATCH
        return _Batch(self)

    def _deliver(self, events: Sequence[Event]) -> None:
        for handler in self._batch_handlers:
            try:
                handler(events)
            except Exception:
                log.exception("batch handler %r failed on %d events", handler, len(events))


class _Batch:
    __slots__ = ("bus",)

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def __enter__(self) -> object:
        self.bus._local.pending = []
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        local = self.bus._local
        events, local.pending = local.pending, None
        if events:
            self.bus._deliver(tuple(events))
