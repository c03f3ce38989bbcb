"""RemoteFeed against a real `transmission serve` app under uvicorn on a free loopback port:
REST snapshot, WebSocket events, halt and resume by POST, and what a wrong token or a dead
address looks like on screen."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from transmission.api.main import create_app
from transmission.config import load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal
from transmission.settings import Settings
from transmission.widgets import Dashboard, RemoteFeed
from transmission.widgets.remote import websocket_url
from transmission.widgets.state import SIGNALS_KEPT

pytestmark = pytest.mark.slow
TOKEN = "widgets-test-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate: Callable[[], Any], timeout: float = 90.0) -> Any:
    """Poll until `predicate()` is truthy; fail with the timeout (a bound, not a speed test)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"condition not met within {timeout} s")
        time.sleep(0.1)
    return value


@contextlib.contextmanager
def served(settings: Settings) -> Iterator[str]:
    """`transmission serve`'s app under uvicorn on a free loopback port, for the block: its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), timeout=120)
        assert server.started, "the API did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture(scope="module")
def api_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API with its engine replaying the simulator at 2000x: a few minutes of replay, so
    the engine still runs (and can be halted) while these tests watch it."""
    settings = Settings(
        db=tmp_path_factory.mktemp("remote") / "served.duckdb",
        feed="replay",
        simulate_days=5,
        seed=7,
        speed=2000.0,
        api_token=TOKEN,
        rate_limit_per_minute=10_000,
    )
    with served(settings) as url:
        yield url


@pytest.fixture
def board(api_url: str) -> Iterator[Dashboard]:
    dashboard = Dashboard(RemoteFeed(api_url, TOKEN, history=100)).start(0.05)
    yield dashboard
    dashboard.close()


def get(url: str, path: str) -> dict[str, Any]:
    response = httpx.get(f"{url}{path}", timeout=30)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def test_snapshot_then_events_reach_the_widgets(board: Dashboard, api_url: str) -> None:
    wait_for(lambda: board.state.connection == "connected")
    status = get(api_url, "/api/system/status")
    assert board.state.run_id == status["run_id"]
    risk = get(api_url, "/api/system/risk")
    assert len(board.state.tripwires) == len(risk["tripwires"])
    wait_for(lambda: board.state.counts["regime_change"] > 0)
    wait_for(lambda: board.badge.regime == board.state.regime != "unknown")
    assert board.state.counts["connected"] == 1


def test_status_polls_keep_the_bar_count_moving(board: Dashboard) -> None:
    first = wait_for(lambda: board.state.bars_processed)
    wait_for(lambda: board.state.bars_processed > first)
    wait_for(lambda: f"{board.state.bars_processed:,} bars" in board.status_line.value)


def test_trades_catch_up_with_the_api(board: Dashboard, api_url: str) -> None:
    def caught_up() -> bool:
        recent = get(api_url, f"/api/trades/recent/{board.trades.rows}")
        ids = {t["trade_id"] for t in recent["trades"]}
        return ids <= set(board.state.trades) and board.state.trades_total >= recent["total"]

    wait_for(caught_up)


def test_halt_and_resume_buttons_post_to_the_api(board: Dashboard, api_url: str) -> None:
    wait_for(lambda: board.state.connection == "connected")
    board.halt_reason.value = "remote test halt"
    board.halt_button.click()
    wait_for(lambda: get(api_url, "/api/system/status")["system_state"] == "halted")
    wait_for(lambda: "(halted)" in board.risk.status.value)
    board.resume_button.click()
    wait_for(lambda: get(api_url, "/api/system/status")["system_state"] != "halted")
    wait_for(lambda: "(halted)" not in board.risk.status.value)


def test_a_wrong_token_is_reported_on_screen(api_url: str) -> None:
    dashboard = Dashboard(RemoteFeed(api_url, "wrong-token", history=10)).start(0.05)
    try:
        wait_for(lambda: "refused the API token" in dashboard.notice.value)
        assert dashboard.state.connection in ("disconnected", "connecting")
        dashboard.halt_button.click()
        wait_for(lambda: "401" in dashboard.notice.value)
    finally:
        dashboard.close()


def test_a_dead_address_is_reported_on_screen() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    dashboard = Dashboard(RemoteFeed(dead, TOKEN)).start(0.05)
    try:
        wait_for(lambda: "cannot reach" in dashboard.notice.value)
    finally:
        dashboard.close()


@pytest.mark.parametrize("url", ["127.0.0.1:8000", "ftp://host", "http://"])
def test_remote_feed_refuses_a_url_that_is_not_http(url: str) -> None:
    with pytest.raises(ValueError, match="url must look like"):
        RemoteFeed(url)


def test_websocket_url_carries_the_token_and_the_scheme() -> None:
    assert websocket_url("http://h:1/", "a b") == "ws://h:1/ws?token=a+b"
    assert websocket_url("https://h", None) == "wss://h/ws"


def test_the_chart_reads_the_api_s_candles_and_the_signals_come_over_the_socket(
    board: Dashboard,
) -> None:
    wait_for(lambda: "5-min candles" in board.chart.trace_names)
    assert "VWAP" in board.chart.trace_names
    candles = next(t for t in board.chart.figure.data if t.type == "candlestick")
    assert 0 < len(candles.x) <= 6 * 12
    # The table, not the state: the state is folded before the flush redraws the components.
    wait_for(lambda: board.state.recent_signals())
    wait_for(lambda: 'class="tm-signal"' in board.signals.table.value)


def test_a_finished_runs_signals_show_at_once_though_no_event_will_come(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # A server reading a journal (`--feed none`): nothing comes over the socket, so the signal
    # table must start from GET /api/signals (it stayed empty before that route).
    db = tmp_path_factory.mktemp("finished") / "finished.duckdb"
    with Journal(db) as journal:
        run_source(journal, from_simulator(3, "MNQ", seed=11), load_config())
        vetoed = journal.query("SELECT count(*) AS n FROM signals WHERE decision = 'vetoed'")
    settings = Settings(db=db, feed="none", api_token=TOKEN, rate_limit_per_minute=10_000)
    with served(settings) as url:
        dashboard = Dashboard(RemoteFeed(url, TOKEN)).start(0.05)
        try:
            wait_for(lambda: 'class="tm-signal"' in dashboard.signals.table.value, timeout=30)
            shown = dashboard.signals.table.value.count('class="tm-signal"')
            assert shown == min(SIGNALS_KEPT, len(dashboard.state.signals)) > 0
            if int(vetoed["n"].iloc[0]):
                assert "vetoed" in dashboard.signals.table.value
        finally:
            dashboard.close()
