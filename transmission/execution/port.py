"""The execution port: what the orchestrator needs of a broker, paper or live.

A live adapter implements `ExecutionPort` against a venue and is handed to the engine by the
composition root (`transmission.engine.build.build_orchestrator(..., broker=...)`); the
orchestrator does not change. A broker that can also tell ahead which coming bars leave it as
it is implements `Foresight`; a replay then steps over those bars (the paper broker does; a live
adapter need not, and is then fed every bar).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(slots=True)
class Order:
    """An entry order with its bracket; prices in index points, times in epoch ns."""

    order_id: str
    signal_id: str
    side: int
    order_type: str
    price: float
    stop: float
    target: float
    contracts: int
    risk_usd: float
    strategy: str
    regime: str
    slippage_ticks: int
    placed_ns: int
    expires_ns: int | None = None
    max_hold_ns: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True)
class Position:
    """An open position: its order and how it was filled."""

    order: Order
    entry_ns: int
    entry_price: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order.to_dict(),
            "entry_ns": self.entry_ns,
            "entry_price": self.entry_price,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Position:
        return cls(Order(**data["order"]), data["entry_ns"], data["entry_price"])


@dataclass(frozen=True, slots=True)
class Fill:
    """An entry fill (the position is now open)."""

    order: Order
    ts_ns: int
    price: float


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A round trip, closed; the paper broker computes money, the journal stores it."""

    order: Order
    entry_ns: int
    entry_price: float
    exit_ns: int
    exit_price: float
    exit_reason: str
    commission_usd: float
    pnl_usd: float
    result_r: float


@runtime_checkable
class ExecutionPort(Protocol):
    """A broker as the orchestrator sees it: one symbol, one working order or position."""

    @property
    def working(self) -> Order | None: ...

    @property
    def position(self) -> Position | None: ...

    def submit(self, order: Order) -> None: ...

    def cancel(self, reason: str) -> Order | None: ...

    def on_bar(
        self, ts_ns: int, open_: float, high: float, low: float, close: float
    ) -> tuple[Fill | None, ClosedTrade | None]: ...

    def close_position(self, ts_ns: int, price: float, reason: str) -> ClosedTrade | None: ...

    def open_pnl_r(self, price: Any) -> Any:
        """The open position's mark in R at `price` (0 when flat); a replay may pass an array
        of prices and get an array of marks."""
        ...

    def state_dict(self) -> dict[str, Any]: ...

    def restore(self, state: dict[str, Any]) -> None: ...


@runtime_checkable
class Foresight(Protocol):
    """An optional power of a broker: which of the coming bars certainly change nothing."""

    def untouched(self, high: Any, low: Any) -> int:
        """How many of these coming bars (arrays of highs and lows) leave the broker as it is:
        all when flat, none while an order works, else those before the first that reaches the
        position's stop or target."""
        ...
