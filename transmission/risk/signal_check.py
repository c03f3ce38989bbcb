"""Whether a strategy's signal is a tradable order at all, before the risk manager sizes it.

A signal is invalid when a price is not finite, when (on the contract's ticks) its stop is not on
the losing side of its entry or its target not on the winning side, or when its stop distance is
zero. Such a signal is vetoed with the reason "invalid signal: ...", journalled and counted like
any veto, and never traded (DESIGN.md section 12): a long whose stop sits above its entry would
otherwise be sized on |entry - stop| and book every "stop" as a win.
"""

from __future__ import annotations

import math

from transmission.contracts import ContractSpec
from transmission.strategies.base import Signal, on_ticks

INVALID_SIGNAL = "invalid signal"
ORDER_TYPES = ("market", "stop")


def finite_problem(signal: Signal) -> str | None:
    """Why a signal's raw prices or kind cannot be used (checked before tick rounding)."""
    if signal.side not in (1, -1):
        return f"{INVALID_SIGNAL}: side {signal.side!r} is neither long (1) nor short (-1)"
    if signal.order_type not in ORDER_TYPES:
        return f"{INVALID_SIGNAL}: order type {signal.order_type!r} is not market or stop"
    for name in ("entry", "stop", "target"):
        value = getattr(signal, name)
        if not isinstance(value, int | float) or not math.isfinite(value):
            return f"{INVALID_SIGNAL}: {name} price {value!r} is not a finite number"
    return None


def sides_problem(signal: Signal) -> str | None:
    """Why a signal already on ticks is not a bracket: stop and target on their sides."""
    long = signal.side > 0
    side = "long" if long else "short"
    risk = (signal.entry - signal.stop) * signal.side
    if risk == 0:
        return f"{INVALID_SIGNAL}: stop distance is zero ({side} entry and stop {signal.entry:g})"
    if risk < 0:
        where = "below" if long else "above"
        return (
            f"{INVALID_SIGNAL}: {side} stop {signal.stop:g} is not {where} the entry "
            f"{signal.entry:g}"
        )
    if (signal.target - signal.entry) * signal.side <= 0:
        where = "above" if long else "below"
        return (
            f"{INVALID_SIGNAL}: {side} target {signal.target:g} is not {where} the entry "
            f"{signal.entry:g} (prices on the contract's tick)"
        )
    return None


def checked(signal: Signal, spec: ContractSpec) -> tuple[Signal, str | None]:
    """The signal on the contract's ticks and why it is invalid (None when it is valid)."""
    problem = finite_problem(signal)
    if problem is not None:
        return signal, problem
    on_tick = on_ticks(signal, spec)
    return on_tick, sides_problem(on_tick)
