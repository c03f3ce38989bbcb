"""The WebSocket connection manager: engine events out, ping/pong in, slow clients dropped.

Every message, both ways, is JSON `{"type", "timestamp", "data"}`.

- Server to client: `connected` (on accept), the engine's `regime_change`, `signal`,
  `risk_update` and `trade_execution`, `pong` (answer to a ping), `ping` (to an idle client),
  and `error` (to a malformed message).
- Client to server: `{"type": "ping"}` (answered with `pong`, echoing `data`) and
  `{"type": "pong"}` (answer to a server ping). Anything else gets an `error` message.

Engine events arrive on the engine's thread; `publish` hands them to the event loop with
`call_soon_threadsafe` and returns at once, so the engine never waits on a socket. Each event is
serialised once. Each client has a bounded send queue drained by its own task: a client whose
queue overflows (it reads slower than events come) or whose send stalls (checked by a
housekeeping task, so within 1.5 times the send timeout) is dropped with a log line, and the
others do not notice.

Latency (benchmarks `websocket_latency`): with a hundred clients the fan-out is the cost, some
25 us a client, half of it the socket write. So a send is a plain `await` in the client's task,
which completes without suspending while the socket takes data (a per-send `asyncio.wait_for`
costs a task, a timer and two more loop steps per message on Python 3.11), and the servers of
`main` turn per-message deflate off (it compressed every message once per client).
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
    __slots__ = ("last_activity", "name", "queue", "send_started", "sender", "websocket")

    def __init__(self, websocket: WebSocket, queue_size: int) -> None:
        self.websocket = websocket
        self.queue: asyncio.Queue[str] = asyncio.Queue(queue_size)
        self.sender: asyncio.Task[None] | None = None
        self.last_activity = time.monotonic()
        self.send_started: float | None = None  # monotonic start of the send in progress
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
        if send_timeout_s <= 0:
            raise ValueError(f"send_timeout_s must be positive, got {send_timeout_s}")
        self.queue_size = queue_size
        self.ping_interval_s = ping_interval_s
        self.send_timeout_s = send_timeout_s
        self.dropped = 0
        self.run_id: str | None = None
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._housekeeper: asyncio.Task[None] | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    # -- the engine side (any thread) ------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._housekeeper = loop.create_task(self._housekeep())

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Broadcast every event of `bus`; returns the unsubscribe function."""
        return bus.subscribe(self.publish)

    def publish(self, event: Event) -> None:
        """Hand an event to the event loop; safe from any thread, never blocks."""
        loop = self._loop
        if loop is None or loop.is_closed() or not self._clients:
            return
        # Serialised here, once: the publisher holds the GIL anyway while the loop wakes up.
        text = json.dumps(event.to_message())
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nobody listens
            loop.call_soon_threadsafe(self._broadcast, text)

    # -- the event loop side ---------------------------------------------------------------

    def _broadcast(self, text: str) -> None:
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
                client.send_started = time.monotonic()
                await websocket.send_text(text)
                client.last_activity = time.monotonic()
                client.send_started = None
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

    async def _housekeep(self) -> None:
        """Drop clients whose send has stalled; ping the idle ones."""
        ping_interval, send_timeout = self.ping_interval_s, self.send_timeout_s
        tick = min(send_timeout, ping_interval if ping_interval > 0 else send_timeout) / 2
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for client in list(self._clients):
                started = client.send_started
                if started is not None and now - started > send_timeout:
                    self._drop(client, f"a send stalled for {send_timeout:g} s")
                elif ping_interval > 0 and client.last_activity <= now - ping_interval:
                    client.last_activity = now
                    self._enqueue(client, message("ping"))

    async def close(self) -> None:
        """Close every connection (at shutdown)."""
        if self._housekeeper is not None:
            self._housekeeper.cancel()
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
