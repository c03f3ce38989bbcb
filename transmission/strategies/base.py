"""The strategy contract: a name, the regimes it trades, and one method per closed signal bar.

Strategies never touch the broker, the journal or the clock: a bar and its features go in, maybe a
signal comes out. Their state is a function of the bars they have seen, so an engine restart
rebuilds it by replaying bars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

from transmission.contracts import ContractSpec

LONG, SHORT = 1, -1


@dataclass(frozen=True, slots=True)
class Signal:
    """An entry the strategy wants; prices in index points."""

    side: int
    order_type: str
    entry: float
    stop: float
    target: float
    reason: str
    valid_bars: int = 1
    max_hold_minutes: int | None = None

    @property
    def side_name(self) -> str:
        return "Long" if self.side == LONG else "Short"


def on_ticks(signal: Signal, spec: ContractSpec) -> Signal:
    """Prices a broker accepts: entry (stop orders) and stop rounded away from the trade, the
    target to the nearest tick."""
    up, down = spec.ceil_tick, spec.floor_tick
    entry = signal.entry
    if signal.order_type == "stop":
        entry = up(entry) if signal.side > 0 else down(entry)
    stop = down(signal.stop) if signal.side > 0 else up(signal.stop)
    target = round(signal.target / spec.tick) * spec.tick
    if type(signal) is Signal:  # `replace`, without its per-field introspection (every signal)
        return Signal(
            signal.side,
            signal.order_type,
            entry,
            stop,
            target,
            signal.reason,
            signal.valid_bars,
            signal.max_hold_minutes,
        )
    return replace(signal, entry=entry, stop=stop, target=target)


@dataclass(slots=True)
class BarView:
    """A closed signal bar with its session context, as strategies see it."""

    ts_ns: int
    end_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    in_rth: bool
    end_minute_of_day: int


@runtime_checkable
class Strategy(Protocol):
    """What the orchestrator needs of a strategy: a name and `on_bar`.

    Optional powers are their own protocols, checked with `isinstance`: `ReadsColumns` (a replay
    then computes only the feature columns named, with the regime rules') and `SignalsOver` (a
    replay takes all its signals at once instead of feeding it bar by bar).
    """

    name: ClassVar[str]

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        """Update state with a closed signal bar and its features; maybe return a signal."""
        ...


@runtime_checkable
class ReadsColumns(Protocol):
    """A strategy that names the feature columns it reads."""

    reads: ClassVar[tuple[str, ...]]


@runtime_checkable
class SignalsOver(Protocol):
    """A strategy that gives its signals over a whole replay at once.

    `signals_over(bars, features)`: by signal bar index, from arrays of the bars (ts_ns, end_ns,
    OHLCV, in_rth, end_minute) and of their features. It must equal feeding `on_bar` every bar
    in order (tests/strategies/test_signals_over.py holds each such strategy to it).
    """

    def signals_over(
        self, bars: Mapping[str, Any], features: Mapping[str, Any]
    ) -> dict[int, Signal]: ...


def hhmm(text: str) -> int:
    """'10:00' as minutes since midnight, for strategy time windows in configs."""
    hours, _, minutes = text.partition(":")
    try:
        value = int(hours) * 60 + int(minutes or 0)
    except ValueError:
        raise ValueError(f"expected a time of day as HH:MM, got {text!r}") from None
    if not 0 <= value < 24 * 60:
        raise ValueError(f"time of day out of range: {text!r}")
    return value
