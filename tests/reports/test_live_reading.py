"""A report run while an engine in another process holds the journal open for writing."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from transmission.journal import snapshot_path

from .conftest import invoke

ENGINE = """
import sys, time
from transmission.config import load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Journal

journal = Journal(sys.argv[1])
source = from_simulator(3, "MNQ", seed=3)
# Checkpoints (and so snapshots) every 20 bars rather than 500: the test need not wait long.
engine = LiveEngine(journal, load_config(), source=source, speed=600, flush_every_bars=20)
engine.start()
while not engine.finished.is_set():
    print("bars", engine.status().bars_processed, flush=True)
    time.sleep(0.2)
print("finished", repr(engine.error), flush=True)
"""


class EngineProcess:
    """A LiveEngine in a child process, reporting its bar count on stdout."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ENGINE, str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.strip())

    @property
    def bars(self) -> int:
        counts = [int(line.split()[1]) for line in self.lines if line.startswith("bars ")]
        return counts[-1] if counts else 0

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def wait_for(condition: Callable[[], bool], what: str, timeout_s: float = 120.0) -> None:
    """Poll until `condition` holds; a generous limit only turns a hang into a failure."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def engine(report_db: Path, tmp_path: Path) -> Iterator[tuple[Path, EngineProcess]]:
    db = tmp_path / "live.duckdb"
    shutil.copy(report_db, db)
    child = EngineProcess(db)
    try:
        yield db, child
    finally:
        child.stop()


@pytest.mark.slow
def test_daily_report_while_an_engine_writes_reads_its_snapshot_and_does_not_block_it(
    engine: tuple[Path, EngineProcess], tmp_path: Path
) -> None:
    db, child = engine
    wait_for(lambda: snapshot_path(db).exists() and child.bars > 0, "the engine's first snapshot")
    code, output = invoke("report", "daily", "--db", str(db), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert "from run live-" in output and "(the engine's snapshot)" in output
    html = next((tmp_path / "out" / "daily").glob("*.html")).read_text()
    assert "read from the engine&#x27;s published snapshot" in html or (
        "read from the engine's published snapshot" in html
    )
    after_report = child.bars
    wait_for(lambda: child.bars > after_report, "the engine to process more bars")
    assert child.process.poll() is None, child.lines[-3:]
    assert not any(line.startswith("finished") for line in child.lines)
