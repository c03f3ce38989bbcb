"""Position sizing in R (DESIGN.md section 7)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from transmission.contracts import ContractSpec


@dataclass(frozen=True, slots=True)
class Size:
    contracts: int
    risk_usd: float
    reason: str = ""


def size_position(
    entry: float,
    stop: float,
    spec: ContractSpec,
    risk_per_trade_usd: float,
    round_trip_cost_usd: float,
    max_contracts: int,
) -> Size:
    """Contracts = floor(risk $ / (stop distance x point value + round-trip costs)).

    1R (risk_usd) = |entry - stop| x point value x contracts, so it never exceeds the risk per
    trade. Zero contracts means no trade, with the reason.
    """
    distance = abs(entry - stop)
    if not math.isfinite(distance) or distance <= 0:
        return Size(0, 0.0, f"invalid stop distance {distance}")
    per_contract = distance * spec.point_value + round_trip_cost_usd
    contracts = min(int(risk_per_trade_usd // per_contract), max_contracts)
    if contracts <= 0:
        return Size(
            0,
            0.0,
            f"stop {distance:.2f} pts costs ${per_contract:.2f} a contract, more than the "
            f"${risk_per_trade_usd:.0f} risk per trade",
        )
    return Size(contracts, distance * spec.point_value * contracts)
