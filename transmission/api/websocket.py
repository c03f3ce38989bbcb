"""The WebSocket connection manager: engine events out, ping/pong in, slow clients dropped.

Every message, both ways, is JSON `{"type", "timestamp", "data"}`.

- Server to client: `connected` (on accept), the engine's `regime_change`, `signal`,
  `risk_update` and `trade_execution`, `pong` (answer to a ping), `ping` (to an idle client),
  and `error` (to a malformed message).
- Client to server: `{"type": "ping"}` (answered with `pong`, echoing `data`) and
  `{"type": "pong"}` (answer to a server ping). Anything else gets an `error` message.

Engine events arrive on the engine's thread; `publish` hands them to the event loop with
`call_soon_threadsafe` and returns at once, so the engine never waits on a socket. Each client
has a bounded send queue drained by its own task: a client whose queue overflows (it reads
slower than events come) or whose send stalls is dropped with a log line, and the others do not
notice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from transmission.api.errors import error_body
from transmission.api.security import TOKEN_QUERY, bearer_token, token_matches
from transmission.engine.bus import EventBus
from transmission.engine.events import Connected, Event

if TYPE_CHECKING:
    from transmission.api.state import AppState

log = logging.getLogger("transmission.api.websocket")
MAX_CLIENT_MESSAGE = 4096  # bytes; clients only ever send pings


EXCHANGE_TZ = ZoneInfo("America/New_York")


def _now() -> datetime:
    return datetime.now(EXCHANGE_TZ)


def message(kind: str, data: dict[str, Any] | None = None) -> str:
    """A server message as JSON text."""
    return json.dumps({"type": kind, "timestamp": _now().isoformat(), "data": data or {}})


class _Client:
    __slots__ = ("last_activity", "name", "queue", "sender", "websocket")

    def __init__(self, websocket: WebSocket, queue_size: int) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.sender: asyncio.Task[None] | None = None
        self.last_activity = time.monotonic()
        client = websocket.client
        self.name = f"{client.host}:{client.port}" if client else "unknown"


class ConnectionManager:
    """Connected clients and the broadcast of engine events to them."""

    def __init__(
        self,
        *,
        queue_size: int = 256,
        ping_interval_s: float = 20.0,
        send_timeout_s: float = 10.0,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        self.queue_size = queue_size
        self.ping_interval_s = ping_interval_s
        self.send_timeout_s = send_timeout_s
        self.dropped = 0
        self.run_id: str | None = None
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pinger: asyncio.Task[None] | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    # -- the engine side (any thread) ------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        if self.ping_interval_s > 0:
            self._pinger = loop.create_task(self._ping_idle())

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Broadcast every event of `bus`; returns the unsubscribe function."""
        return bus.subscribe(self.publish)

    def publish(self, event: Event) -> None:
        """Hand an event to the event loop; safe from any thread, never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody listens
            loop.call_soon_threadsafe(self._broadcast, event)

    # -- the event loop side ---------------------------------------------------------------

    def _broadcast(self, event: Event) -> None:
        if not self._clients:
            return
        text = json.dumps(event.to_message())
        for client in list(self._clients):
            self._enqueue(client, text)

    def _enqueue(self, client: _Client, text: str) -> None:
        try:
            client.queue.put_nowait(text)
        except asyncio.QueueFull:
            self._drop(client, f"send queue full ({self.queue_size} messages)")

    def _drop(self, client: _Client, reason: str) -> None:
        if client not in self._clients:
            return
        self._clients.discard(client)
        self.dropped += 1
        log.warning("dropped websocket client %s: %s", client.name, reason)
        if client.sender is not None:
            client.sender.cancel()
        asyncio.get_running_loop().create_task(self._close(client, 1013, "too slow"))

    async def _close(self, client: _Client, code: int, reason: str) -> None:
        # A stuck client may never take the close frame: give up after a while.
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.websocket.close(code, reason), self.send_timeout_s)

    async def serve(self, websocket: WebSocket) -> None:
        """Run one accepted connection until it closes."""
        client = _Client(websocket, self.queue_size)
        connected = Connected(ts_event=_now(), ts_init=_now(), run_id=self.run_id)
        client.queue.put_nowait(json.dumps(connected.to_message()))
        self._clients.add(client)
        client.sender = asyncio.get_running_loop().create_task(self._send(client))
        try:
            await self._receive(client)
        except WebSocketDisconnect:
            pass
        finally:
            self._clients.discard(client)
            if client.sender is not None:
                client.sender.cancel()

    async def _send(self, client: _Client) -> None:
        websocket = client.websocket
        try:
            while True:
                text = await client.queue.get()
                await asyncio.wait_for(websocket.send_text(text), self.send_timeout_s)
                client.last_activity = time.monotonic()
        except TimeoutError:
            self._drop(client, f"a send stalled for {self.send_timeout_s:g} s")
        except (WebSocketDisconnect, RuntimeError, OSError):
            self._clients.discard(client)  # gone: the receive side ends the connection

    async def _receive(self, client: _Client) -> None:
        websocket = client.websocket
        while websocket.application_state == WebSocketState.CONNECTED:
            raw = await websocket.receive()
            if raw["type"] == "websocket.disconnect":
                return
            client.last_activity = time.monotonic()
            reply = self.answer(raw.get("text"), raw.get("bytes"))
            if reply is not None:
                self._enqueue(client, reply)

    @staticmethod
    def answer(text: str | None, data: bytes | None = None) -> str | None:
        """The reply to one client message (None: no reply)."""
        if text is None:
            return message("error", {"message": "binary messages are not supported: send JSON"})
        if len(text) > MAX_CLIENT_MESSAGE:
            return message(
                "error", {"message": f"message too large: at most {MAX_CLIENT_MESSAGE} bytes"}
            )
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            return message("error", {"message": f"malformed message, not JSON: {exc}"})
        if not isinstance(parsed, dict) or not isinstance(parsed.get("type"), str):
            return message(
                "error",
                {"message": 'a message is a JSON object with a "type": send {"type": "ping"}'},
            )
        kind = parsed["type"]
        if kind == "ping":
            echo = parsed.get("data")
            return message("pong", {"echo": echo} if echo is not None else {})
        if kind == "pong":
            return None
        return message(
            "error", {"message": f"unknown message type {kind!r}: the server accepts ping and pong"}
        )

    async def _ping_idle(self) -> None:
        interval = self.ping_interval_s
        while True:
            await asyncio.sleep(interval / 2)
            idle_since = time.monotonic() - interval
            for client in list(self._clients):
                if client.last_activity <= idle_since:
                    client.last_activity = time.monotonic()
                    self._enqueue(client, message("ping"))

    async def close(self) -> None:
        """Close every connection (at shutdown)."""
        if self._pinger is not None:
            self._pinger.cancel()
        clients, self._clients = list(self._clients), set()
        for client in clients:
            if client.sender is not None:
                client.sender.cancel()
        await asyncio.gather(
            *(self._close(client, 1001, "server shutting down") for client in clients)
        )


router = APIRouter()


@router.websocket("/ws")
async def events(websocket: WebSocket) -> None:
    """Engine events as they happen; needs the API token (`?token=` or a bearer header)."""
    state: AppState = websocket.app.state.transmission
    token = websocket.query_params.get(TOKEN_QUERY) or bearer_token(
        websocket.headers.get("authorization")
    )
    if not token_matches(state.token, token):
        body = error_body(401, "missing or wrong API token: connect to /ws?token=<token>")
        await websocket.send_denial_response(JSONResponse(body, 401))
        return
    await websocket.accept()
    await state.manager.serve(websocket)
