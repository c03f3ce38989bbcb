"""A real LiveEngine in this process, replaying the simulator at full speed into a real journal,
feeding a Dashboard through its bus: what the widgets show must be what the engine journalled."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from transmission.config import load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Journal
from transmission.journal.queries import TradeFilter
from transmission.metrics import compute_metrics
from transmission.services import Services
from transmission.widgets import Dashboard, EngineFeed

pytestmark = pytest.mark.slow
FULL_SPEED = 1e9


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveEngine, Dashboard]]:
    journal = Journal(tmp_path_factory.mktemp("live") / "live.duckdb")
    config = load_config()
    engine = LiveEngine(
        journal, config, source=from_simulator(5, "MNQ", seed=7), speed=FULL_SPEED,
        flush_every_bars=50,
    )  # fmt: skip
    board = Dashboard(
        EngineFeed(Services(engine.journal, engine)), limits=config.risk_config(), window=20
    )
    engine.start()
    board.start(0.05)
    assert engine.finished.wait(300), "the replay did not finish"
    board.stop()
    yield engine, board
    board.close()
    engine.stop()
    journal.close()


def test_replay_finishes_without_error_and_every_bar_is_counted(
    replayed: tuple[LiveEngine, Dashboard],
) -> None:
    engine, board = replayed
    assert engine.error is None
    assert board.state.bars_processed == engine.status().bars_processed > 0
    assert f"{board.state.bars_processed:,} bars" in board.status_line.value


def test_badge_ends_on_the_engine_s_regime(replayed: tuple[LiveEngine, Dashboard]) -> None:
    engine, board = replayed
    status = engine.status()
    assert (board.badge.regime, board.badge.direction) == (
        status.current_regime,
        status.regime_direction,
    )
    assert board.state.counts["regime_change"] > 0, "the replay changed regime at least once"


def test_table_shows_the_journal_s_newest_trades(replayed: tuple[LiveEngine, Dashboard]) -> None:
    engine, board = replayed
    page = Services(engine.journal).trades.page(
        TradeFilter(run_id=engine.run_id), limit=board.trades.rows
    )
    assert page.total > 0, "the simulated days produced trades"
    assert board.trades.trade_ids == [str(t["trade_id"]) for t in page.trades]
    assert board.state.trades_total == page.total


def test_equity_and_metrics_match_the_journal(replayed: tuple[LiveEngine, Dashboard]) -> None:
    engine, board = replayed
    results = Services(engine.journal).trades.export(TradeFilter(run_id=engine.run_id))["result_r"]
    assert board.equity.total_r == pytest.approx(results.sum())
    assert board.metrics.figures == pytest.approx(compute_metrics(results, 20).to_dict())
    assert board.state.current_r == pytest.approx(engine.status().current_r)


def test_updates_were_coalesced(replayed: tuple[LiveEngine, Dashboard]) -> None:
    _, board = replayed
    stats = board.stats
    assert stats.redraws <= stats.flushes
    assert stats.messages > stats.redraws, "many messages, fewer redraws"


def test_halt_and_resume_buttons_drive_a_running_engine(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "halt.duckdb")
    # Paced as live (60x): the replay is still running when the buttons are pressed.
    engine = LiveEngine(journal, load_config(), source=from_simulator(1, "MNQ"), speed=60.0)
    board = Dashboard(EngineFeed(Services(engine.journal, engine)))
    engine.start()
    try:
        board.halt_reason.value = "news at 10:00"
        board.halt_button.click()
        assert engine.running and engine.status().system_state == "halted"
        assert "BLOCKED" in board.risk.status.value and "(halted)" in board.risk.status.value
        assert 'data-rule="manual_halt" data-tripped="true"' in board.risk.tripwires.value
        board.resume_button.click()
        assert engine.status().system_state == "running"
        assert 'data-rule="manual_halt" data-tripped="false"' in board.risk.tripwires.value
    finally:
        board.close()
        engine.stop()
        journal.close()


def test_a_second_dashboard_attached_late_starts_from_the_journal(
    replayed: tuple[LiveEngine, Dashboard],
) -> None:
    engine, board = replayed
    late = Dashboard(EngineFeed(Services(engine.journal, engine)))
    try:
        late.flush()
        assert late.trades.trade_ids == board.trades.trade_ids
        assert late.badge.regime == board.badge.regime
        assert late.state.regime_since is not None, "since: the journal's last regime change"
    finally:
        late.close()


def test_engine_feed_refuses_an_empty_history(replayed: tuple[LiveEngine, Dashboard]) -> None:
    with pytest.raises(ValueError, match="history must be at least 1"):
        EngineFeed(Services(replayed[0].journal, replayed[0]), history=0)


def test_the_chart_and_the_signals_come_from_the_engine_s_journal(
    replayed: tuple[LiveEngine, Dashboard],
) -> None:
    _, board = replayed
    assert "5-min candles" in board.chart.trace_names and "VWAP" in board.chart.trace_names
    assert board.state.recent_signals(), "no signal reached the table"
    assert 'class="tm-signal"' in board.signals.table.value
