"""A signal is checked on the contract's ticks before the risk manager (issue 13, item 3)."""

from __future__ import annotations

import pytest

from transmission.contracts import contract_for
from transmission.risk.signal_check import checked
from transmission.strategies.base import LONG, SHORT, Signal

MNQ = contract_for("MNQ")


@pytest.mark.parametrize(
    ("signal", "problem"),
    [
        (Signal(LONG, "market", 100.0, 101.0, 110.0, ""), "long stop 101 is not below the entry"),
        (Signal(SHORT, "market", 100.0, 99.0, 90.0, ""), "short stop 99 is not above the entry"),
        (Signal(LONG, "market", 100.0, 100.1, 110.0, ""), "stop distance is zero"),
        (Signal(LONG, "market", 100.0, 95.0, 100.1, ""), "long target 100 is not above the entry"),
        (Signal(SHORT, "market", 100.0, 105.0, 101.0, ""), "short target 101 is not below"),
        (Signal(LONG, "market", float("inf"), 95.0, 110.0, ""), "entry price inf is not a finite"),
        (Signal(LONG, "market", 100.0, float("nan"), 110.0, ""), "stop price nan is not a finite"),
        (Signal(0, "market", 100.0, 95.0, 110.0, ""), "side 0 is neither long"),
        (Signal(LONG, "limit", 100.0, 95.0, 110.0, ""), "order type 'limit' is not market or stop"),
    ],
)  # fmt: skip
def test_checked_signal_names_what_is_wrong(signal: Signal, problem: str) -> None:
    _, reason = checked(signal, MNQ)
    assert reason is not None and reason.startswith("invalid signal: ")
    assert problem in reason


def test_checked_valid_signal_comes_back_on_ticks_with_no_problem() -> None:
    on_tick, reason = checked(Signal(LONG, "stop", 100.1, 95.1, 110.1, ""), MNQ)
    assert reason is None
    assert (on_tick.entry, on_tick.stop, on_tick.target) == (100.25, 95.0, 110.0)
