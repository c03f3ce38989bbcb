"""`transmission serve` restarted as a trader would: real processes on a real journal."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(db: Path, port: int, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TRANSMISSION_SIMULATE_DAYS": "3", "TRANSMISSION_SAMPLE": ""}
    env.pop("TRANSMISSION_API_TOKEN", None)
    command = [str(BIN / "transmission"), "serve", "--db", str(db), "--port", str(port), *args]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def wait_until_finished(process: subprocess.Popen[str], port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the replay did not finish in time"
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/api/system/health", timeout=5).json()
            if health["engine_finished"]:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)


def stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=60)


def runs_and_trades(db: Path) -> list[tuple[str, str, int]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "SELECT r.run_id, r.status, count(t.trade_id) FROM runs r "
            "LEFT JOIN trades t USING (run_id) "
            "GROUP BY r.run_id, r.status, r.started_at ORDER BY r.started_at"
        ).fetchall()


@pytest.mark.slow
def test_serving_again_after_a_finished_replay_keeps_its_trades_and_opens_a_new_run(
    tmp_path: Path,
) -> None:
    db = tmp_path / "serve.duckdb"
    port = free_port()
    first = serve(db, port, "--speed", "1000000")
    wait_until_finished(first, port)
    stop(first)
    [(run_id, status, trades)] = runs_and_trades(db)
    assert status == "completed" and trades > 0

    second = serve(db, port, "--speed", "1000000")
    wait_until_finished(second, port)
    stop(second)
    runs = runs_and_trades(db)
    assert runs[0] == (run_id, "completed", trades), "the finished replay lost its trades"
    assert len(runs) == 2 and runs[1][0] != run_id and runs[1][1] == "completed"
    assert runs[1][2] == trades, "the same feed replayed trades the same"


def test_a_taken_port_exits_2_before_any_run_is_written(tmp_path: Path) -> None:
    db = tmp_path / "taken.duckdb"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = serve(db, port, "--speed", "1000000")
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 2, stderr
    said = " ".join(stderr.split())
    assert f"127.0.0.1:{port}" in said and "in use" in said
    if db.exists():
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT count(*) FROM runs").fetchone() == (0,)
