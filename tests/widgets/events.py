"""Real engine events for the widget tests, built with the engine's own dataclasses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from transmission.engine.events import RegimeChange, RiskUpdate, SignalEvent, TradeExecution

ET = ZoneInfo("America/New_York")
T0 = datetime(2024, 1, 3, 10, 0, tzinfo=ET)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def regime_change(
    minutes: int, regime: str, direction: str | None = None, strategy: str | None = None
) -> RegimeChange:
    return RegimeChange(
        ts_event=at(minutes),
        ts_init=at(minutes),
        symbol="MNQ",
        previous="NO_TRADE",
        regime=regime,
        direction=direction,
        active_strategy=strategy,
        reason=f"test: {regime}",
    )


def risk_update(
    minutes: int,
    rule: str,
    event: str = "trip",
    *,
    daily: float = 0.0,
    weekly: float = 0.0,
    strategy: str | None = None,
) -> RiskUpdate:
    tripped = event == "trip"
    return RiskUpdate(
        ts_event=at(minutes),
        ts_init=at(minutes),
        rule=rule,
        event=event,
        reason=f"{rule} holds" if tripped else f"{rule} cleared",
        until="next trading day" if tripped else None,
        strategy=strategy,
        can_trade=not tripped,
        risk_reason=f"{rule} holds" if tripped else None,
        daily_pnl_r=daily,
        weekly_pnl_r=weekly,
    )


def signal(minutes: int) -> SignalEvent:
    return SignalEvent(
        ts_event=at(minutes),
        ts_init=at(minutes),
        signal_id=f"S{minutes}",
        symbol="MNQ",
        strategy="vwap_pullback",
        regime="TREND",
        side="Long",
        order_type="stop",
        entry_price=16000.0,
        stop_price=15990.0,
        target_price=16020.0,
        reason="test",
        decision="accepted",
        veto_reason=None,
        contracts=2,
    )


def entry(number: int, minutes: int, side: str = "Long") -> TradeExecution:
    return TradeExecution(
        ts_event=at(minutes),
        ts_init=at(minutes),
        trade_id=f"T{number:04d}",
        action="entry",
        signal_id=f"S{number}",
        symbol="MNQ",
        trade_type=side,
        strategy_used="vwap_pullback",
        regime="TREND",
        trading_day="2024-01-03",
        contracts=2,
        risk_usd=200.0,
        entry_price=16000.0,
        stop_price=15990.0,
        target_price=16020.0,
        timestamp_entry=at(minutes),
    )


def exit_(
    number: int, minutes: int, result_r: float, *, strategy: str = "vwap_pullback"
) -> TradeExecution:
    return TradeExecution(
        ts_event=at(minutes),
        ts_init=at(minutes),
        trade_id=f"T{number:04d}",
        action="exit",
        signal_id=f"S{number}",
        symbol="MNQ",
        trade_type="Long",
        strategy_used=strategy,
        regime="TREND",
        trading_day="2024-01-03",
        contracts=2,
        risk_usd=200.0,
        entry_price=16000.0,
        stop_price=15990.0,
        target_price=16020.0,
        timestamp_entry=at(minutes - 5),
        exit_price=16000.0 + 10.0 * result_r,
        timestamp_exit=at(minutes),
        result_r=result_r,
        pnl_usd=200.0 * result_r,
        commission_usd=3.4,
        exit_reason="target" if result_r > 0 else "stop",
    )
