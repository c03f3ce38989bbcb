"""A real uvicorn server on a free loopback port, with a LiveEngine replaying the simulator fast.

The journal is built once per session: a backtest of the real NQ sample (the simulator when the
sample is absent outside CI), which gives the trade routes known trades; the server's engine
then runs a paced replay of the simulator in the same journal, so WebSocket clients receive real
engine events while the tests run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.samples import SAMPLE
from transmission.api.main import UVICORN_OPTIONS, create_app
from transmission.api.state import AppState
from transmission.config import load_config
from transmission.engine.feeds import from_file, from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal
from transmission.settings import Settings

TOKEN = "test-token-0123456789"
ENGINE_SPEED = 6000.0  # a market minute every 10 ms: a simulated day in ~14 s


@dataclass
class Server:
    base_url: str
    ws_url: str
    token: str
    app: FastAPI

    @property
    def state(self) -> AppState:
        state: AppState = self.app.state.transmission
        return state

    def client(self, **kwargs: Any) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=30, **kwargs)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def ws(self, token: str | None = None) -> str:
        return f"{self.ws_url}?token={token or self.token}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI, port: int, *, options: dict[str, Any] | None = None) -> Iterator[Server]:
    """Run `app` under uvicorn in a thread until the block ends.

    `options` are uvicorn's; by default `UVICORN_OPTIONS`, as `transmission serve` runs it.
    """
    options = UVICORN_OPTIONS if options is None else options
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", **options
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the test server on port {port} did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}/ws", TOKEN, app)
    finally:
        server.should_exit = True
        thread.join(30)


@dataclass(frozen=True)
class BacktestJournal:
    path: Path  # the live server's journal (its engine writes here too)
    copy: Path  # the backtest alone, for servers that only read (`--feed none`)
    run_id: str
    trades: int


@pytest.fixture(scope="session")
def backtest_journal(tmp_path_factory: pytest.TempPathFactory) -> BacktestJournal:
    """A journal with one completed backtest: the real NQ sample (or 6 simulated days)."""
    if SAMPLE.exists():
        source = from_file(SAMPLE, "MNQ")
    elif os.environ.get("CI") == "true":
        pytest.fail(f"the shared NQ sample is missing at {SAMPLE}")
    else:
        source = from_simulator(6, "MNQ", seed=11)
    path = tmp_path_factory.mktemp("api") / "api.duckdb"
    with Journal(path) as journal:
        summary = run_source(journal, source, load_config())
        trades = journal.query("SELECT count(*) AS n FROM trades")["n"].iloc[0]
    # DuckDB allows one configuration per file in a process: read-only servers get a copy.
    copy = shutil.copy(path, path.with_name("copy.duckdb"))
    return BacktestJournal(path, Path(copy), summary.run_id, int(trades))


@pytest.fixture(scope="session")
def server(backtest_journal: BacktestJournal) -> Iterator[Server]:
    """The API with a LiveEngine on the simulator at ENGINE_SPEED, token TOKEN."""
    port = free_port()
    settings = Settings(
        port=port,
        db=backtest_journal.path,
        feed="replay",
        data=None,
        simulate_days=20,
        seed=7,
        speed=ENGINE_SPEED,
        api_token=TOKEN,
        rate_limit_per_minute=100_000,
    )
    app = create_app(settings, ping_interval_s=1.0)
    with serving(app, port) as running:
        yield running
