"""Read routes served from memory while the journal's trades, runs and risk do not change.

`ResponseCache` keeps the serialized JSON body of each read (trades pages, metrics) with the
journal version it was built at (`journal_version`: trades, runs, signals and tripwire events
counted), read at most every `refresh_s`. A route builds a body once per version, off the
event loop.

`HotReads` is the fast lane in front of the app: a GET whose exact path and query string were
answered 200 at the current version is answered from memory without routing, validation or
dependencies. Anything else (a new query string, an error, another route) goes to the app,
which validates it as usual.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from transmission.journal import Journal
from transmission.journal.queries import journal_version

HOT_PATHS = ("/api/trades", "/api/metrics")
_JSON = (b"content-type", b"application/json")


class ResponseCache:
    """Bodies by key, each valid for the journal version it was built at."""

    def __init__(self, journal: Journal, *, refresh_s: float = 0.25, size: int = 512) -> None:
        self.journal = journal
        self.refresh_s = refresh_s
        self.size = size
        self._bodies: OrderedDict[Hashable, tuple[Any, bytes]] = OrderedDict()
        self._version: Any = None
        self._checked = -float("inf")

    async def version(self) -> Any:
        now = time.monotonic()
        if now - self._checked >= self.refresh_s:
            # Requests arriving during the read keep the previous version (one read at a time).
            self._checked = now
            self._version = await run_in_threadpool(self._read_version)
        return self._version

    def get(self, key: Hashable, version: Any) -> bytes | None:
        hit = self._bodies.get(key)
        if hit is None or hit[0] != version:
            return None
        self._bodies.move_to_end(key)
        return hit[1]

    def put(self, key: Hashable, version: Any, body: bytes) -> None:
        self._bodies[key] = (version, body)
        self._bodies.move_to_end(key)
        while len(self._bodies) > self.size:
            self._bodies.popitem(last=False)

    async def body(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        """The cached body of `key`, or `build()` run in the thread pool and kept."""
        version = await self.version()
        body = self.get(key, version)
        if body is None:
            body = await run_in_threadpool(build)
            self.put(key, version, body)
        return body

    def _read_version(self) -> Any:
        return journal_version(self.journal)


class HotReads:
    """ASGI middleware: repeat GETs of the hot read routes answered from the cache."""

    def __init__(self, app: ASGIApp, paths: tuple[str, ...] = HOT_PATHS) -> None:
        self.app = app
        self.paths = frozenset(paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return
        state = getattr(scope["app"].state, "transmission", None)
        if state is None:
            await self.app(scope, receive, send)
            return
        cache: ResponseCache = state.cache
        key = ("raw", scope["path"], scope["query_string"])
        version = await cache.version()
        body = cache.get(key, version)
        if body is not None:
            headers = [_JSON, (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, _Recorder(send, cache, key, version))


class _Recorder:
    """Passes a response through, keeping its body when it is a complete 200 JSON answer."""

    __slots__ = ("cache", "chunks", "key", "ok", "send", "version")

    def __init__(self, send: Send, cache: ResponseCache, key: Hashable, version: Any) -> None:
        self.send, self.cache, self.key, self.version = send, cache, key, version
        self.ok = False
        self.chunks: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = dict(message.get("headers", []))
            self.ok = message["status"] == 200 and headers.get(b"content-type") == _JSON[1]
        elif message["type"] == "http.response.body" and self.ok:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                self.cache.put(self.key, self.version, b"".join(self.chunks))
        await self.send(message)
