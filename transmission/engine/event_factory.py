"""Engine events from the engine's values: one place that stamps and fills them.

`ts_event` is the market time of what happened; `ts_init` the injected clock's time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from transmission.engine.clock import Clock
from transmission.engine.events import RegimeChange, RiskUpdate, SignalEvent, TradeExecution
from transmission.execution.port import ClosedTrade, Fill, Order
from transmission.journal.queries import trade_key_for_signal
from transmission.market.calendar import EXCHANGE_TZ
from transmission.regime import RegimeTransition
from transmission.risk import RiskChange
from transmission.risk.admission import Admission
from transmission.risk.rules.base import Decision
from transmission.risk.state import RiskState
from transmission.strategies import Signal

_ZONE = ZoneInfo(EXCHANGE_TZ)  # an object, not its name: no zone lookup per Timestamp


@lru_cache(maxsize=256)
def timestamp(ns: int) -> pd.Timestamp:
    """Epoch ns as an exchange-time Timestamp."""
    # Events stamp the same bar times again and again (ts_event, ts_init, the trade's times);
    # a Timestamp costs ~5 us to make and is immutable, so a few recent ones are kept.
    return pd.Timestamp(ns, tz=_ZONE)


class EventFactory:
    """Builds every event the orchestrator publishes, for one symbol."""

    def __init__(self, symbol: str, clock: Clock, trading_day_of: Callable[[int], date]) -> None:
        self.symbol = symbol
        self.clock = clock
        self._trading_day_of = trading_day_of

    def _init(self) -> pd.Timestamp:
        return timestamp(self.clock.now_ns())

    def regime_change(
        self, now_ns: int, transition: RegimeTransition, active: str | None
    ) -> RegimeChange:
        return RegimeChange(
            ts_event=timestamp(now_ns),
            ts_init=self._init(),
            symbol=self.symbol,
            previous=transition.previous,
            regime=transition.regime,
            direction=transition.direction,
            active_strategy=active,
            reason=transition.reason,
        )

    def signal(
        self,
        now_ns: int,
        signal_id: str,
        signal: Signal,
        strategy: str,
        regime: str,
        admission: Admission,
    ) -> SignalEvent:
        return SignalEvent(
            ts_event=timestamp(now_ns),
            ts_init=self._init(),
            signal_id=signal_id,
            symbol=self.symbol,
            strategy=strategy,
            regime=regime,
            side=signal.side_name,
            order_type=signal.order_type,
            entry_price=signal.entry,
            stop_price=signal.stop,
            target_price=signal.target,
            reason=signal.reason,
            decision=admission.outcome,
            veto_reason=admission.veto_reason,
            contracts=admission.contracts,
        )

    def entry(self, fill: Fill) -> TradeExecution:
        return TradeExecution(
            ts_event=timestamp(fill.ts_ns),
            ts_init=self._init(),
            action="entry",
            **self._trade_fields(fill.order, fill.ts_ns, fill.price),
        )

    def exit(self, trade: ClosedTrade) -> TradeExecution:
        return TradeExecution(
            ts_event=timestamp(trade.exit_ns),
            ts_init=self._init(),
            action="exit",
            exit_price=trade.exit_price,
            timestamp_exit=timestamp(trade.exit_ns),
            result_r=trade.result_r,
            pnl_usd=trade.pnl_usd,
            commission_usd=trade.commission_usd,
            exit_reason=trade.exit_reason,
            **self._trade_fields(trade.order, trade.entry_ns, trade.entry_price),
        )

    def risk_update(
        self, now_ns: int, change: RiskChange, decision: Decision, state: RiskState
    ) -> RiskUpdate:
        return RiskUpdate(
            ts_event=timestamp(now_ns),
            ts_init=self._init(),
            rule=change.rule,
            event=change.event,
            reason=change.reason,
            until=change.until,
            strategy=change.strategy,
            can_trade=not decision.tripped,
            risk_reason=decision.reason or None,
            daily_pnl_r=state.daily_pnl_r,
            weekly_pnl_r=state.weekly_pnl_r,
        )

    def _trade_fields(self, order: Order, entry_ns: int, entry_price: float) -> dict[str, Any]:
        return {
            "trade_id": trade_key_for_signal(order.order_id),
            "signal_id": order.signal_id,
            "symbol": self.symbol,
            "trade_type": "Long" if order.side > 0 else "Short",
            "strategy_used": order.strategy,
            "regime": order.regime,
            "trading_day": self._trading_day_of(entry_ns).isoformat(),
            "contracts": order.contracts,
            "risk_usd": order.risk_usd,
            "entry_price": entry_price,
            "stop_price": order.stop,
            "target_price": order.target,
            "timestamp_entry": timestamp(entry_ns),
        }
