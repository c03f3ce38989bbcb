"""Sizing in R: 1R never exceeds the risk per trade; zero contracts means no trade."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transmission.contracts import contract_for
from transmission.execution import CostConfig
from transmission.risk import size_position

MNQ = contract_for("MNQ")
COSTS = CostConfig().round_trip_per_contract(MNQ, "TREND")


def test_contracts_follow_the_design_formula() -> None:
    size = size_position(100.0, 90.0, MNQ, 200.0, COSTS, 50)
    assert size.contracts == int(200.0 // (10.0 * 2.0 + COSTS))
    assert size.risk_usd == 10.0 * 2.0 * size.contracts


def test_stop_too_wide_for_the_budget_gives_zero_contracts_with_a_reason() -> None:
    size = size_position(100.0, 0.0, MNQ, 100.0, COSTS, 50)
    assert size.contracts == 0 and "risk per trade" in size.reason


def test_zero_stop_distance_is_refused() -> None:
    assert size_position(100.0, 100.0, MNQ, 200.0, COSTS, 50).contracts == 0


@given(
    distance=st.floats(0.25, 500, allow_nan=False),
    budget=st.floats(10, 10_000, allow_nan=False),
)
def test_one_r_never_exceeds_the_risk_per_trade(distance: float, budget: float) -> None:
    size = size_position(20_000.0, 20_000.0 - distance, MNQ, budget, COSTS, 1000)
    assert size.risk_usd <= budget
    assert size.contracts >= 0
