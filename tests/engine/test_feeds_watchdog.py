"""The stale-feed watchdog of a live engine on a real followed file that goes silent in RTH."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cli.test_controls import bar_lines, follow_file
from transmission.config import EngineConfig, load_config
from transmission.engine.events import Event, RiskUpdate
from transmission.engine.feeds import from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Journal
from transmission.market.calendar import EXCHANGE_TZ

pytestmark = pytest.mark.slow


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def stale_after(minutes: float) -> EngineConfig:
    """The default config with the feed stale after `minutes` of RTH without a bar."""
    config = load_config()
    session = config.session.model_copy(update={"stale_after_minutes": minutes})
    return config.model_copy(update={"session": session})


def stale_tripped(engine: LiveEngine) -> bool:
    return next(s for s in engine.risk_statuses() if s.rule == "stale_feed").tripped


def test_a_feed_silent_during_rth_trips_stale_feed_and_clears_when_bars_come_back(
    tmp_path: Path,
) -> None:
    # 2 market minutes without a bar is stale; the followed file's clock runs 60x, so the
    # watchdog trips 2 s after the last bar (10:30 ET, in RTH).
    config = stale_after(2)
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


def test_a_paced_replay_silent_in_rth_trips_stale_feed_while_it_waits_then_clears(
    tmp_path: Path,
) -> None:
    # The simulator's first day with 20 minutes cut out at 10:00 ET: at 600x the feed sleeps 2 s
    # for the gap (its cap), and the engine's clock runs through it, so the watchdog trips
    # (stale after 2 market minutes) before the bar after the gap comes, not with it.
    config = stale_after(2)
    source = from_simulator(1, "MNQ")
    local = source.bars["ts"].dt.tz_convert(EXCHANGE_TZ)
    hhmm = local.dt.strftime("%H:%M")
    first_day = local.dt.date == local[hhmm == "09:30"].dt.date.iloc[0]
    gap = (first_day & (hhmm >= "10:00") & (hhmm < "10:20")).to_numpy()
    bars = source.bars[~gap].reset_index(drop=True)
    source = replace(source, bars=bars, dataset="gapped")
    before_gap = local[~gap][first_day[~gap] & (hhmm[~gap] < "10:00")].iloc[-1]
    events: list[Event] = []
    with Journal(tmp_path / "paced.duckdb") as journal:
        engine = LiveEngine(journal, config, source=source, speed=600)
        skipped = engine.skip_to_open()
        assert skipped > 0
        engine.bus.subscribe(events.append)
        engine.start()
        try:
            wait_for(lambda: stale_tripped(engine), "stale_feed tripped", timeout=120)
            status = engine.status()
            assert status.last_bar_time == before_gap, "tripped while the feed waited"
            assert status.can_trade is False and status.risk_reason == "stale feed"
            assert engine.stale_since == before_gap
            wait_for(lambda: not stale_tripped(engine), "stale_feed cleared", timeout=60)
            assert engine.status().last_bar_time > before_gap
        finally:
            engine.stop()
    trips = [e.event for e in events if isinstance(e, RiskUpdate) and e.rule == "stale_feed"]
    assert trips[:2] == ["trip", "reset"]


def test_a_paced_replay_without_gaps_never_trips_stale_feed_whatever_the_pace(
    tmp_path: Path,
) -> None:
    # At 12,000x a 1-minute bar is 5 ms of sleep, and the stale time (1 market minute) only 5 ms
    # of wall time: a clock counting wall time would trip at every hiccup of a loaded machine;
    # the engine's clock never runs past the bar the feed waits for.
    config = stale_after(1)
    source = from_simulator(1, "MNQ")
    with Journal(tmp_path / "fast.duckdb") as journal:
        engine = LiveEngine(journal, config, source=source, speed=12_000)
        engine.skip_to_open()
        engine.start()
        try:
            while not engine.finished.is_set():
                assert not stale_tripped(engine), f"tripped at {engine.status().last_bar_time}"
                time.sleep(0.01)
        finally:
            engine.stop()
        trips = journal.query(
            "SELECT count(*) AS n FROM risk_events WHERE run_id = ? AND rule = 'stale_feed'",
            [engine.run_id],
        )
        assert int(trips["n"].iloc[0]) == 0


def test_once_a_replay_has_finished_no_watchdog_is_left_to_write_to_the_journal(
    tmp_path: Path,
) -> None:
    # `finished` tells the journal's owner it may close it: the watchdog (which journals a trip)
    # must be gone by then. It outlived the run by up to half a second, and a journal closed
    # meanwhile failed with DuckDB's "connection is busy" (seen once in the suite).
    with Journal(tmp_path / "done.duckdb") as journal:
        engine = LiveEngine(journal, load_config(), source=from_simulator(1, "MNQ"), speed=1e9)
        engine.start()
        assert engine.finished.wait(120)
        assert not engine.watching
