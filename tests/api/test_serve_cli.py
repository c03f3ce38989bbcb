"""The three ways to run the API (and `transmission serve`), as real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.api.conftest import BacktestJournal, free_port
from transmission.cli import app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def launch(
    kind: str, db: Path, port: int, env: dict[str, str] | None = None, stdout: int | None = None
) -> subprocess.Popen[str]:
    env = {**os.environ, "TRANSMISSION_DB": str(db), "TRANSMISSION_FEED": "none", **(env or {})}
    env.pop("TRANSMISSION_PORT", None)
    if kind in ("run_api.py", "run_server"):  # these take the port from the environment only
        env["TRANSMISSION_PORT"] = str(port)
    env.setdefault("TRANSMISSION_API_TOKEN", "")
    if not env["TRANSMISSION_API_TOKEN"]:
        env.pop("TRANSMISSION_API_TOKEN")
    command = {
        "serve": [str(BIN / "transmission"), "serve", "--port", str(port)],
        "run_api.py": [sys.executable, "run_api.py"],
        "run_server": [
            sys.executable,
            "-c",
            "from transmission.api.main import run_server; run_server()",
        ],
        "uvicorn": [
            str(BIN / "uvicorn"),
            "transmission.api.main:app",
            "--port",
            str(port),
            # As the README gives it: the flags `UVICORN_OPTIONS` sets for the other launchers.
            "--ws",
            "transmission.api.ws.frames:FramedWebSocketProtocol",
            "--ws-per-message-deflate",
            "false",
            "--ws-max-size",
            "65536",
        ],
    }[kind]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        text=True,
    )


def wait_until_serving(process: subprocess.Popen[str], port: int) -> httpx.Response:
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the server did not answer within 60 s"
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/system/status", timeout=5)
        except httpx.TransportError:
            time.sleep(0.2)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["serve", "run_api.py", "uvicorn", "run_server"])
def test_each_launcher_serves_the_journal_and_prints_its_real_port_and_a_generated_token(
    kind: str, backtest_journal: BacktestJournal
):
    port = free_port()
    process = launch(kind, backtest_journal.copy, port)
    try:
        status = wait_until_serving(process, port)
        assert status.status_code == 200 and status.json()["source"] == "journal"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    token_line = next(line for line in stderr.splitlines() if "token:" in line)
    assert "generated for this run" in token_line and len(token_line.split()[1]) >= 24
    # `uvicorn ... --port P` announced port 8000 (the settings') before.
    assert f"http://127.0.0.1:{port}/docs" in stderr, stderr


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["serve", "run_api.py", "uvicorn", "run_server"])
def test_each_launcher_with_a_bad_setting_exits_2_naming_it(kind: str, tmp_path: Path):
    process = launch(kind, tmp_path / "j.duckdb", free_port(), {"TRANSMISSION_SPEED": "0"})
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    assert "TRANSMISSION_SPEED" in stderr and "Traceback" not in stderr, stderr


@pytest.mark.slow
def test_no_log_line_shows_the_token_sent_in_a_query(backtest_journal: BacktestJournal):
    from websockets.sync.client import connect

    port, token = free_port(), "secret-token-0123456789abcdef"
    process = launch(
        "uvicorn",
        backtest_journal.copy,
        port,
        {"TRANSMISSION_API_TOKEN": token},
        stdout=subprocess.PIPE,
    )
    try:
        wait_until_serving(process, port)
        got = httpx.get(f"http://127.0.0.1:{port}/api/trades", params={"token": token})
        with connect(f"ws://127.0.0.1:{port}/ws?token={token}") as ws:
            ws.recv(timeout=10)
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    assert got.status_code == 200
    logged = stdout + stderr
    assert "/api/trades?token=***" in logged and "/ws?token=***" in logged, logged
    assert token not in logged, logged


@pytest.mark.parametrize(
    "args,says",
    [
        (["--feed", "follow"], "the follow feed needs a file to follow"),
        (["--feed", "replay", "--data", "/no/such/bars.csv"], "does not exist"),
        (["--feed", "none", "--db", "/no/such/journal.duckdb"], "no journal at"),
        (["--host", "0.0.0.0", "--feed", "none"], "refusing to serve on 0.0.0.0"),
        (["--port", "70000"], "TRANSMISSION_PORT"),
    ],
)
def test_serve_with_bad_settings_exits_2_saying_what_is_wrong(args, says, monkeypatch):
    monkeypatch.delenv("TRANSMISSION_API_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())
