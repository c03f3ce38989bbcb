"""The WebSocket connection manager: engine events out, ping/pong in, slow clients dropped.

The messages themselves are `ws.protocol`'s and `Event.to_message`'s (the design's shape; the
contract is /asyncapi.json); the ready-made frames are `ws.frames`'.

Engine events arrive on the engine's thread, a bar's events together (`EventBus.batch`).
`publish_batch` serialises each once and hands them to the event loop; the loop writes them to
every client. Two ways of writing, one per kind of server:

- Where the server offers the `transmission.frames` extension (`transmission serve`:
  `api.ws.frames`), the events are framed once and the same bytes are written to each socket
  there and then, in one write. A client whose unsent bytes pass `buffer_bytes` (it reads
  slower than events come), or stay unsent for `send_timeout_s`, is dropped.
- Elsewhere (any other ASGI server), each client has a bounded send queue drained by its own
  task; a client whose queue overflows, or whose send stalls for `send_timeout_s`, is dropped.

Stalls are checked by a housekeeping task, so within 1.5 times the send timeout. A dropped
client gets a log line and a 1013 close; the others do not notice.

Latency (benchmark `websocket_latency`, a hundred clients): the fan-out is the cost. Through
ASGI it is some 25 us a client (Starlette, uvicorn, a task wake-up, and the socket write, about
10 us); with ready-made frames it is the socket write alone. The other cost was waiting: the
engine's thread holds the GIL between its own I/O calls (the journal commit of an event's bar),
and the loop, woken to send, waited for it for up to the interpreter's 5 ms switch interval. So
`publish_batch`, called on another thread, waits until the loop has written the events (at most
`handoff_timeout_s`): the engine lets go of the GIL, and a bar's events are on every socket
before the engine goes on to commit it. The engine waits for the loop's CPU work only, never
for a client: writes do not block, and what a socket does not take is buffered up to
`buffer_bytes`. With no client connected it returns at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from transmission.api.ws.frames import FrameWriter, frame_writer, text_frame
from transmission.api.ws.protocol import (
    CLOSE_TOO_BIG,
    MAX_CLIENT_FRAME,
    answer,
    message,
    server_time,
)
from transmission.engine.bus import EventBus
from transmission.engine.events import Connected, Event

log = logging.getLogger("transmission.api.ws")


def _frames(texts: Sequence[str]) -> bytes:
    """Messages as back-to-back text frames: one socket write for all of them."""
    return b"".join(map(text_frame, texts))


class _Client:
    __slots__ = (
        "last_activity",
        "name",
        "queue",
        "send_started",
        "sender",
        "websocket",
        "writer",
    )

    def __init__(self, websocket: WebSocket, queue_size: int, writer: FrameWriter | None) -> None:
        self.websocket = websocket
        self.writer = writer  # None: through ASGI, by the queue and its sender task
        self.queue: asyncio.Queue[str] | None = None if writer else asyncio.Queue(queue_size)
        self.sender: asyncio.Task[None] | None = None
        self.last_activity = time.monotonic()
        # Monotonic time since when a send (ASGI) or written bytes (frames) have been waiting.
        self.send_started: float | None = None
        client = websocket.client
        self.name = f"{client.host}:{client.port}" if client else "unknown"


class ConnectionManager:
    """Connected clients and the broadcast of engine events to them."""

    def __init__(
        self,
        *,
        queue_size: int = 256,
        buffer_bytes: int = 1 << 20,
        ping_interval_s: float = 20.0,
        send_timeout_s: float = 10.0,
        handoff_timeout_s: float = 0.05,
    ) -> None:
        if queue_size < 1:
            raise ValueError(f"queue_size must be at least 1, got {queue_size}")
        if buffer_bytes < 1:
            raise ValueError(f"buffer_bytes must be at least 1, got {buffer_bytes}")
        if send_timeout_s <= 0:
            raise ValueError(f"send_timeout_s must be positive, got {send_timeout_s}")
        if handoff_timeout_s < 0:
            raise ValueError(f"handoff_timeout_s must not be negative, got {handoff_timeout_s}")
        self.queue_size = queue_size
        self.buffer_bytes = buffer_bytes  # 1 MiB: 256 messages of 4 kB, as the queue holds
        self.ping_interval_s = ping_interval_s
        self.send_timeout_s = send_timeout_s
        self.handoff_timeout_s = handoff_timeout_s
        self.dropped = 0
        self.run_id: str | None = None
        # The engine run's number (trades' public ids), asked of `numbering` until it is known:
        # the run's journal row is made when the engine's thread starts it.
        self.numbering: Callable[[], int | None] | None = None
        self._run_number: int | None = None
        self._clients: set[_Client] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._housekeeper: asyncio.Task[None] | None = None

    @property
    def client_count(self) -> int:
        return len(self._clients)

    # -- the engine side (any thread) ------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve on `loop`; called on the loop's own thread."""
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._housekeeper = loop.create_task(self._housekeep())

    def attach(self, bus: EventBus) -> Callable[[], None]:
        """Broadcast every event of `bus`, a bar's events together; returns the unsubscribe."""
        return bus.subscribe_batches(self.publish_batch)

    def publish(self, event: Event) -> None:
        """Broadcast one event; safe from any thread (see `publish_batch`)."""
        self.publish_batch((event,))

    def publish_batch(self, events: Sequence[Event]) -> None:
        """Broadcast events, in order, each a message; safe from any thread.

        From another thread it waits, at most `handoff_timeout_s`, until the loop has written
        them to every client (see the module's docstring); it never waits on a client.
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not self._clients or not events:
            return
        number = self._run_number
        if number is None and self.numbering is not None:
            number = self._run_number = self.numbering()
        texts = [json.dumps(event.to_message(number)) for event in events]  # once for all
        if threading.get_ident() == self._loop_thread:
            self._broadcast(texts)
            return
        written = threading.Event()
        try:
            loop.call_soon_threadsafe(self._broadcast, texts, written)
        except RuntimeError:  # the loop closed meanwhile: nobody listens
            return
        written.wait(self.handoff_timeout_s)

    # -- the event loop side ---------------------------------------------------------------

    def _broadcast(self, texts: Sequence[str], written: threading.Event | None = None) -> None:
        try:
            frames = _frames(texts)  # framed once, for every client
            for client in list(self._clients):
                self._deliver(client, texts, frames)
        finally:
            if written is not None:
                written.set()

    def _deliver(self, client: _Client, texts: Sequence[str], frames: bytes = b"") -> None:
        """Send `texts` to one client; `frames` are the same messages framed, if at hand."""
        writer = client.writer
        if writer is None:
            assert client.queue is not None
            for text in texts:
                try:
                    client.queue.put_nowait(text)
                except asyncio.QueueFull:
                    self._drop(client, f"send queue full ({self.queue_size} messages)")
                    return
            return
        if not writer.write_frame(frames or _frames(texts)):
            self._clients.discard(client)  # closing: the receive side ends the connection
            return
        unsent = writer.buffered()
        if unsent == 0:
            client.send_started = None
            client.last_activity = time.monotonic()
        elif unsent > self.buffer_bytes:
            self._drop(client, f"{unsent} bytes unsent (at most {self.buffer_bytes})")
        elif client.send_started is None:
            client.send_started = time.monotonic()

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
        client = _Client(websocket, self.queue_size, frame_writer(websocket.scope))
        self._clients.add(client)
        if client.writer is None:
            client.sender = asyncio.get_running_loop().create_task(self._send(client))
        stamp = server_time()
        connected = Connected(ts_event=stamp, ts_init=stamp, run_id=self.run_id)
        self._deliver(client, (json.dumps(connected.to_message()),))
        try:
            await self._receive(client)
        except WebSocketDisconnect:
            pass
        finally:
            self._clients.discard(client)
            if client.sender is not None:
                client.sender.cancel()

    async def _send(self, client: _Client) -> None:
        websocket, queue = client.websocket, client.queue
        assert queue is not None
        try:
            while True:
                text = await queue.get()
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
            size = len(raw.get("text") or raw.get("bytes") or b"")
            if size > MAX_CLIENT_FRAME:
                reason = f"message too big: at most {MAX_CLIENT_FRAME} bytes"
                await self._close(client, CLOSE_TOO_BIG, reason)
                return
            reply = answer(raw.get("text"), raw.get("bytes"))
            if reply is not None:
                self._deliver(client, (reply,))

    async def _housekeep(self) -> None:
        """Drop clients whose send has stalled; ping the idle ones."""
        ping_interval, send_timeout = self.ping_interval_s, self.send_timeout_s
        tick = min(send_timeout, ping_interval if ping_interval > 0 else send_timeout) / 2
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            for client in list(self._clients):
                if client.writer is not None and client.writer.buffered() == 0:
                    client.send_started = None  # the socket took everything written
                started = client.send_started
                if started is not None and now - started > send_timeout:
                    self._drop(client, f"a send stalled for {send_timeout:g} s")
                elif ping_interval > 0 and client.last_activity <= now - ping_interval:
                    client.last_activity = now
                    self._deliver(client, (message("ping"),))

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
