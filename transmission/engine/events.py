"""Typed, immutable engine events.

The same objects go to the journal, the WebSocket and the widgets. `ts_event` is market time (the
bar that caused the event), `ts_init` when the event object was made (the injected clock).

`to_message` is the WebSocket message as the original design's clients read it (DESIGN.md
section 10): `type`, `timestamp`, and the payload under the key its JavaScript example reads
(`signal`, `risk`, `trade`), or flat (`regime` on `regime_change`, `message` on `connected`).
Strategies appear by display name ("VWAP Pullback", with the id beside it), and a trade by its
public integer id (`journal.queries.public_trade_id`, given the run's number) with its journal
key as `trade_key`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar

from transmission.journal.queries import public_trade_id
from transmission.strategies.names import display_name


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
    # Where the payload goes in the message: under this key, or (None) flat beside `type`.
    message_key: ClassVar[str | None] = None
    # JSON Schema of what `public_payload` adds to or changes in the fields (the WebSocket
    # contract, `api.asyncapi`, is generated from the fields and these).
    public_schema: ClassVar[dict[str, dict[str, Any]]] = {}
    ts_event: datetime
    ts_init: datetime

    def payload(self) -> dict[str, Any]:
        # Fields are flat (no nested dataclasses): read them, rather than `asdict`'s deep copy
        # (a third of the time from an event to its WebSocket message).
        return {name: _json_safe(getattr(self, name)) for name in _payload_fields(type(self))}

    def public_payload(self, run_number: int | None) -> dict[str, Any]:
        """The payload as clients see it (display names, public ids)."""
        return self.payload()

    def to_message(self, run_number: int | None = None) -> dict[str, Any]:
        """The WebSocket message: {type, timestamp, <message_key>: payload} (or flat).

        `run_number` (the run's, `journal.queries.run_number`) gives trades their public ids;
        without it `trade_id` is the journal key.
        """
        message: dict[str, Any] = {"type": self.type, "timestamp": self.ts_event.isoformat()}
        payload = self.public_payload(run_number)
        if self.message_key is None:
            message.update(payload)
        else:
            message[self.message_key] = payload
        return message


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
    public_schema: ClassVar[dict[str, dict[str, Any]]] = {
        "active_strategy": {"type": ["string", "null"], "description": "display name"},
        "active_strategy_id": {"type": ["string", "null"]},
    }

    def public_payload(self, run_number: int | None) -> dict[str, Any]:
        payload = self.payload()
        active = self.active_strategy
        payload["active_strategy"] = display_name(active) if active else None
        payload["active_strategy_id"] = active
        return payload


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalEvent(Event):
    type: ClassVar[str] = "signal"
    message_key: ClassVar[str | None] = "signal"
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
    public_schema: ClassVar[dict[str, dict[str, Any]]] = {
        "strategy": {"type": "string", "description": "display name", "examples": ["EMA Cross"]},
        "strategy_id": {"type": "string", "examples": ["ema_cross"]},
    }

    def public_payload(self, run_number: int | None) -> dict[str, Any]:
        payload = self.payload()
        payload["strategy"] = display_name(self.strategy)
        payload["strategy_id"] = self.strategy
        return payload


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskUpdate(Event):
    type: ClassVar[str] = "risk_update"
    message_key: ClassVar[str | None] = "risk"
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
    message_key: ClassVar[str | None] = "trade"
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
    public_schema: ClassVar[dict[str, dict[str, Any]]] = {
        "trade_id": {"type": "integer", "description": "public id, as in /api/trades/{trade_id}"},
        "trade_key": {"type": "string", "description": "the journal's key"},
        "strategy_used": {"type": "string", "description": "display name"},
        "strategy_id": {"type": "string"},
    }

    def public_payload(self, run_number: int | None) -> dict[str, Any]:
        payload = self.payload()
        payload["strategy_used"] = display_name(self.strategy_used)
        payload["strategy_id"] = self.strategy_used
        if run_number is not None:
            payload["trade_key"] = self.trade_id
            payload["trade_id"] = public_trade_id(run_number, self.trade_id)
        return payload


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
