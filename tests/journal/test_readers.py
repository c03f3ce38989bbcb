"""One writer, many readers: real processes, a real full disk, a real server reading a journal."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from transmission.config import JournalConfig, load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Checkpoint, Journal, JournalBatch, snapshot_path

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def journal_with_run(path: Path, run_id: str) -> None:
    with Journal(path) as journal:
        journal.start_run(run_id, "backtest", "MNQ", "d", {})
        journal.write_batch(JournalBatch(), Checkpoint(run_id, None, 0, {}))
        journal.finish_run(run_id)


@pytest.fixture
def serving_reader(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """`transmission serve --feed none` on a journal, answering; yields (journal, base url)."""
    db = tmp_path / "served.duckdb"
    journal_with_run(db, "first")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TRANSMISSION_API_TOKEN"}
    process = subprocess.Popen(
        [str(BIN / "transmission"), "serve", "--feed", "none", "--db", str(db), "--port",
         str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        assert time.monotonic() < deadline, "the reader did not answer"
        try:
            if httpx.get(f"{url}/api/system/health", timeout=5).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    try:
        yield db, url
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


@pytest.mark.slow
def test_a_serving_reader_never_stops_an_engine_opening_the_journal_and_sees_its_rows(
    serving_reader: tuple[Path, str],
) -> None:
    db, url = serving_reader
    assert httpx.get(f"{url}/api/system/health").json()["run_id"] == "first"
    with Journal(db, lock_wait_s=0) as writer:  # what an engine or a backtest does first
        writer.start_run("second", "backtest", "MNQ", "d", {})
        writer.write_batch(JournalBatch(), Checkpoint("second", None, 0, {}))
        writer.finish_run("second")
    deadline = time.monotonic() + 20
    while httpx.get(f"{url}/api/system/health").json()["run_id"] != "second":
        assert time.monotonic() < deadline, "the reader never saw the writer's run"
        time.sleep(0.3)


def test_snapshot_files_left_by_a_killed_process_are_removed_when_a_writer_opens(
    tmp_path: Path,
) -> None:
    db = tmp_path / "j.duckdb"
    journal_with_run(db, "r")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    snap = snapshot_path(db)
    left = [snap.with_name(f"{snap.name}.{dead.pid}.tmp"),
            snap.with_name(f"{snap.name}.{dead.pid}.tmp.wal")]  # fmt: skip
    busy = snap.with_name(f"{snap.name}.{alive.pid}.tmp")
    try:
        for path in (*left, busy):
            path.write_bytes(b"partial copy")
        Journal(db).close()
        assert not any(path.exists() for path in left)
        assert busy.exists(), "another process's copy in progress was removed"
    finally:
        alive.kill()
        alive.wait()


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 9 MB filesystem: room for a 3-day journal (~5 MB), not for a snapshot of it too."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a tiny tmpfs needs root")
    folder = tmp_path / "tiny"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=9m", "tmpfs", str(folder)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


@pytest.mark.slow
def test_a_full_disk_during_a_snapshot_never_stops_the_engine(tiny_disk: Path) -> None:
    config = load_config()
    config = config.model_copy(update={"journal": JournalConfig(snapshot_every_seconds=0.2)})
    with Journal(tiny_disk / "live.duckdb") as journal:
        engine = LiveEngine(journal, config, source=from_simulator(3, "MNQ"), speed=1e9)
        engine.start()
        assert engine.finished.wait(300)
        assert engine.error is None, engine.error
        assert engine.outcome == "completed"
        assert journal.run_status(engine.run_id) == "completed"
        bars = engine.status().bars_processed
    assert bars > 3000
    assert not list(tiny_disk.glob("*.tmp*")), "a failed snapshot left its partial copy"
