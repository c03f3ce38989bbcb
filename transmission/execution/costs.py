"""Commissions and slippage (DESIGN.md section 3), shared by sizing and the paper broker."""

from __future__ import annotations

from dataclasses import dataclass

from transmission.contracts import ContractSpec


@dataclass(frozen=True, slots=True)
class CostConfig:
    commission_per_side: float = 0.85
    slippage_ticks: int = 1
    volatile_slippage_ticks: int = 2

    def slippage_for(self, regime: str) -> int:
        """Ticks of slippage a side on market and stop orders in `regime`."""
        return self.volatile_slippage_ticks if regime == "VOLATILE" else self.slippage_ticks

    def round_trip_per_contract(self, spec: ContractSpec, regime: str) -> float:
        """Dollars a contract pays for a round trip: two commissions and two slippages."""
        return 2 * self.commission_per_side + 2 * self.slippage_for(regime) * spec.tick_value
