"""The paper broker: DESIGN.md section 8's fill rules, exactly.

- Stop entries fill when the bar trades through them, at max(open, stop) for a long (a gap fills at
  the open), min(open, stop) for a short; market entries at the next bar's open.
- Exits: the bracket stop (a stop order: a gap fills at the open, including a market entry's bar
  opening beyond its stop) and the target (a limit: fills at its price). When one bar touches
  both, the stop fills first. A target does not fill on the entry bar unless that bar closes
  beyond it.
- Slippage (ticks, from the order) on market and stop orders; none on limit targets. Commission a
  contract a side.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from transmission.contracts import ContractSpec
from transmission.execution.costs import CostConfig
from transmission.execution.port import ClosedTrade, Fill, Order, Position


class PaperBroker:
    """Simulated fills for one symbol on 1-minute bars."""

    __slots__ = ("_position", "_working", "costs", "spec")

    def __init__(self, spec: ContractSpec, costs: CostConfig | None = None) -> None:
        self.spec = spec
        self.costs = costs or CostConfig()
        self._working: Order | None = None
        self._position: Position | None = None

    @property
    def working(self) -> Order | None:
        return self._working

    @property
    def position(self) -> Position | None:
        return self._position

    def submit(self, order: Order) -> None:
        if self._working is not None or self._position is not None:
            raise RuntimeError("paper broker holds one order or position at a time")
        self._working = order

    def cancel(self, reason: str) -> Order | None:
        order, self._working = self._working, None
        return order

    def on_bar(
        self, ts_ns: int, open_: float, high: float, low: float, close: float
    ) -> tuple[Fill | None, ClosedTrade | None]:
        """Apply one 1-minute bar: maybe an entry fill, maybe a closed trade (or both)."""
        fill = None
        order = self._working
        if order is not None:
            if order.expires_ns is not None and ts_ns >= order.expires_ns:
                self._working = None
            else:
                price = self._entry_price(order, open_, high, low)
                if price is not None:
                    self._working = None
                    self._position = Position(order, ts_ns, price)
                    fill = Fill(order, ts_ns, price)
        position = self._position
        if position is None:
            return fill, None
        return fill, self._exit(
            position, ts_ns, open_, high, low, close, entry_bar=fill is not None
        )

    def _entry_price(self, order: Order, open_: float, high: float, low: float) -> float | None:
        slip = order.slippage_ticks * self.spec.tick * order.side
        if order.order_type == "market":
            return open_ + slip
        if order.side > 0:
            return max(open_, order.price) + slip if high >= order.price else None
        return min(open_, order.price) + slip if low <= order.price else None

    def _exit(
        self,
        position: Position,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        *,
        entry_bar: bool,
    ) -> ClosedTrade | None:
        order = position.order
        side = order.side
        slip = order.slippage_ticks * self.spec.tick
        # A stop entry fills after the open, so on its bar the stop is reached later, at its
        # price. A market entry fills at the open: an open beyond the stop is a gap through it
        # at once, filled at the open (DESIGN.md section 8), never at a price the bar skipped.
        gap_possible = not entry_bar or order.order_type == "market"
        if side > 0:
            if low <= order.stop:
                price = min(open_, order.stop) if gap_possible else order.stop
                return self._close(ts_ns, price - slip, "stop")
            if high >= order.target and (not entry_bar or close > order.target):
                return self._close(ts_ns, order.target, "target")
        else:
            if high >= order.stop:
                price = max(open_, order.stop) if gap_possible else order.stop
                return self._close(ts_ns, price + slip, "stop")
            if low <= order.target and (not entry_bar or close < order.target):
                return self._close(ts_ns, order.target, "target")
        return None

    def untouched(self, high: np.ndarray, low: np.ndarray) -> int:
        """How many of these coming bars certainly leave the broker as it is: all of them when
        flat, none while an order works, else those before the first that reaches the stop or
        the target (that bar, `on_bar` decides)."""
        if self._working is not None:
            return 0
        position = self._position
        if position is None or len(high) == 0:
            return len(high)
        order = position.order
        if order.side > 0:
            reach = (low <= order.stop) | (high >= order.target)
        else:
            reach = (high >= order.stop) | (low <= order.target)
        first = int(reach.argmax())  # 0 also when none reaches: then reach[0] is False
        return first if reach[first] else len(high)

    def close_position(self, ts_ns: int, price: float, reason: str) -> ClosedTrade | None:
        """Exit at market (time stop, end of day, manual): `price` before slippage."""
        position = self._position
        if position is None:
            return None
        order = position.order
        slip = order.slippage_ticks * self.spec.tick * order.side
        return self._close(ts_ns, price - slip, reason)

    def _close(self, ts_ns: int, price: float, reason: str) -> ClosedTrade:
        position = self._position
        assert position is not None
        self._position = None
        order = position.order
        commission = 2 * self.costs.commission_per_side * order.contracts
        gross = (price - position.entry_price) * order.side * self.spec.point_value
        pnl = gross * order.contracts - commission
        return ClosedTrade(
            order=order,
            entry_ns=position.entry_ns,
            entry_price=position.entry_price,
            exit_ns=ts_ns,
            exit_price=price,
            exit_reason=reason,
            commission_usd=commission,
            pnl_usd=pnl,
            result_r=pnl / order.risk_usd,
        )

    def open_pnl_r(self, price: Any) -> Any:
        """Mark-to-market of the open position in R (0 when flat), before exit costs; `price`
        may be an array of prices (a replay marks many bars at once)."""
        position = self._position
        if position is None:
            return 0.0
        order = position.order
        move = (price - position.entry_price) * order.side * self.spec.point_value
        return move * order.contracts / order.risk_usd

    def state_dict(self) -> dict[str, Any]:
        return {
            "working": self._working.to_dict() if self._working else None,
            "position": self._position.to_dict() if self._position else None,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self._working = Order(**state["working"]) if state.get("working") else None
        self._position = Position.from_dict(state["position"]) if state.get("position") else None
