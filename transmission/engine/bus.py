"""A small in-process event bus: synchronous, ordered, and safe to subscribe from any thread.

Handlers run on the publisher's thread; a handler that needs another thread or an event loop
(the WebSocket manager, the widgets) hands the event over itself. A failing handler is logged
and never stops the engine or the other handlers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from transmission.engine.events import Event

log = logging.getLogger(__name__)
Handler = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._handlers: tuple[Handler, ...] = ()
        self._lock = threading.Lock()

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Add a handler; returns a function that removes it."""
        with self._lock:
            self._handlers = (*self._handlers, handler)

        def unsubscribe() -> None:
            with self._lock:
                self._handlers = tuple(h for h in self._handlers if h is not handler)

        return unsubscribe

    @property
    def has_subscribers(self) -> bool:
        return bool(self._handlers)

    def publish(self, event: Event) -> None:
        for handler in self._handlers:
            try:
                handler(event)
            except Exception:
                log.exception("event handler %r failed on %s", handler, event.type)
