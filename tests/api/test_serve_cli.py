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


def launch(kind: str, db: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TRANSMISSION_DB": str(db), "TRANSMISSION_FEED": "none"}
    env["TRANSMISSION_PORT"] = str(port)
    env.pop("TRANSMISSION_API_TOKEN", None)
    command = {
        "serve": [str(BIN / "transmission"), "serve", "--port", str(port)],
        "run_api.py": [sys.executable, "run_api.py"],
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
        ],
    }[kind]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["serve", "run_api.py", "uvicorn"])
def test_each_launcher_serves_the_journal_and_prints_a_generated_token(
    kind: str, backtest_journal: BacktestJournal
):
    port = free_port()
    process = launch(kind, backtest_journal.copy, port)
    try:
        status = None
        deadline = time.monotonic() + 60
        while status is None:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            try:
                status = httpx.get(f"http://127.0.0.1:{port}/api/system/status", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
        assert status.status_code == 200 and status.json()["source"] == "journal"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0
    token_line = next(line for line in stderr.splitlines() if "token:" in line)
    assert "generated for this run" in token_line and len(token_line.split()[1]) >= 24


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
