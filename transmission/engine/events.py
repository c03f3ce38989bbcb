"""Typed, immutable engine events.

The same objects go to the journal, the WebSocket and the widgets. `ts_event` is market time (the
bar that caused the event), `ts_init` when the event object was made (the injected clock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar


def _json_safe(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every engine event."""

    type: ClassVar[str] = "event"
    ts_event: datetime
    ts_init: datetime

    def payload(self) -> dict[str, Any]:
        # Fields are flat (no nested dataclasses): read them, rather than `asdict`'s deep copy
        # (a third of the time from an event to its WebSocket message).
        return {name: _json_safe(getattr(self, name)) for name in _payload_fields(type(self))}

    def to_message(self) -> dict[str, Any]:
        """The WebSocket message: {type, timestamp, data}."""
        return {
            "type": self.type,
            "timestamp": self.ts_event.isoformat(),
            "data": self.payload(),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected(Event):
    type: ClassVar[str] = "connected"
    message: str = "connected to transmission"
    run_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RegimeChange(Event):
    type: ClassVar[str] = "regime_change"
    symbol: str
    previous: str
    regime: str
    direction: str | None
    active_strategy: str | None
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalEvent(Event):
    type: ClassVar[str] = "signal"
    signal_id: str
    symbol: str
    strategy: str
    regime: str
    side: str
    order_type: str
    entry_price: float
    stop_price: float
    target_price: float
    reason: str
    decision: str
    veto_reason: str | None
    contracts: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskUpdate(Event):
    type: ClassVar[str] = "risk_update"
    rule: str
    event: str
    reason: str
    until: str | None
    strategy: str | None
    can_trade: bool
    risk_reason: str | None
    daily_pnl_r: float
    weekly_pnl_r: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStatus(Event):
    """A run's feed ended: `status` is completed, stopped or failed (`error` says why)."""

    type: ClassVar[str] = "run_status"
    run_id: str
    status: str
    error: str | None = None
    bars_processed: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeExecution(Event):
    """An entry fill (action "entry") or a closed trade (action "exit", all fields set)."""

    type: ClassVar[str] = "trade_execution"
    trade_id: str
    action: str
    signal_id: str
    symbol: str
    trade_type: str
    strategy_used: str
    regime: str
    trading_day: str
    contracts: int
    risk_usd: float
    entry_price: float
    stop_price: float
    target_price: float
    timestamp_entry: datetime
    exit_price: float | None = None
    timestamp_exit: datetime | None = None
    result_r: float | None = None
    pnl_usd: float | None = None
    commission_usd: float | None = None
    exit_reason: str | None = None


_PAYLOAD_FIELDS: dict[type[Event], tuple[str, ...]] = {}


def _payload_fields(cls: type[Event]) -> tuple[str, ...]:
    names = _PAYLOAD_FIELDS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls) if f.name not in ("ts_event", "ts_init"))
        _PAYLOAD_FIELDS[cls] = names
    return names


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls for cls in (Connected, RegimeChange, SignalEvent, RiskUpdate, TradeExecution)
}
