"""The journal recorder: the bus's events become journal rows, committed with a checkpoint."""

from __future__ import annotations

from pathlib import Path

from tests.engine.synthetic import bars, engine, feed
from transmission.engine.recorder import JournalRecorder
from transmission.journal import Checkpoint, Journal


def test_events_become_rows_only_when_flushed_with_their_checkpoint(tmp_path: Path) -> None:
    orchestrator, _ = engine([{"at": "09:00", "max_hold_minutes": 30}, {"at": "09:40"}])
    with Journal(tmp_path / "journal.duckdb") as journal:
        journal.start_run("test", "backtest", "MNQ", "synthetic", {})
        recorder = JournalRecorder(journal, "test")
        orchestrator.bus.subscribe(recorder)
        feed(orchestrator, bars("05:00", "10:00"))
        assert recorder.batch.has_events
        assert journal.query("SELECT count(*) AS n FROM signals")["n"].item() == 0
        recorder.flush(Checkpoint("test", orchestrator.last_bar_ns, 300, {"seq": recorder.seq}))
        counts = {
            table: journal.query(f"SELECT count(*) AS n FROM {table}")["n"].item()
            for table in ("signals", "trades", "regime_changes")
        }
        assert counts == {"signals": 2, "trades": 1, "regime_changes": 1}
        trade = journal.query("SELECT exit_reason, trade_id FROM trades").iloc[0]
        assert trade["exit_reason"] == "time_stop" and trade["trade_id"] == "test-T000001"
        assert journal.load_checkpoint("test").last_bar_ns == orchestrator.last_bar_ns  # type: ignore[union-attr]
        assert not recorder.batch.has_events


def test_sequence_numbers_go_on_after_a_restore() -> None:
    recorder = JournalRecorder(Journal(":memory:"), "test")
    recorder.restore({"regime": 7, "risk": 3})
    assert recorder.state_dict() == {"regime": 7, "risk": 3}
