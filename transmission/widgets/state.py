"""What the dashboard knows, and how each message changes it (pure: no widgets, no threads).

Every input is a message: the engine's events as the WebSocket sends them (`Event.to_message()`:
`type`, `timestamp` and the payload under `signal`, `risk` or `trade`, or flat), and a few
snapshot types `{"type", "timestamp", "data"}` the feeds make from the REST routes or the
engine's own methods:

| type | data |
|---|---|
| `status` | the system status (GET /api/system/status, or `LiveEngine.status()`) |
| `risk` | `{"can_trade", "risk_reason", "tripwires": [{rule, strategy, tripped, reason, until}]}` |
| `trades` | `{"trades": [...], "total": n}`: recent closed trades, any order |
| `connection` | `{"state": "connecting" / "connected" / "disconnected", "detail"}` |
| `notice` | `{"message"}`: something the user should read (a failed halt, a lost connection) |
| `candles` | `{"minutes", "candles": [...]}`: bars with VWAP bands and regime (GET /api/candles) |
| `positions` | `{"positions": [{trade, last_price, unrealized_r, unrealized_usd}]}` |
| `signals` | `{"signals": [...]}`: recent signals with their decision and veto reason |

`MonitorState.apply` never raises on a malformed message: it counts it and moves on, because
one bad message must not freeze a trader's screen.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from transmission.engine.events import EVENT_TYPES
from transmission.engine.status import EngineStatus
from transmission.market.calendar import EXCHANGE_TZ
from transmission.risk.status import RuleStatus

log = logging.getLogger(__name__)
EXCHANGE_ZONE = ZoneInfo(EXCHANGE_TZ)

SNAPSHOT_TYPES = (
    "status", "risk", "trades", "connection", "notice", "candles", "positions", "signals",
)  # fmt: skip
# The status message's fields are the engine's one status schema; the regime pair is read apart
# (it also moves `regime_since`).
STATUS_FIELDS = tuple(
    f.name for f in fields(EngineStatus) if f.name not in ("current_regime", "regime_direction")
)
Tripwire = RuleStatus  # a tripwire's state is the risk manager's one schema
SIGNALS_KEPT = 20  # the signal table's rows


@dataclass
class MonitorState:
    """The dashboard's picture of one engine; `version` moves whenever something changes."""

    keep_trades: int = 5000
    keep_signals: int = SIGNALS_KEPT
    chart_hours: float = 6.0  # the price chart keeps the last so many hours of candles
    run_id: str | None = None
    symbol: str | None = None
    system_state: str = "unknown"
    regime: str = "NO_TRADE"
    direction: str | None = None
    regime_since: str | None = None
    regime_reason: str = ""
    active_strategy: str | None = None
    can_trade: bool | None = None
    risk_reason: str | None = None
    daily_pnl_r: float = 0.0
    weekly_pnl_r: float = 0.0
    current_r: float = 0.0
    consecutive_red_days: int = 0
    last_bar_time: str | None = None
    bars_processed: int = 0
    open_position: dict[str, Any] | None = None
    last_signal: dict[str, Any] | None = None
    tripwires: dict[tuple[str, str | None], Tripwire] = field(default_factory=dict)
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    trades_total: int = 0
    connection: str = "connecting"
    notice: str | None = None
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    candles: dict[str, dict[str, Any]] = field(default_factory=dict)
    candle_minutes: int = 5
    position_mark: dict[str, Any] | None = None
    counts: Counter[str] = field(default_factory=Counter)
    version: int = 0
    trades_version: int = 0
    candles_version: int = 0

    # -- reading ----------------------------------------------------------------------------------

    def closed_trades(self) -> list[dict[str, Any]]:
        """Known closed trades, oldest first (exit time, then id)."""
        return sorted(self.trades.values(), key=_exit_order)

    def result_r(self) -> np.ndarray:
        """Results of the known closed trades in R, oldest first (for equity and metrics)."""
        values = [_float(t.get("result_r")) for t in self.closed_trades()]
        return np.array([v for v in values if v is not None], dtype=np.float64)

    def recent_signals(self) -> list[dict[str, Any]]:
        """The newest known signals, newest first."""
        return sorted(self.signals.values(), key=_signal_order, reverse=True)

    def candle_rows(self) -> list[dict[str, Any]]:
        """The chart's candles, oldest first."""
        return [self.candles[ts] for ts in sorted(self.candles, key=_instant)]

    def position_view(self) -> dict[str, Any] | None:
        """The open position with its unrealized P&L (`open_pnl_r`, `open_pnl_usd`, `last_price`)
        when the mark is of the same position; None when flat."""
        if self.open_position is None:
            return None
        mark = self.position_mark
        same = mark is not None and _same_position(mark.get("trade") or {}, self.open_position)
        if not same:
            return dict(self.open_position)
        assert mark is not None
        return {
            **self.open_position,
            "open_pnl_r": _float(mark.get("unrealized_r")),
            "open_pnl_usd": _float(mark.get("unrealized_usd")),
            "last_price": _float(mark.get("last_price")),
            "last_price_time": mark.get("last_price_time"),
        }

    # -- writing ----------------------------------------------------------------------------------

    def apply(self, message: dict[str, Any]) -> bool:
        """Fold one message in; True when the state changed."""
        before = self.version
        kind = message.get("type") if isinstance(message, dict) else None
        data = _body(message, kind) if isinstance(message, dict) else None
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None or not isinstance(data, dict):
            self.counts["ignored"] += 1
            return False
        self.counts[str(kind)] += 1
        try:
            handler(self, data, message.get("timestamp"))
        except (KeyError, TypeError, ValueError) as exc:
            # A message we cannot read is logged and skipped, never fatal.
            log.warning("skipped a malformed %s message: %s", kind, exc)
            self.counts["malformed"] += 1
        return self.version != before

    def follow_run(self, run_id: object) -> None:
        """The engine's run is `run_id`: a different run than the one shown (the server was
        restarted on other bars) starts the picture over, so nothing of the old run shows."""
        if not run_id or run_id == self.run_id:
            return
        if self.run_id is not None:
            for collection in (self.trades, self.signals, self.candles):
                collection.clear()
            self.set(
                open_position=None, position_mark=None, last_signal=None, trades_total=0,
                current_r=0.0, regime_since=None,
            )  # fmt: skip
            self.trades_version += 1
            self.candles_version += 1
        self.set(run_id=str(run_id))

    def set(self, **values: Any) -> None:
        """Assign fields, moving `version` only for real changes."""
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)
                self.version += 1

    def add_trades(self, trades: list[dict[str, Any]]) -> int:
        """Merge closed trades by id (a trade seen twice counts once); returns how many were new."""
        new = 0
        for trade in trades:
            trade_id = str(trade["trade_id"])
            if trade_id not in self.trades:
                new += 1
            if self.trades.get(trade_id) != trade:
                self.trades[trade_id] = trade
                self.version += 1
                self.trades_version += 1
        if len(self.trades) > self.keep_trades:
            for trade in self.closed_trades()[: len(self.trades) - self.keep_trades]:
                del self.trades[trade["trade_id"]]
        return new


# Engine events come as the WebSocket sends them (`Event.to_message`): the payload under its
# key (`signal`, `risk`, `trade`) or flat beside `type`; the feeds' own snapshots under `data`.
_EVENT_KEYS = {kind: cls.message_key for kind, cls in EVENT_TYPES.items()}


def _body(message: dict[str, Any], kind: object) -> Any:
    if not isinstance(kind, str) or kind not in _EVENT_KEYS:
        return message.get("data")
    key = _EVENT_KEYS[kind]
    if key is not None:
        return message.get(key)
    return {k: v for k, v in message.items() if k not in ("type", "timestamp")}


def _instant(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


def _signal_order(signal: dict[str, Any]) -> tuple[str, str]:
    return (str(signal.get("timestamp") or signal.get("ts") or ""), str(signal["signal_id"]))


def _same_position(trade: dict[str, Any], position: dict[str, Any]) -> bool:
    """The API's open trade and the dashboard's open position are one (same entry time and
    price; ids differ between the engine's events and the API)."""
    entry, shown = trade.get("timestamp_entry"), position.get("timestamp_entry")
    same_time = entry is None or shown is None or _instant(entry) == _instant(shown)
    return same_time and _float(trade.get("entry_price")) == _float(position.get("entry_price"))


def _exit_order(trade: dict[str, Any]) -> tuple[str, str]:
    return (str(trade.get("timestamp_exit") or ""), str(trade["trade_id"]))


def position_fields(position: dict[str, Any]) -> dict[str, Any]:
    """A status's open position in a trade's field names: the engine's own (the broker's order
    and fill) or the API's (`strategy`, `entry_time`)."""
    order = position.get("order")
    if not isinstance(order, dict):
        out = dict(position)
        if "strategy" in out:
            out.setdefault("strategy_used", out.pop("strategy"))
        if "entry_time" in out:
            out.setdefault("timestamp_entry", out.pop("entry_time"))
        return out
    entry_ns = position.get("entry_ns")
    entry = (
        datetime.fromtimestamp(entry_ns / 1e9, tz=EXCHANGE_ZONE).isoformat()
        if isinstance(entry_ns, int)
        else None
    )
    return {
        "trade_type": "Long" if order.get("side", 0) > 0 else "Short",
        "strategy_used": order.get("strategy"),
        "regime": order.get("regime"),
        "contracts": order.get("contracts"),
        "entry_price": position.get("entry_price"),
        "stop_price": order.get("stop"),
        "target_price": order.get("target"),
        "timestamp_entry": entry,
    }


def _float(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _on_connected(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    state.follow_run(data.get("run_id"))
    state.set(connection="connected")


def _on_regime_change(state: MonitorState, data: dict[str, Any], timestamp: Any) -> None:
    state.set(
        regime=str(data["regime"]),
        direction=data.get("direction"),
        regime_since=timestamp,
        regime_reason=str(data.get("reason") or ""),
        active_strategy=data.get("active_strategy", state.active_strategy),
    )


def _on_signal(state: MonitorState, data: dict[str, Any], timestamp: Any) -> None:
    state.set(last_signal={**data, "timestamp": timestamp})
    _add_signals(state, [{**data, "timestamp": timestamp}])


def _add_signals(state: MonitorState, signals: list[dict[str, Any]]) -> None:
    for signal in signals:
        signal_id = str(signal["signal_id"])
        if state.signals.get(signal_id) != signal:
            state.signals[signal_id] = signal
            state.version += 1
    for old in state.recent_signals()[state.keep_signals :]:
        del state.signals[str(old["signal_id"])]


def _on_signals(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    shown = [{**s, "timestamp": s.get("timestamp") or s.get("ts")} for s in data["signals"]]
    _add_signals(state, shown)


def _on_candles(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    minutes = int(data.get("minutes") or state.candle_minutes)
    if minutes != state.candle_minutes:
        state.candles.clear()
        state.set(candle_minutes=minutes)
    changed = False
    for candle in data["candles"]:
        key = str(candle["ts"])
        if state.candles.get(key) != candle:
            state.candles[key] = candle
            changed = True
    if not state.candles:
        return
    # Bounded: the last `chart_hours` before the newest candle.
    newest = max(_instant(ts) for ts in state.candles)
    horizon = newest.timestamp() - state.chart_hours * 3600
    for key in [ts for ts in state.candles if _instant(ts).timestamp() < horizon]:
        del state.candles[key]
        changed = True
    if changed:
        state.version += 1
        state.candles_version += 1


def _on_positions(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    positions = data["positions"]
    state.set(position_mark=dict(positions[0]) if positions else None)


def _on_risk_update(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    rule = str(data["rule"])
    strategy = data.get("strategy")
    tripped = data["event"] == "trip"
    wire = Tripwire(rule, strategy, tripped, str(data.get("reason") or ""), data.get("until"))
    if state.tripwires.get((rule, strategy)) != wire:
        state.tripwires[(rule, strategy)] = wire
        state.version += 1
    state.set(
        can_trade=bool(data["can_trade"]),
        risk_reason=data.get("risk_reason"),
        daily_pnl_r=_float(data.get("daily_pnl_r")) or 0.0,
        weekly_pnl_r=_float(data.get("weekly_pnl_r")) or 0.0,
    )


def _on_trade_execution(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    if data["action"] == "entry":
        state.set(open_position=dict(data))
        return
    result = _float(data.get("result_r"))
    if state.add_trades([dict(data)]):
        state.set(
            trades_total=state.trades_total + 1,
            current_r=state.current_r + (result or 0.0),
        )
    # The engine holds one position at a time: an exit closes whatever is open.
    state.set(open_position=None)


def _on_status(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    state.follow_run(data.get("run_id"))
    values = {name: data[name] for name in STATUS_FIELDS if name in data and name != "run_id"}
    if "open_position" in values:
        position = values.pop("open_position")
        if position is None:
            values["open_position"] = None
        elif state.open_position is None:
            values["open_position"] = position_fields(position)
        # else: keep the entry event's fuller picture of the same position
    for name in ("daily_pnl_r", "weekly_pnl_r", "current_r"):
        if name in values:
            values[name] = _float(values[name]) or 0.0
    regime = data.get("current_regime")
    if regime is not None:
        same = regime == state.regime
        direction = data.get("regime_direction", state.direction if same else None)
        if (regime, direction) != (state.regime, state.direction):
            # A change we have no event for (we attached late or missed it): since unknown.
            values.update(regime=str(regime), direction=direction, regime_since=None)
    state.set(**values)


def _on_risk(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    wires = data.get("tripwires", data.get("rules", []))
    current = {}
    for item in wires:
        rule = str(item.get("rule") or item["name"])
        wire = Tripwire(
            rule,
            item.get("strategy"),
            bool(item["tripped"]),
            str(item.get("reason") or ""),
            item.get("until"),
        )
        current[(rule, wire.strategy)] = wire
    if current != state.tripwires:
        state.tripwires = current
        state.version += 1
    if "can_trade" in data:
        state.set(can_trade=bool(data["can_trade"]))
    if "risk_reason" in data:
        state.set(risk_reason=data["risk_reason"])


def _on_trades(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    trades = [t for t in data["trades"] if t.get("timestamp_exit")]
    new = state.add_trades(trades)
    total = int(data.get("total", len(trades)))
    state.set(trades_total=max(state.trades_total + new, total))


def _on_connection(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    state.set(connection=str(data["state"]))
    if data.get("detail"):
        state.set(notice=str(data["detail"]))
    elif data["state"] == "connected":
        state.set(notice=None)  # what went wrong before is over


def _on_notice(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    state.set(notice=str(data["message"]))


def _ignore(state: MonitorState, data: dict[str, Any], _: Any) -> None:
    pass


_HANDLERS = {
    "connected": _on_connected,
    "regime_change": _on_regime_change,
    "signal": _on_signal,
    "risk_update": _on_risk_update,
    "trade_execution": _on_trade_execution,
    "status": _on_status,
    "risk": _on_risk,
    "trades": _on_trades,
    "connection": _on_connection,
    "notice": _on_notice,
    "candles": _on_candles,
    "positions": _on_positions,
    "signals": _on_signals,
    "pong": _ignore,
    "ping": _ignore,
}


def message(kind: str, data: dict[str, Any], timestamp: str | None = None) -> dict[str, Any]:
    """A message in the WebSocket's shape (for the snapshot types the feeds make)."""
    return {"type": kind, "timestamp": timestamp, "data": data}
