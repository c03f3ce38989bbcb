"""The tripwire contract: a rule looks at the risk state and the time and returns a decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol, TypeVar

from transmission.risk.config import RiskConfig
from transmission.risk.state import RiskState


@dataclass(frozen=True, slots=True)
class Decision:
    tripped: bool
    reason: str = ""
    until: str | None = None


CLEAR = Decision(False)


class Rule(Protocol):
    """A tripwire. What a rule may also say of itself lets the engine do less work:

    - `reads_clock = False` when `evaluate` ignores `now_ns`: the risk manager then skips it on
      bars where the state it reads has not changed (a rule that does not say so is evaluated on
      every bar). A rule that reads the clock may give `changes_at(state) -> int | None`, the
      time its decision next changes while the state stays as it is (None: never).
    - `reads_mark = False` when `evaluate` ignores `state.open_r`, the open position's mark. A
      rule that reads it may give `breached(state, open_r)`, its test for an array of marks; it
      must be monotone in the mark (a loss limit: breached at a mark, breached below it too).

    A replay skips the bars on which no rule can change its decision (`RiskManager.steady_for`);
    a rule that says none of this keeps every bar evaluated.
    """

    name: ClassVar[str]
    per_strategy: ClassVar[bool]

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision: ...


_RULES: dict[str, Callable[[RiskConfig], Rule]] = {}
T = TypeVar("T")


def register(cls: T) -> T:
    _RULES[cls.name] = cls  # type: ignore[attr-defined,assignment]
    return cls


def build(names: tuple[str, ...], config: RiskConfig) -> list[Rule]:
    """Rule instances in the given order; a clear error for an unknown name."""
    unknown = [name for name in names if name not in _RULES]
    if unknown:
        raise ValueError(f"unknown risk rules {unknown}: available are {sorted(_RULES)}")
    return [_RULES[name](config) for name in names]
