"""Futures contract specifications (DESIGN.md section 3)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContractSpec:
    """Tick size and dollar values of one futures contract."""

    symbol: str
    tick: float
    tick_value: float

    @property
    def point_value(self) -> float:
        return self.tick_value / self.tick

    def floor_tick(self, price: float) -> float:
        """The nearest tick at or below `price` (float noise tolerated)."""
        return math.floor(round(price / self.tick, 6)) * self.tick

    def ceil_tick(self, price: float) -> float:
        """The nearest tick at or above `price`."""
        return math.ceil(round(price / self.tick, 6)) * self.tick


CONTRACTS: dict[str, ContractSpec] = {
    spec.symbol: spec
    for spec in (
        ContractSpec("MNQ", 0.25, 0.50),
        ContractSpec("NQ", 0.25, 5.00),
        ContractSpec("MES", 0.25, 1.25),
        ContractSpec("ES", 0.25, 12.50),
    )
}


def contract_for(symbol: str) -> ContractSpec:
    """The spec of `symbol` (case-insensitive); a clear error for an unknown one."""
    try:
        return CONTRACTS[symbol.upper()]
    except KeyError:
        known = ", ".join(sorted(CONTRACTS))
        raise ValueError(f"unknown symbol {symbol!r}: known symbols are {known}") from None
