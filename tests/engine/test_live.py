"""The live engine: a paced replay and a followed file, in a background thread."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from transmission.config import load_config
from transmission.engine.events import Event
from transmission.engine.feeds import from_file, from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Journal
from transmission.journal.queries import quarantine_frame

pytestmark = pytest.mark.slow


def wait_for(condition: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_paced_replay_runs_to_completion_and_publishes_events(
    sample_path: Path, tmp_path: Path
) -> None:
    events: list[Event] = []
    with Journal(tmp_path / "live.duckdb") as journal:
        engine = LiveEngine(journal, load_config(), source=from_file(sample_path, "MNQ"), speed=1e9)
        engine.bus.subscribe(events.append)
        engine.start()
        assert engine.finished.wait(300)
        assert engine.error is None
        status = engine.status()
        assert status.bars_processed == 14714
        assert journal.run_status(engine.run_id) == "completed"
    types = {e.type for e in events}
    assert {"regime_change", "signal", "trade_execution", "risk_update"} <= types


def test_halt_from_another_thread_blocks_entries_and_is_journalled(
    sample_path: Path, tmp_path: Path
) -> None:
    with Journal(tmp_path / "halt.duckdb") as journal:
        engine = LiveEngine(journal, load_config(), source=from_file(sample_path, "MNQ"), speed=1e9)
        engine.halt("desk says stop")
        engine.start()
        assert engine.finished.wait(300)
        signals = journal.query(
            "SELECT decision, veto_reason FROM signals WHERE run_id = ?", [engine.run_id]
        )
        trips = journal.query(
            "SELECT rule, event FROM risk_events WHERE run_id = ?", [engine.run_id]
        )
    assert len(signals) > 0
    assert (signals["decision"] != "accepted").all()
    assert signals["veto_reason"].str.contains("manual halt: desk says stop").any()
    assert ("manual_halt", "trip") in set(map(tuple, trips.to_numpy()))


def test_followed_file_feeds_appended_bars_and_quarantines_a_bad_line(
    sample_path: Path, tmp_path: Path
) -> None:
    lines = sample_path.read_text().splitlines()
    followed = tmp_path / "feed.csv"
    followed.write_text(lines[0] + "\n")
    with Journal(tmp_path / "follow.duckdb") as journal:
        engine = LiveEngine(journal, load_config(), follow_path=followed)
        engine.start()
        with followed.open("a") as handle:
            for line in lines[1:301]:
                handle.write(line + "\n")
            handle.write("2023-11-20 00:00:00,1,0,2,1,5\n")  # high < low
            handle.flush()
        wait_for(lambda: engine.status().bars_processed >= 300)
        engine.stop()
        bad = quarantine_frame(journal)
        stored = journal.query("SELECT count(*) AS n FROM bars")["n"][0]
    assert engine.status().bars_processed == 300
    assert list(bad["reason"]) == ["high < low"]
    assert stored == 300


def test_live_engine_refuses_two_feeds_or_none(sample_path: Path, tmp_path: Path) -> None:
    with Journal(tmp_path / "x.duckdb") as journal:
        with pytest.raises(ValueError, match="exactly one"):
            LiveEngine(journal, load_config())
        with pytest.raises(ValueError, match="speed must be positive"):
            LiveEngine(journal, load_config(), source=from_file(sample_path, "MNQ"), speed=0)


def test_skip_to_open_runs_the_overnight_bars_unpaced_then_the_engine_resumes_there(
    tmp_path: Path,
) -> None:
    source = from_simulator(3, "MNQ", seed=5)
    with Journal(tmp_path / "live.duckdb") as journal:
        engine = LiveEngine(journal, load_config(), source=source, speed=1e9)
        skipped = engine.skip_to_open()
        checkpoint = journal.load_checkpoint(engine.run_id)
        assert skipped > 0 and checkpoint is not None
        assert checkpoint.bars_processed == skipped
        last = pd.Timestamp(checkpoint.last_bar_ns, tz="UTC").tz_convert("America/New_York")
        assert (last.hour, last.minute) == (8, 59)  # the next bar is 09:00, half an hour early
        assert engine.skip_to_open() == 0  # a run under way is never skipped again
        engine.start()
        assert engine.finished.wait(300)
        assert engine.error is None
        assert engine.status().bars_processed == len(source.bars)


def test_a_run_status_event_says_how_the_feed_ended(tmp_path: Path) -> None:
    from transmission.engine.events import RunStatus

    ended: list[Event] = []
    with Journal(tmp_path / "ended.duckdb") as journal:
        done = LiveEngine(journal, load_config(), source=from_simulator(1, "MNQ"), speed=1e9)
        done.bus.subscribe(lambda e: ended.append(e) if isinstance(e, RunStatus) else None)
        done.start()
        assert done.finished.wait(120)
        stopped = LiveEngine(journal, load_config(), source=from_simulator(2, "MNQ"), speed=1.0)
        stopped.bus.subscribe(lambda e: ended.append(e) if isinstance(e, RunStatus) else None)
        stopped.start()
        stopped.stop()
    assert [(e.run_id, e.payload()["status"]) for e in ended] == [
        (done.run_id, "completed"),
        (stopped.run_id, "stopped"),
    ]
    assert ended[0].to_message()["type"] == "run_status"
