"""WS /ws on a real server with a real `websockets` client while the engine runs.

The session's `server` runs as `transmission serve` does (`UVICORN_OPTIONS`: connections that
take ready-made frames); `plain_server` runs on uvicorn's defaults, where the manager sends
through plain ASGI. The behaviour a client sees is the same on both.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.websockets import WebSocketState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.api.conftest import TOKEN, BacktestJournal, Server, free_port, serving
from transmission.api.main import create_app
from transmission.api.ws.frames import FRAMES
from transmission.api.ws.manager import ConnectionManager
from transmission.engine.events import RiskUpdate
from transmission.settings import Settings

ENGINE_TYPES = {"regime_change", "signal", "trade_execution", "risk_update"}


async def receive(ws: ClientConnection, timeout: float = 30.0) -> dict:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def until(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.01)


@pytest.fixture(scope="module")
def plain_server(backtest_journal: BacktestJournal) -> Iterator[Server]:
    """The API on a journal, no engine, served on uvicorn's default options (plain ASGI sends)."""
    port = free_port()
    settings = Settings(port=port, db=backtest_journal.copy, feed="none", api_token=TOKEN)
    with serving(create_app(settings, ping_interval_s=1.0), port, options={}) as running:
        yield running


def test_websocket_without_the_token_is_refused_with_401(server: Server):
    async def scenario() -> None:
        for url in (server.ws_url, server.ws("wrong")):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(url):
                    pass
            assert refused.value.response.status_code == 401

    asyncio.run(scenario())


def test_websocket_accepts_the_token_as_a_bearer_header(server: Server):
    async def scenario() -> dict:
        async with connect(server.ws_url, additional_headers=server.auth) as ws:
            return await receive(ws)

    assert asyncio.run(scenario())["type"] == "connected"


@pytest.mark.slow
def test_websocket_says_connected_then_streams_every_engine_event_type(server: Server):
    seen: dict[str, dict] = {}

    async def scenario() -> None:
        async with connect(server.ws()) as ws:
            first = await receive(ws)
            assert first["type"] == "connected"
            assert first["run_id"] == server.state.engine.run_id
            # A manual halt and resume are risk events of the engine itself (kill switch).
            async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth) as http:
                assert (await http.post("/api/system/halt")).status_code == 200
                assert (await http.post("/api/system/resume")).status_code == 200
            deadline = time.monotonic() + 240
            while not set(seen) >= ENGINE_TYPES:
                assert time.monotonic() < deadline, f"only saw {sorted(seen)}"
                message = await receive(ws, 60)
                seen.setdefault(message["type"], message)

    asyncio.run(scenario())
    for kind in ENGINE_TYPES:
        message = seen[kind]
        assert "data" not in message
        assert datetime.fromisoformat(message["timestamp"]).tzinfo is not None
    # The keys the design's JavaScript example reads, at the top level.
    assert seen["regime_change"]["regime"] in {"TREND", "RANGE", "VOLATILE", "NO_TRADE"}
    assert seen["signal"]["signal"]["decision"] in {"accepted", "vetoed", "shadow"}
    assert seen["trade_execution"]["trade"]["action"] in {"entry", "exit"}
    assert isinstance(seen["trade_execution"]["trade"]["trade_id"], int)
    assert {"rule", "can_trade", "daily_pnl_r"} <= set(seen["risk_update"]["risk"])


def test_websocket_ping_gets_pong_echoing_its_data(server: Server):
    async def scenario() -> dict:
        async with connect(server.ws()) as ws:
            await receive(ws)
            await ws.send(json.dumps({"type": "ping", "data": {"n": 7}}))
            return await next_of(ws, "pong")

    pong = asyncio.run(scenario())
    assert pong["echo"] == {"n": 7}


async def next_of(ws: ClientConnection, kind: str) -> dict:
    """The next message of `kind` (engine events may come first)."""
    while True:
        message = await receive(ws)
        if message["type"] == kind:
            return message


@pytest.mark.parametrize(
    "sent,says",
    [
        ("not json", "malformed message, not JSON"),
        ("[1, 2]", 'a JSON object with a "type"'),
        ('{"kind": "ping"}', 'a JSON object with a "type"'),
        ('{"type": "subscribe"}', "unknown message type 'subscribe'"),
        (b"\x00\x01", "binary messages are not supported"),
        (json.dumps({"type": "ping", "data": "x" * 5000}), "message too large"),
        # 4 kB of brackets: the parser's recursion limit, which dropped the connection before.
        ("[" * 2000 + "]" * 2000, "nested too deeply"),
        ('{"type": "ping", "data": ' + "[" * 1500 + "]" * 1500 + "}", "nested too deeply"),
    ],
)
def test_websocket_malformed_message_gets_an_error_and_the_connection_lives(
    server: Server, sent, says
):
    async def scenario() -> tuple[dict, dict]:
        async with connect(server.ws()) as ws:
            await receive(ws)
            await ws.send(sent)
            error = await next_of(ws, "error")
            await ws.send('{"type": "ping"}')
            return error, await next_of(ws, "pong")

    error, pong = asyncio.run(scenario())
    assert says in error["message"]
    assert pong["type"] == "pong"


@pytest.mark.parametrize("uvicorn_limit", [True, False])
def test_websocket_message_over_64_kib_closes_the_connection_with_1009(
    backtest_journal: BacktestJournal, uvicorn_limit: bool
):
    """With `UVICORN_OPTIONS` uvicorn closes it as it reads; without, the manager does."""
    settings = Settings(db=backtest_journal.copy, feed="none", api_token=TOKEN)
    options = None if uvicorn_limit else {}

    async def scenario(url: str) -> int | None:
        async with connect(url, max_size=None) as ws:
            await receive(ws)
            await ws.send(json.dumps({"type": "ping", "data": "x" * (65 * 1024)}))
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await ws.recv()
            return closed.value.rcvd.code if closed.value.rcvd else None

    with serving(create_app(settings), free_port(), options=options) as running:
        assert asyncio.run(scenario(running.ws())) == 1009


def test_websocket_idle_client_gets_a_server_ping(server: Server):
    # The test server pings clients idle for 1 s; engine events reset the idle clock, so wait
    # for the ping rather than for a time.
    async def scenario() -> dict:
        async with connect(server.ws()) as ws:
            await receive(ws)
            return await next_of(ws, "ping")

    assert asyncio.run(scenario())["type"] == "ping"


@pytest.mark.slow
def test_websocket_hundred_clients_connect_and_leave_and_the_server_carries_on(server: Server):
    manager = server.state.manager

    async def one() -> str:
        async with connect(server.ws()) as ws:
            return (await receive(ws))["type"]

    async def scenario() -> dict:
        baseline = manager.client_count
        clients = [await connect(server.ws()) for _ in range(100)]
        firsts = await asyncio.gather(*(receive(ws) for ws in clients))
        assert {m["type"] for m in firsts} == {"connected"}
        await until(lambda: manager.client_count >= baseline + 100)
        await asyncio.gather(*(ws.close() for ws in clients))
        await until(lambda: manager.client_count <= baseline)
        again = await asyncio.gather(*(one() for _ in range(10)))
        assert set(again) == {"connected"}
        async with connect(server.ws()) as ws:
            await receive(ws)
            await ws.send('{"type": "ping"}')
            return await next_of(ws, "pong")

    assert asyncio.run(scenario())["type"] == "pong"


def stuck_client(server: Server) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(server.base_url.rsplit(":", 1)[1])))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    reply = b""
    while b"\r\n\r\n" not in reply:
        reply += sock.recv(1024)
    assert reply.startswith(b"HTTP/1.1 101"), reply[:100]
    return sock


def burst(seq: int) -> RiskUpdate:
    now = datetime.now(ZoneInfo("America/New_York"))
    return RiskUpdate(
        ts_event=now,
        ts_init=now,
        rule="ws_test_burst",
        event="trip",
        reason=f"{seq:08d}" + "x" * 4000,  # ~4 kB: the stuck socket's buffers fill sooner
        until=None,
        strategy=None,
        can_trade=True,
        risk_reason=None,
        daily_pnl_r=0.0,
        weekly_pnl_r=0.0,
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["server", "plain_server"])
def test_websocket_stuck_client_is_dropped_while_twenty_others_get_every_message(
    kind: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
):
    server: Server = request.getfixturevalue(kind)
    manager = server.state.manager
    engine = server.state.engine
    framed = kind == "server"
    caplog.set_level(logging.WARNING, logger="transmission.api.ws")
    received: list[list[int]] = [[] for _ in range(20)]

    async def read(ws: ClientConnection, mine: list[int]) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "risk_update" and message["risk"]["rule"] == "ws_test_burst":
                mine.append(int(message["risk"]["reason"][:8]))

    async def scenario() -> tuple[int, int]:
        fast = [await connect(server.ws(), max_size=None) for _ in range(20)]
        readers = [
            asyncio.create_task(read(ws, mine)) for ws, mine in zip(fast, received, strict=True)
        ]
        baseline, dropped_before = manager.client_count, manager.dropped
        stuck = stuck_client(server)
        await until(lambda: manager.client_count == baseline + 1)
        # Served as `transmission serve` does, every connection takes ready-made frames.
        assert {client.writer is not None for client in manager._clients} == {framed}
        bars_before = engine.status().bars_processed if engine else 0
        sent = 0
        # Events come in bursts of 50, as fast as the 20 readers take them, until the stuck
        # client's buffers and its bounded queue overflow; then 50 more after the drop.
        while manager.dropped == dropped_before:
            assert sent < 5000, "the stuck client was never dropped"
            sent = await publish_burst(sent)
        sent = await publish_burst(sent)
        bars_after = engine.status().bars_processed if engine else 1
        stuck.close()
        for ws in fast:
            await ws.close()
        await asyncio.gather(*readers)
        return sent, bars_after - bars_before

    async def publish_burst(sent: int) -> int:
        for seq in range(sent, sent + 50):
            manager.publish(burst(seq))
        sent += 50
        await until(lambda: all(len(mine) >= sent for mine in received), timeout=60)
        return sent

    sent, engine_bars = asyncio.run(scenario())
    assert all(mine == list(range(sent)) for mine in received)
    dropped = [m for r in caplog.records if "dropped websocket client" in (m := r.getMessage())]
    assert dropped and ("bytes unsent" if framed else "send queue full") in dropped[-1]
    assert engine_bars > 0  # the engine kept processing bars meanwhile


class StalledWebSocket:
    """Enough of a Starlette WebSocket for the manager: every send hangs until it is closed."""

    client = None
    scope: dict = {}  # noqa: RUF012 (read only)

    def __init__(self) -> None:
        self.application_state = WebSocketState.CONNECTED
        self.closed_with: tuple[int, str] | None = None
        self._closed = asyncio.Event()

    async def send_text(self, text: str) -> None:
        await asyncio.Event().wait()

    async def receive(self) -> dict:
        await self._closed.wait()
        return {"type": "websocket.disconnect"}

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)
        self.application_state = WebSocketState.DISCONNECTED
        self._closed.set()


def test_websocket_client_whose_send_stalls_is_dropped_and_closed(
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.WARNING, logger="transmission.api.ws")

    async def scenario() -> tuple[ConnectionManager, StalledWebSocket]:
        manager = ConnectionManager(send_timeout_s=0.2, ping_interval_s=0)
        manager.start(asyncio.get_running_loop())
        stalled = StalledWebSocket()
        serving = asyncio.create_task(manager.serve(stalled))  # type: ignore[arg-type]
        await until(lambda: manager.dropped == 1, timeout=30)
        await asyncio.wait_for(serving, 30)  # the close ends the connection
        await manager.close()
        return manager, stalled

    manager, stalled = asyncio.run(scenario())
    assert manager.client_count == 0
    assert stalled.closed_with == (1013, "too slow")
    assert any("a send stalled for 0.2 s" in r.getMessage() for r in caplog.records)


def payload(frame: bytes) -> dict:
    """The JSON of one unmasked server text frame (RFC 6455 5.2)."""
    assert frame[0] == 0x81, "a final text frame"
    length = frame[1] & 0x7F
    return json.loads(frame[{126: 4, 127: 10}.get(length, 2) :])


class StuckSocket:
    """A frame writer (what `FramedWebSocketProtocol` offers) whose socket never takes a byte."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def write_frame(self, frame: bytes) -> bool:
        self.frames.append(frame)
        return True

    def buffered(self) -> int:
        return sum(map(len, self.frames))


class StuckFramedWebSocket(StalledWebSocket):
    def __init__(self) -> None:
        super().__init__()
        self.writer = StuckSocket()
        self.scope = {"extensions": {FRAMES: {"writer": self.writer}}}


@pytest.mark.parametrize(
    "limits,says",
    [
        ({"send_timeout_s": 0.2}, "a send stalled for 0.2 s"),
        ({"buffer_bytes": 64}, "bytes unsent (at most 64)"),
    ],
)
def test_websocket_framed_client_whose_bytes_stay_unsent_is_dropped_and_closed(
    limits: dict, says: str, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.WARNING, logger="transmission.api.ws")

    async def scenario() -> tuple[ConnectionManager, StuckFramedWebSocket]:
        manager = ConnectionManager(ping_interval_s=0, **limits)
        manager.start(asyncio.get_running_loop())
        stuck = StuckFramedWebSocket()
        serving = asyncio.create_task(manager.serve(stuck))  # type: ignore[arg-type]
        await until(lambda: manager.dropped == 1, timeout=30)
        await asyncio.wait_for(serving, 30)
        await manager.close()
        return manager, stuck

    manager, stuck = asyncio.run(scenario())
    assert payload(stuck.writer.frames[0])["type"] == "connected"
    assert manager.client_count == 0
    assert stuck.closed_with == (1013, "too slow")
    assert any(says in r.getMessage() for r in caplog.records)


class LoopThread:
    """A manager serving on an event loop of its own thread, as under uvicorn."""

    def __init__(self, manager: ConnectionManager) -> None:
        self.loop = asyncio.new_event_loop()
        self.manager = manager
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.call(lambda: manager.start(self.loop))

    def call(self, fn):
        async def run():
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.manager.close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(30)


@contextmanager
def stuck_client_on_a_loop(manager: ConnectionManager) -> Iterator[StuckSocket]:
    """`manager` serving on a loop of its own thread, with one framed client connected."""
    served = LoopThread(manager)
    stuck = StuckFramedWebSocket()
    try:
        served.call(lambda: served.loop.create_task(manager.serve(stuck)))  # type: ignore[arg-type]
        deadline = time.monotonic() + 30
        while not stuck.writer.frames:  # its `connected` message
            assert time.monotonic() < deadline
            time.sleep(0.01)
        yield stuck.writer
    finally:
        served.close()


def test_publish_from_another_thread_returns_once_the_loop_has_written_the_event():
    # The engine's thread waits for the loop's write: it lets go of the GIL at once, and the
    # loop does not wait for the engine's next I/O call to send (the WebSocket latency).
    manager = ConnectionManager(ping_interval_s=0, handoff_timeout_s=30)
    with stuck_client_on_a_loop(manager) as socket_:
        for seq in range(20):
            manager.publish(burst(seq))
            assert len(socket_.frames) == seq + 2  # written before publish returned
        manager.publish_batch([burst(seq) for seq in range(20, 23)])
        assert len(socket_.frames) == 22  # a batch: one write of three frames
        written = socket_.frames[1:-1] + split_frames(socket_.frames[-1])
    assert [int(payload(frame)["risk"]["reason"][:8]) for frame in written] == list(range(23))


def split_frames(data: bytes) -> list[bytes]:
    """Server frames written back to back, one by one (RFC 6455 5.2, unmasked)."""
    frames = []
    while data:
        length, head = data[1] & 0x7F, 2
        if length == 126:
            length, head = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, head = int.from_bytes(data[2:10], "big"), 10
        frames.append(data[: head + length])
        data = data[head + length :]
    return frames


def test_publish_waits_no_longer_than_the_handoff_timeout_for_a_busy_loop():
    manager = ConnectionManager(ping_interval_s=0, handoff_timeout_s=0.05)
    with stuck_client_on_a_loop(manager) as socket_:
        loop = manager._loop
        assert loop is not None
        busy = threading.Event()
        loop.call_soon_threadsafe(busy.wait, 30)  # the loop is stuck in a callback
        started = time.monotonic()
        manager.publish(burst(0))
        waited = time.monotonic() - started
        assert len(socket_.frames) == 1  # not written yet: the loop is busy
        busy.set()
        deadline = time.monotonic() + 30
        while len(socket_.frames) < 2:  # written once the loop is free
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert waited < 10  # returned after the hand-off timeout, not when the loop was free


@pytest.mark.slow
def test_every_message_a_client_receives_validates_against_the_served_asyncapi_document(
    server: Server,
):
    import jsonschema

    with server.client() as http:
        document = http.get("/asyncapi.json").json()
    assert document["asyncapi"].startswith("3.") and document["channels"]["events"]["address"]
    schemas = {
        m["name"]: m["payload"]
        for key, m in document["components"]["messages"].items()
        if key.startswith("server_")
    }
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    received: list[dict] = []

    async def scenario() -> None:
        async with connect(server.ws()) as ws:
            await ws.send(json.dumps({"type": "ping", "data": {"n": 1}}))
            await ws.send('{"type": "subscribe"}')
            async with httpx.AsyncClient(base_url=server.base_url, headers=server.auth) as http:
                assert (await http.post("/api/system/halt")).status_code == 200
                assert (await http.post("/api/system/resume")).status_code == 200
            deadline = time.monotonic() + 240
            wanted = ENGINE_TYPES | {"connected", "pong", "error"}
            while not {m["type"] for m in received} >= wanted:
                assert time.monotonic() < deadline, sorted({m["type"] for m in received})
                received.append(await receive(ws, 60))

    asyncio.run(scenario())
    for message in received:
        jsonschema.validate(message, schemas[message["type"]])
    exits = [m for m in received if m["type"] == "trade_execution"]
    assert all(isinstance(m["trade"]["trade_id"], int) for m in exits)
