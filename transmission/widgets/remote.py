"""Feed a dashboard from a running `transmission serve`: REST for the state, the WebSocket for
events, and the POST routes for halt and resume.

One background thread runs an asyncio loop that (re)connects: it fetches the status, the risk,
the recent trades and the recent signals (GET /api/system/status, /api/system/risk,
/api/trades/recent/{n}, /api/signals), then reads `/ws?token=...` and polls the status every
`status_every` seconds until the socket drops, and starts again after a back-off. Messages go
to the dashboard's inbox as they come.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from concurrent.futures import Future
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from transmission.widgets.inbox import Inbox
from transmission.widgets.state import SIGNALS_KEPT, message

log = logging.getLogger(__name__)
MAX_RECENT = 1000  # the API's hard maximum page


class RemoteError(RuntimeError):
    """The API answered, but not with what the dashboard needs; the message says why."""


def check_url(url: str) -> str:
    """The API's base URL without a trailing slash; a clear error when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"url must look like http://127.0.0.1:8000, got {url!r}")
    return url.rstrip("/")


def websocket_url(url: str, token: str | None) -> str:
    parts = urlsplit(check_url(url))
    scheme = "wss" if parts.scheme == "https" else "ws"
    query = urlencode({"token": token}) if token else ""
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/ws", query, ""))


class RemoteFeed:
    """Events, status and controls of a `transmission serve` at `url`."""

    def __init__(
        self,
        url: str,
        token: str | None = None,
        *,
        history: int = 500,
        status_every: float = 1.0,
        timeout: float = 5.0,
    ) -> None:
        if not 1 <= history <= MAX_RECENT:
            raise ValueError(f"history must be 1 to {MAX_RECENT} trades, got {history}")
        if status_every <= 0 or timeout <= 0:
            raise ValueError("status_every and timeout must be positive seconds")
        self.url = check_url(url)
        self.token = token
        self.history = history
        self.status_every = status_every
        self.timeout = timeout
        self.description = f"remote {self.url}"
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._inbox: Inbox | None = None
        self._client: httpx.AsyncClient | None = None

    # -- life cycle (kernel thread) ---------------------------------------------------------

    def attach(self, inbox: Inbox) -> None:
        self._inbox = inbox
        self._thread = threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._main(inbox),),
            name="transmission-remote-feed",
            daemon=True,
        )
        self._thread.start()

    def poll(self) -> list[dict[str, Any]]:
        return []  # the loop polls the status itself

    def close(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        stop = self._stop
        if stop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):
                self._loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)
        self._thread = None

    def halt(self, reason: str) -> None:
        """POST /api/system/halt; returns at once, the outcome arrives as messages."""
        self._submit("/api/system/halt", {"reason": reason})

    def resume(self) -> None:
        self._submit("/api/system/resume", None)

    def reset(self, rule: str, reason: str) -> None:
        self._submit("/api/system/reset", {"rule": rule, "reason": reason})

    def flatten(self, reason: str) -> None:
        self._submit("/api/system/flatten", {"reason": reason})

    # -- the loop's thread --------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def _main(self, inbox: Inbox) -> None:
        self._stop = asyncio.Event()
        backoff = 1.0
        async with httpx.AsyncClient(
            base_url=self.url, headers=self._headers(), timeout=self.timeout
        ) as client:
            self._client = client
            while not self._stop.is_set():
                inbox.put(message("connection", {"state": "connecting"}))
                try:
                    await self._snapshot(client, inbox)
                    async with connect(
                        websocket_url(self.url, self.token), open_timeout=self.timeout
                    ) as socket:
                        inbox.put(message("connection", {"state": "connected"}))
                        backoff = 1.0
                        await self._follow(socket, client, inbox)
                except (OSError, TimeoutError, httpx.HTTPError, WebSocketException) as exc:
                    detail = _explain(exc, self.url)
                    inbox.put(message("connection", {"state": "disconnected", "detail": detail}))
                except RemoteError as exc:
                    inbox.put(message("connection", {"state": "disconnected", "detail": str(exc)}))
                if self._stop.is_set():
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), backoff)
                backoff = min(backoff * 2, 10.0)
            self._client = None
        inbox.put(message("connection", {"state": "disconnected"}))

    async def _get(self, client: httpx.AsyncClient, path: str) -> dict[str, Any] | None:
        response = await client.get(path)
        if response.status_code == 404:
            return None  # no run in the journal yet
        if response.status_code == 401:
            raise RemoteError(f"{self.url} refused the API token (401): pass token=...")
        if response.status_code != 200:
            raise RemoteError(f"GET {path} answered {response.status_code}: {response.text[:200]}")
        body: dict[str, Any] = response.json()
        return body

    async def _snapshot(self, client: httpx.AsyncClient, inbox: Inbox) -> None:
        status = await self._get(client, "/api/system/status")
        if status is None:
            inbox.put(message("notice", {"message": "the server has no run yet"}))
            return
        inbox.put(message("status", status))
        risk = await self._get(client, "/api/system/risk")
        if risk is not None:
            inbox.put(message("risk", risk))
        trades = await self._get(client, f"/api/trades/recent/{self.history}")
        if trades is not None:
            inbox.put(message("trades", trades))
        signals = await self._get(client, f"/api/signals?limit={SIGNALS_KEPT}")
        if signals is not None:
            inbox.put(message("signals", signals))

    async def _follow(
        self, socket: ClientConnection, client: httpx.AsyncClient, inbox: Inbox
    ) -> None:
        assert self._stop is not None
        tasks = [
            asyncio.create_task(self._read(socket, inbox)),
            asyncio.create_task(self._poll_status(client, inbox)),
            asyncio.create_task(self._stop.wait()),
        ]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # re-raise what ended the connection

    async def _read(self, socket: ClientConnection, inbox: Inbox) -> None:
        async for text in socket:
            try:
                item = json.loads(text)
            except ValueError:
                log.warning("skipped a WebSocket message that is not JSON: %.80r", text)
                continue
            if isinstance(item, dict) and item.get("type") == "ping":
                await socket.send(json.dumps({"type": "pong"}))
                continue
            inbox.put(item)
        raise RemoteError("the server closed the WebSocket")

    async def _poll_status(self, client: httpx.AsyncClient, inbox: Inbox) -> None:
        while True:
            await asyncio.sleep(self.status_every)
            status = await self._get(client, "/api/system/status")
            if status is not None:
                inbox.put(message("status", status))

    def _submit(self, path: str, body: dict[str, Any] | None) -> None:
        if self._thread is None or self._loop.is_closed():
            raise RemoteError("the remote feed is not running: attach it to a dashboard first")
        future = asyncio.run_coroutine_threadsafe(self._post(path, body), self._loop)
        future.add_done_callback(self._report)

    async def _post(self, path: str, body: dict[str, Any] | None) -> None:
        client = self._client
        inbox = self._inbox
        if client is None or inbox is None:
            raise RemoteError("not connected to the API yet")
        response = await client.post(path, json=body)
        if response.status_code != 200:
            raise RemoteError(f"POST {path} answered {response.status_code}: {response.text[:200]}")
        status = response.json().get("status")
        if isinstance(status, dict):
            inbox.put(message("status", status))

    def _report(self, future: Future[None]) -> None:
        error = future.exception()
        if error is not None and self._inbox is not None:
            self._inbox.put(message("notice", {"message": f"{error}"}))


def _explain(exc: BaseException, url: str) -> str:
    if isinstance(exc, InvalidStatus) and exc.response.status_code == 401:
        return f"{url} refused the API token for the WebSocket (401): pass token=..."
    if isinstance(exc, httpx.ConnectError | ConnectionRefusedError):
        return f"cannot reach {url}: is `transmission serve` running there?"
    return f"connection to {url} lost: {type(exc).__name__}: {exc}"
