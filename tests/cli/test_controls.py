"""Controls and the stale-feed watchdog of a served engine: real `transmission serve` processes
on a file the test writes and follows, killed with SIGKILL and restarted."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from transmission.engine.feeds import from_simulator
from transmission.market.calendar import EXCHANGE_TZ

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent
TOKEN = "test-token-for-the-controls-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bar_lines(days: int, until: str | None = None) -> list[str]:
    """Simulated bars as CSV lines (exchange time), up to `until` (HH:MM) of the last day."""
    bars = from_simulator(days, "MNQ").bars
    local = bars["ts"].dt.tz_convert(EXCHANGE_TZ)
    if until is not None:
        last_day = local.dt.date.iloc[-1]
        cut = (local.dt.date < last_day) | (local.dt.strftime("%H:%M") <= until)
        bars, local = bars[cut.to_numpy()], local[cut.to_numpy()]
    stamps = local.dt.strftime("%Y-%m-%d %H:%M:%S").tolist()
    return [
        f"{ts},{o},{h},{lo},{c},{v}"
        for ts, o, h, lo, c, v in zip(
            stamps, bars["open"], bars["high"], bars["low"], bars["close"], bars["volume"],
            strict=True,
        )
    ]  # fmt: skip


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str

    def get(self, path: str) -> dict[str, Any]:
        answer: dict[str, Any] = httpx.get(f"{self.url}{path}", timeout=10).json()
        return answer

    def post(self, path: str, **body: str) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=body, headers=AUTH, timeout=30)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except (httpx.TransportError, KeyError):
            pass
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start `transmission serve --feed follow` on the test's followed file; killed at the end."""
    started: list[subprocess.Popen[str]] = []
    port = free_port()

    def start(feed: Path, *, config: Path | None = None) -> Served:
        command = [
            str(BIN / "transmission"), "serve", "--feed", "follow", "--data", str(feed),
            "--db", str(tmp_path / "live.duckdb"), "--port", str(port),
        ]  # fmt: skip
        if config is not None:
            command += ["--config", str(config)]
        env = {**os.environ, "TRANSMISSION_API_TOKEN": TOKEN}
        log = (tmp_path / f"serve{len(started)}.log").open("w")
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        started.append(process)
        served = Served(process, f"http://127.0.0.1:{port}")
        wait_for(lambda: served.get("/api/system/health")["engine_running"], "serve started")
        return served

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def follow_file(tmp_path: Path, lines: list[str]) -> Path:
    feed = tmp_path / "feed.csv"
    feed.write_text("timestamp,open,high,low,close,volume\n" + "\n".join(lines) + "\n")
    return feed


def kill(served: Served) -> None:
    served.process.send_signal(signal.SIGKILL)
    served.process.wait(30)


def test_a_halt_sent_while_the_feed_is_idle_holds_after_sigkill_and_restart(
    tmp_path: Path, serving: Callable[..., Served]
) -> None:
    lines = bar_lines(2)
    feed = follow_file(tmp_path, lines)
    first = serving(feed)
    wait_for(lambda: first.get("/api/system/status")["bars_processed"] == len(lines), "fed")
    answer = first.post("/api/system/halt", reason="desk says stop")
    assert answer.status_code == 200 and answer.json()["status"]["system_state"] == "halted"
    kill(first)  # at once: no bar has come since the halt

    second = serving(feed)
    wait_for(lambda: second.get("/api/system/status")["bars_processed"] == len(lines), "resumed")
    status = second.get("/api/system/status")
    assert status["system_state"] == "halted" and status["can_trade"] is False
    assert "desk says stop" in (status["risk_reason"] or "")


def test_a_halt_sent_during_the_checkpoint_restore_is_not_undone(
    tmp_path: Path, serving: Callable[..., Served]
) -> None:
    lines = bar_lines(4)
    feed = follow_file(tmp_path, lines)
    first = serving(feed)
    wait_for(lambda: first.get("/api/system/status")["bars_processed"] == len(lines), "fed")
    kill(first)

    second = serving(feed)  # answers as soon as it serves: the restore is under way
    answer = second.post("/api/system/halt", reason="first second")
    assert answer.status_code == 200 and answer.json()["status"]["system_state"] == "halted"
    wait_for(lambda: second.get("/api/system/status")["bars_processed"] == len(lines), "restored")
    time.sleep(1.5)
    status = second.get("/api/system/status")
    assert status["system_state"] == "halted", "the restore undid the halt"
    assert "first second" in (status["risk_reason"] or "")


def test_reset_and_flatten_are_journalled_with_their_reasons(
    tmp_path: Path, serving: Callable[..., Served]
) -> None:
    lines = bar_lines(2)
    feed = follow_file(tmp_path, lines)
    served = serving(feed)
    wait_for(lambda: served.get("/api/system/status")["bars_processed"] == len(lines), "fed")
    reset = served.post("/api/system/reset", rule="drawdown", reason="new day, new peak")
    flatten = served.post("/api/system/flatten", reason="leaving the desk")
    bad = served.post("/api/system/reset", rule="daily_loss", reason="no such reset")
    unauthorised = httpx.post(f"{served.url}/api/system/flatten", json={}, timeout=10)
    assert reset.status_code == 200 and flatten.status_code == 200
    assert [reset.json()["control_seq"], flatten.json()["control_seq"]] == [1, 2]
    assert bad.status_code == 422 and unauthorised.status_code in (401, 403)
    served.process.send_signal(signal.SIGINT)
    served.process.wait(30)
    import duckdb

    with duckdb.connect(str(tmp_path / "live.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT action, rule, reason FROM controls ORDER BY seq").fetchall()
    assert rows == [
        ("reset", "drawdown", "new day, new peak"),
        ("flatten", None, "leaving the desk"),
    ]
