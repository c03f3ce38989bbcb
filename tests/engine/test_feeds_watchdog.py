"""The stale-feed watchdog of a live engine on a real followed file that goes silent in RTH."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_controls import bar_lines, follow_file
from transmission.config import load_config
from transmission.engine.events import Event, RiskUpdate
from transmission.engine.live import LiveEngine
from transmission.journal import Journal

pytestmark = pytest.mark.slow


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def stale_tripped(engine: LiveEngine) -> bool:
    return next(s for s in engine.risk_statuses() if s.rule == "stale_feed").tripped


def test_a_feed_silent_during_rth_trips_stale_feed_and_clears_when_bars_come_back(
    tmp_path: Path,
) -> None:
    # 2 market minutes without a bar is stale; the followed file's clock runs 60x, so the
    # watchdog trips 2 s after the last bar (10:30 ET, in RTH).
    config = load_config().model_copy(
        update={"session": load_config().session.model_copy(update={"stale_after_minutes": 2})}
    )
    lines = bar_lines(1, until="10:30")
    more = [line for line in bar_lines(2) if line > lines[-1]][:15]
    feed = follow_file(tmp_path, lines)
    events: list[Event] = []
    with Journal(tmp_path / "stale.duckdb") as journal:
        engine = LiveEngine(journal, config, follow_path=feed, follow_pace=60)
        engine.bus.subscribe(events.append)
        engine.start()
        try:
            wait_for(lambda: engine.status().bars_processed == len(lines), "fed")
            assert not stale_tripped(engine) and engine.stale_since is None
            wait_for(lambda: stale_tripped(engine), "stale_feed tripped")
            status = engine.status()
            assert status.can_trade is False and status.risk_reason == "stale feed"
            assert engine.stale_since is not None
            assert engine.stale_since.strftime("%Y-%m-%d %H:%M") == lines[-1][:16]
            trips = [e for e in events if isinstance(e, RiskUpdate) and e.rule == "stale_feed"]
            assert [e.event for e in trips] == ["trip"]
            journalled = journal.query(
                "SELECT event FROM risk_events WHERE run_id = ? AND rule = 'stale_feed'",
                [engine.run_id],
            )
            assert journalled["event"].tolist() == ["trip"], "journalled when it tripped"

            with feed.open("a") as handle:
                handle.write("\n".join(more) + "\n")
            wait_for(lambda: not stale_tripped(engine), "stale_feed cleared")
            assert engine.stale_since is None and engine.status().can_trade
        finally:
            engine.stop()
