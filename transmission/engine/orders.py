"""An admitted signal as the entry order the broker works: one rule for real and shadow orders."""

from __future__ import annotations

from transmission.contracts import ContractSpec
from transmission.execution import CostConfig, Order
from transmission.market.calendar import MINUTE_NS
from transmission.strategies import Signal


def entry_order(
    signal_id: str,
    signal: Signal,
    *,
    contracts: int,
    strategy: str,
    regime: str,
    spec: ContractSpec,
    costs: CostConfig,
    now_ns: int,
    timeframe_ns: int,
) -> Order:
    """The order for `signal`, placed at `now_ns`: a stop entry stays valid for the signal's
    `valid_bars` signal bars; 1R is the planned risk of `contracts` contracts."""
    return Order(
        order_id=signal_id,
        signal_id=signal_id,
        side=signal.side,
        order_type=signal.order_type,
        price=signal.entry,
        stop=signal.stop,
        target=signal.target,
        contracts=contracts,
        risk_usd=abs(signal.entry - signal.stop) * spec.point_value * contracts,
        strategy=strategy,
        regime=regime,
        slippage_ticks=costs.slippage_for(regime),
        placed_ns=now_ns,
        expires_ns=now_ns + signal.valid_bars * timeframe_ns
        if signal.order_type == "stop"
        else None,
        max_hold_ns=signal.max_hold_minutes * MINUTE_NS if signal.max_hold_minutes else None,
    )
