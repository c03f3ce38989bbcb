"""The journal: versioned schema, transactional idempotent writes, readers beside a writer."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from transmission.journal import (
    Checkpoint,
    Journal,
    JournalBatch,
    JournalBusyError,
    JournalError,
    open_reader,
    snapshot_path,
)
from transmission.journal.schema import SCHEMA_VERSION

T0 = 1_700_000_000 * 1_000_000_000


def trade_row(trade_id: str, result_r: float = 1.0) -> tuple[object, ...]:
    return (
        trade_id,
        "run",
        "sig",
        "MNQ",
        "Long",
        "s",
        "TREND",
        "2023-11-20",
        T0,
        T0 + 60_000_000_000,
        100.0,
        101.0,
        99.0,
        102.0,
        1,
        2.0,
        1.7,
        2.0 * result_r,
        result_r,
        "target",
    )


def test_new_journal_is_migrated_to_the_current_version(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        assert journal.schema_version == SCHEMA_VERSION
        tables = set(
            journal.query("SELECT table_name FROM information_schema.tables")["table_name"]
        )
    expected = {
        "bars",
        "quarantine",
        "runs",
        "signals",
        "trades",
        "regime_changes",
        "risk_events",
        "engine_state",
        "schema_version",
    }
    assert expected <= tables


def test_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.duckdb"
    Journal(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (?, now())", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(JournalError, match="newer than this"):
        Journal(path)


def test_a_trade_is_written_once_whatever_the_number_of_writes(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        for _ in range(3):
            batch = JournalBatch()
            batch.add("trades", trade_row("run-T1"))
            journal.write_batch(batch)
        assert journal.query("SELECT count(*) AS n FROM trades")["n"][0] == 1


def test_a_failing_batch_writes_nothing(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        batch = JournalBatch()
        batch.add("trades", trade_row("run-T1"))
        batch.add("regime_changes", ("run", 1, T0, "MNQ", None, None, None, None))  # NOT NULL
        with pytest.raises(duckdb.Error):
            journal.write_batch(batch)
        assert journal.query("SELECT count(*) AS n FROM trades")["n"][0] == 0


def test_checkpoint_round_trips_with_its_batch(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        journal.start_run("run", "backtest", "MNQ", "d", {"a": 1})
        journal.write_batch(JournalBatch(), Checkpoint("run", T0, 42, {"x": [1, 2]}))
        loaded = journal.load_checkpoint("run")
    assert loaded == Checkpoint("run", T0, 42, {"x": [1, 2]})


def test_threads_write_and_read_through_their_own_cursors(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with Journal(tmp_path / "j.duckdb") as journal:

        def write(n: int) -> None:
            try:
                for i in range(20):
                    batch = JournalBatch()
                    batch.add("trades", trade_row(f"run-T{n}-{i}"))
                    journal.write_batch(batch)
                    journal.query("SELECT count(*) FROM trades")
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert journal.query("SELECT count(*) AS n FROM trades")["n"][0] == 80


def test_insert_bars_twice_stores_each_bar_once(tmp_path: Path) -> None:
    bars = pd.DataFrame(
        {
            "ts": pd.date_range("2023-11-20 09:30", periods=5, freq="min", tz="America/New_York"),
            "open": 1.0,
            "high": 2.0,
            "low": 0.5,
            "close": 1.5,
            "volume": 10.0,
        }
    )
    with Journal(tmp_path / "j.duckdb") as journal:
        assert journal.insert_bars("d", "NQ", bars) == (5, 0)
        assert journal.insert_bars("d", "NQ", bars) == (0, 5)


WRITER = """
import sys, time
from transmission.journal import Journal, JournalBatch
journal = Journal(sys.argv[1])
journal.start_run("run", "live", "MNQ", "d", {})
journal.publish_snapshot()
print("ready", flush=True)
i = 0
while True:
    batch = JournalBatch()
    batch.add("risk_events", ("run", i, 1_700_000_000_000_000_000, "r", "trip", "x", None, None))
    journal.write_batch(batch)
    i += 1
    if i % 50 == 0:
        journal.publish_snapshot()
    time.sleep(0.005)
"""


@pytest.mark.slow
def test_a_reader_in_another_process_gets_the_snapshot_and_never_blocks_the_writer(
    tmp_path: Path,
) -> None:
    path = tmp_path / "live.duckdb"
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER))
    writer = subprocess.Popen(
        [sys.executable, str(script), str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        seen = []
        for _ in range(5):
            with open_reader(path) as reader:
                assert reader.is_snapshot
                seen.append(reader.query("SELECT count(*) AS n FROM risk_events")["n"][0])
        assert writer.poll() is None  # the writer is still running
        with pytest.raises(JournalBusyError):
            Journal(path, read_only=True)
    finally:
        writer.kill()
        writer.wait()
    assert snapshot_path(path).exists()
    with open_reader(path) as reader:  # writer gone: the live file itself is read
        assert not reader.is_snapshot
        assert reader.query("SELECT count(*) AS n FROM risk_events")["n"][0] >= max(seen)


def test_open_reader_names_a_missing_journal(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no journal at"):
        open_reader(tmp_path / "missing.duckdb")
