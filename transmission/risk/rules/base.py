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
    """A tripwire. A rule may also set `reads_clock = False` when `evaluate` ignores `now_ns`:
    the risk manager then skips it on bars where the state it reads has not changed (a rule that
    does not say so is evaluated on every bar)."""

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
