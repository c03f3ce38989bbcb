"""MonitorState: each message type folds in as the dashboard needs; bad messages never raise."""

from __future__ import annotations

import pytest

from tests.widgets.events import at, entry, exit_, regime_change, risk_update, signal
from transmission.widgets.state import MonitorState, message, position_fields


def fold(*events: object) -> MonitorState:
    state = MonitorState()
    for event in events:
        state.apply(event.to_message())  # type: ignore[attr-defined]
    return state


def test_regime_change_sets_regime_direction_since_and_gear() -> None:
    state = fold(regime_change(5, "TREND", "up", "vwap_pullback"))
    assert (state.regime, state.direction) == ("TREND", "up")
    assert state.regime_since == at(5).isoformat()
    assert state.active_strategy == "VWAP Pullback"  # the display name, as the API shows it
    assert state.regime_reason == "test: TREND"


def test_entry_opens_a_position_and_its_exit_closes_it_and_adds_the_trade() -> None:
    state = fold(entry(1, 10))
    assert state.open_position is not None and state.open_position["trade_id"] == "T0001"
    state.apply(exit_(1, 20, 2.0).to_message())
    assert state.open_position is None
    assert list(state.trades) == ["T0001"]
    assert state.trades_total == 1
    assert state.current_r == pytest.approx(2.0)


def test_the_same_exit_seen_twice_counts_once() -> None:
    state = fold(exit_(1, 20, -1.0), exit_(1, 20, -1.0))
    assert state.trades_total == 1
    assert state.current_r == pytest.approx(-1.0)
    assert state.result_r().tolist() == [-1.0]


def test_result_r_is_in_exit_order_whatever_the_arrival_order() -> None:
    state = fold(exit_(2, 40, 1.5), exit_(1, 20, -1.0), exit_(3, 60, 0.5))
    assert state.result_r().tolist() == [-1.0, 1.5, 0.5]


def test_risk_trip_then_reset_updates_the_tripwire_and_can_trade() -> None:
    state = fold(risk_update(5, "daily_loss", "trip", daily=-3.1, weekly=-4.0))
    wire = state.tripwires[("daily_loss", None)]
    assert wire.tripped and wire.until == "next trading day"
    assert state.can_trade is False and state.risk_reason == "daily_loss holds"
    assert (state.daily_pnl_r, state.weekly_pnl_r) == (-3.1, -4.0)
    state.apply(risk_update(90, "daily_loss", "reset").to_message())
    assert not state.tripwires[("daily_loss", None)].tripped
    assert state.can_trade is True


def test_per_strategy_tripwires_are_kept_apart() -> None:
    state = fold(
        risk_update(5, "profit_factor", "trip", strategy="vwap_pullback"),
        risk_update(6, "profit_factor", "trip", strategy="vwap_band_reversion"),
    )
    assert set(state.tripwires) == {
        ("profit_factor", "vwap_pullback"),
        ("profit_factor", "vwap_band_reversion"),
    }


def test_signal_is_kept_as_the_last_signal() -> None:
    state = fold(signal(5))
    assert state.last_signal is not None and state.last_signal["signal_id"] == "S5"


def test_status_snapshot_sets_counters_and_a_regime_without_a_since() -> None:
    state = fold(regime_change(5, "RANGE"))
    status = {
        "run_id": "live-1",
        "symbol": "MNQ",
        "system_state": "running",
        "current_regime": "TREND",
        "regime_direction": "down",
        "daily_pnl_r": -0.5,
        "bars_processed": 1234,
        "last_bar_time": at(30).isoformat(),
        "open_position": None,
    }
    assert state.apply(message("status", status))
    assert (state.regime, state.direction, state.regime_since) == ("TREND", "down", None)
    assert state.bars_processed == 1234 and state.run_id == "live-1"
    assert not state.apply(message("status", status)), "the same status changes nothing"


def test_status_keeps_the_since_of_the_regime_it_already_knows() -> None:
    state = fold(regime_change(5, "TREND", "up"))
    state.apply(message("status", {"current_regime": "TREND", "regime_direction": "up"}))
    assert state.regime_since == at(5).isoformat()


def test_engine_and_api_open_positions_read_as_trade_fields() -> None:
    engine_shape = {
        "order": {"side": -1, "strategy": "vwap_band_reversion", "regime": "RANGE", "stop": 5.0,
                  "target": 1.0, "contracts": 3},
        "entry_ns": 1_704_294_000_000_000_000,
        "entry_price": 4.0,
    }  # fmt: skip
    fields = position_fields(engine_shape)
    assert fields["trade_type"] == "Short" and fields["strategy_used"] == "vwap_band_reversion"
    assert (fields["stop_price"], fields["target_price"], fields["contracts"]) == (5.0, 1.0, 3)
    assert fields["timestamp_entry"].startswith("2024-01-03T10:00:00-05:00")
    api_shape = {"trade_type": "Long", "strategy": "vwap_pullback", "entry_time": "x"}
    assert position_fields(api_shape)["strategy_used"] == "vwap_pullback"
    assert position_fields(api_shape)["timestamp_entry"] == "x"


def test_trades_snapshot_merges_with_events_already_seen() -> None:
    state = fold(exit_(3, 60, 1.0))
    snapshot = [exit_(n, 20 * n, 0.5).to_message()["trade"] for n in (1, 2, 3)]
    state.apply(message("trades", {"trades": snapshot, "total": 40}))
    assert sorted(state.trades) == ["T0001", "T0002", "T0003"]
    assert state.trades_total == 40


def test_risk_snapshot_replaces_the_tripwires() -> None:
    state = fold(risk_update(5, "daily_loss"))
    wire = {"rule": "manual_halt", "strategy": None, "tripped": True, "reason": "x", "until": None}
    wires = [wire]
    state.apply(message("risk", {"can_trade": False, "risk_reason": "x", "tripwires": wires}))
    assert list(state.tripwires) == [("manual_halt", None)]
    assert state.can_trade is False


def test_kept_trades_are_bounded_to_the_newest() -> None:
    state = MonitorState(keep_trades=3)
    for n in range(1, 7):
        state.apply(exit_(n, 10 * n, 1.0).to_message())
    assert sorted(state.trades) == ["T0004", "T0005", "T0006"]
    assert state.trades_total == 6


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "text",
        {},
        {"type": "regime_change"},
        {"type": "regime_change", "data": "not a dict"},
        {"type": "regime_change", "data": {}},
        {"type": "trade_execution", "data": {"action": "exit"}},
        {"type": "risk_update", "data": {"rule": "x"}},
        {"type": "status", "data": {"daily_pnl_r": "not a number"}},
        {"type": "no_such_type", "data": {}},
    ],
)
def test_a_malformed_message_is_counted_and_changes_nothing(bad: object) -> None:
    state = fold(regime_change(5, "RANGE"))
    version = state.version
    assert state.apply(bad) is False  # type: ignore[arg-type]
    assert state.version == version
    assert state.counts["ignored"] + state.counts["malformed"] == 1


def test_connection_and_notice_messages_reach_the_state() -> None:
    state = MonitorState()
    state.apply(message("connection", {"state": "disconnected", "detail": "cannot reach it"}))
    assert (state.connection, state.notice) == ("disconnected", "cannot reach it")
    state.apply(message("notice", {"message": ""}))
    assert state.notice == ""


def test_widgets_read_the_engine_s_status_and_tripwire_schemas():
    from dataclasses import fields

    from transmission.engine.status import EngineStatus
    from transmission.risk.status import RuleStatus
    from transmission.widgets.state import STATUS_FIELDS, Tripwire

    assert set(STATUS_FIELDS) | {"current_regime", "regime_direction"} == {
        f.name for f in fields(EngineStatus)
    }
    assert Tripwire is RuleStatus


def test_a_reconnection_clears_the_notice_of_the_connection_that_failed() -> None:
    state = MonitorState()
    state.apply(message("connection", {"state": "disconnected", "detail": "cannot reach it"}))
    state.apply(message("connection", {"state": "connecting"}))
    assert state.notice == "cannot reach it", "still failing: the reason stays"
    state.apply(message("connection", {"state": "connected"}))
    assert (state.connection, state.notice) == ("connected", None)


def test_a_status_of_another_run_starts_the_picture_over() -> None:
    # A server restarted on other bars is a new run: none of the old run's trades, signals or
    # candles may show beside the new one's (the monitor showed the old run's signal twice).
    state = MonitorState()
    state.apply(message("status", {"run_id": "live-old", "bars_processed": 10}))
    for event in (signal(3), entry(1, 10), exit_(1, 20, 2.0)):
        state.apply(event.to_message())
    state.apply(message("candles", {"minutes": 5, "candles": [{"ts": at(5).isoformat()}]}))
    state.apply(message("signals", {"signals": [{"signal_id": "live-old-S1", "ts": at(3)}]}))
    assert state.trades and state.signals and state.candles and state.trades_total == 1
    state.apply(message("status", {"run_id": "live-old", "bars_processed": 11}))
    assert state.trades and state.signals, "the same run keeps what it has"
    state.apply(message("status", {"run_id": "live-new", "bars_processed": 3}))
    assert state.run_id == "live-new"
    assert not state.trades and not state.signals and not state.candles
    assert (state.trades_total, state.current_r, state.open_position) == (0, 0.0, None)
