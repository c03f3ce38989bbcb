"""The orchestrator on synthetic bars: session exits, admission, regime changes, shadow trades.

The bars rise steadily (tests/engine/synthetic.py): NO_TRADE until the RTH trend has held, TREND
from 09:45. The scripted strategy signals at the times each test gives.
"""

from __future__ import annotations

import pytest

from tests.engine.synthetic import bars, engine, feed, ns, of_type, pause_by_performance
from transmission.risk.admission import BUSY

FAR_ABOVE = 300.0  # a stop entry the rising bars never reach within the test


def gap_at_the_flat_time() -> list:
    """Bars to 15:50, none until 15:58 (the flat time, 15:55, falls in the gap)."""
    return bars("05:00", "15:51") + bars("15:58", "16:10")


def test_a_real_position_closes_at_the_open_of_the_bar_after_a_flat_time_gap() -> None:
    orchestrator, events = engine([{"at": "15:00"}], TREND="scripted")
    feed(orchestrator, gap_at_the_flat_time())
    (exit_,) = (e for e in of_type(events, "trade_execution") if e.action == "exit")
    gap_bar = next(b for b in gap_at_the_flat_time() if b[0] == ns("15:58"))
    assert exit_.exit_reason == "eod_flat"
    assert exit_.timestamp_exit.value == ns("15:58")
    assert exit_.exit_price == pytest.approx(gap_bar[1] - 0.25)  # the open, less a tick of slip


def test_a_shadow_position_closes_at_the_flat_time_gap_as_a_real_one_does() -> None:
    real, real_events = engine([{"at": "15:00"}], TREND="scripted")
    feed(real, gap_at_the_flat_time())
    (trade,) = (e for e in of_type(real_events, "trade_execution") if e.action == "exit")
    shadow, shadow_events = engine([{"at": "15:00"}], TREND="scripted")
    pause_by_performance(shadow)
    feed(shadow, gap_at_the_flat_time())
    (signal,) = of_type(shadow_events, "signal")
    assert signal.decision == "shadow"
    assert shadow.shadow.position is None
    # R does not depend on the size: the same exit gives the same result (before the fix the
    # shadow closed at the gap bar's close, 3.5 points higher).
    assert shadow.risk.state.recent_r["scripted"][-1] == pytest.approx(trade.result_r, rel=1e-3)


def test_a_shadow_working_order_is_cancelled_at_the_flat_time() -> None:
    signals = [{"at": "15:45", "type": "stop", "entry": FAR_ABOVE, "valid_bars": 30}]
    orchestrator, _ = engine(signals, TREND="scripted")
    pause_by_performance(orchestrator)
    feed(orchestrator, bars("05:00", "15:54"))
    assert orchestrator.shadow.working is not None
    feed(orchestrator, bars("15:54", "15:55"))  # this bar ends at the flat time
    assert orchestrator.shadow.working is None


def test_a_regime_change_cancels_a_working_order_of_a_strategy_out_of_gear() -> None:
    signals = [{"at": "09:00", "type": "stop", "entry": FAR_ABOVE, "valid_bars": 100}]
    orchestrator, events = engine(signals)  # TREND drives no strategy
    feed(orchestrator, bars("05:00", "09:44"))
    (signal,) = of_type(events, "signal")
    assert signal.decision == "accepted"
    assert orchestrator.broker.working is not None
    feed(orchestrator, bars("09:44", "09:50"))
    (change,) = of_type(events, "regime_change")
    assert change.regime == "TREND"
    assert orchestrator.broker.working is None
    assert not list(of_type(events, "trade_execution"))


def test_a_second_signal_is_vetoed_while_an_order_works() -> None:
    first = {"at": "09:00", "type": "stop", "entry": FAR_ABOVE, "valid_bars": 100}
    orchestrator, events = engine([first, {"at": "09:10"}])
    feed(orchestrator, bars("05:00", "09:20"))
    accepted, vetoed = of_type(events, "signal")
    assert accepted.decision == "accepted"
    assert (vetoed.decision, vetoed.veto_reason, vetoed.contracts) == ("vetoed", BUSY, 0)


def test_a_time_stop_closes_the_position_at_the_end_of_the_bar_that_reaches_it() -> None:
    orchestrator, events = engine([{"at": "09:00", "max_hold_minutes": 30}])
    feed(orchestrator, bars("05:00", "10:00"))
    entry, exit_ = of_type(events, "trade_execution")
    assert entry.timestamp_entry.value == ns("09:00")
    assert exit_.exit_reason == "time_stop"
    assert exit_.timestamp_exit.value == ns("09:30")


def test_a_shadow_trade_feeds_only_the_strategy_rolling_window() -> None:
    orchestrator, events = engine([{"at": "09:00", "max_hold_minutes": 30}])
    pause_by_performance(orchestrator)
    feed(orchestrator, bars("05:00", "10:00"))
    state = orchestrator.risk.state
    assert len(state.recent_r["scripted"]) == 11 and state.recent_r["scripted"][-1] > 0
    assert (state.equity_r, state.daily_realized_r, state.trades_today) == (0.0, 0.0, 0)
    assert orchestrator.broker.position is None and orchestrator.broker.working is None
    assert not list(of_type(events, "trade_execution"))


def test_flatten_closes_at_the_last_bars_end_and_close_and_cancels_a_working_order() -> None:
    # A market entry at 09:00 and a stop entry far above that will still be working: flatten at
    # market after the 09:19 bar exits at the best price the paper broker knows, that bar's
    # close (less a tick of slip), stamped when it was known: the bar's end, 09:20.
    orchestrator, events = engine([{"at": "09:00"}])
    fed = bars("05:00", "09:20")
    feed(orchestrator, fed)
    assert orchestrator.broker.position is not None
    assert orchestrator.flatten("leaving the desk") is True
    (_, exit_) = of_type(events, "trade_execution")
    assert exit_.exit_reason == "flatten: leaving the desk"
    assert exit_.timestamp_exit.value == ns("09:20")
    assert exit_.exit_price == pytest.approx(fed[-1][4] - 0.25)
    assert orchestrator.broker.position is None and orchestrator.broker.working is None
    assert orchestrator.flatten("again") is False, "nothing left to flatten"


def test_flatten_cancels_a_working_order_when_no_position_is_open() -> None:
    signals = [{"at": "09:00", "type": "stop", "entry": FAR_ABOVE, "valid_bars": 100}]
    orchestrator, events = engine(signals)
    feed(orchestrator, bars("05:00", "09:10"))
    assert orchestrator.broker.working is not None
    assert orchestrator.flatten("desk") is False
    assert orchestrator.broker.working is None
    assert not list(of_type(events, "trade_execution"))
