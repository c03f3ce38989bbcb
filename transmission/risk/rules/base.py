"""The tripwire contract: a rule looks at the risk state and the time and returns a decision.

`Rule` is what every rule must say of itself; its optional powers are protocols of their own,
checked with `isinstance`: `ClockForesight`, `MarkForesight` (they let a replay skip the bars on
which no rule can change its decision, `RiskManager.steady_for`) and `ManualReset`. Rules are
found by name (`register_rule`); installed packages add theirs through the `transmission.rules`
entry points. Each rule is built from the `RiskConfig` with its own `[risk.rules.<name>]` values
applied (`RiskConfig.for_rule`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from transmission.registry import Registry
from transmission.risk.config import RiskConfig
from transmission.risk.state import RiskState


@dataclass(frozen=True, slots=True)
class Decision:
    tripped: bool
    reason: str = ""
    until: str | None = None


CLEAR = Decision(False)


@runtime_checkable
class Rule(Protocol):
    """A tripwire.

    - `per_strategy`: decided per strategy (`evaluate` gets one; `None` asks for all);
    - `reads_clock = False` when `evaluate` ignores `now_ns`: the risk manager then skips it on
      bars where the state has not changed. A rule that reads the clock may be `ClockForesight`.
    - `reads_mark = False` when `evaluate` ignores `state.open_r`, the open position's mark. A
      rule that reads it may be `MarkForesight`.

    A rule that reads the clock or the mark without the matching foresight keeps every bar of a
    replay evaluated (correct, slower).
    """

    name: ClassVar[str]
    per_strategy: ClassVar[bool]
    reads_clock: ClassVar[bool]
    reads_mark: ClassVar[bool]

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision: ...


@runtime_checkable
class ClockForesight(Protocol):
    """A clock-reading rule that can tell when its decision next changes."""

    def changes_at(self, state: RiskState) -> int | None:
        """The time its decision next changes while the state stays as it is (None: never)."""
        ...


@runtime_checkable
class MarkForesight(Protocol):
    """A mark-reading rule's test for many marks at once."""

    def breached(self, state: RiskState, open_r: Any) -> Any:
        """Whether it trips with the position marked at `open_r` (a float or an array); monotone
        in the mark (a loss limit: breached at a mark, breached below it too)."""
        ...


@runtime_checkable
class ManualReset(Protocol):
    """A rule that lasts until a manual reset, and owns what the reset does."""

    def reset(self, state: RiskState) -> None: ...


_RULES: Registry[Any] = Registry("risk rule", "transmission.rules")
T = TypeVar("T")


def register_rule(cls: T) -> T:
    """Class decorator: register a rule class under its `name`. Registering the same class again
    (a re-run notebook cell) replaces it; another class under a taken name is an error."""
    missing = [
        attr
        for attr in ("name", "per_strategy", "reads_clock", "reads_mark", "evaluate")
        if not hasattr(cls, attr)
    ]
    if missing:
        raise TypeError(f"rule {cls!r} does not follow the Rule contract: it lacks {missing}")
    _RULES.add(cls.name, cls)  # type: ignore[attr-defined]
    return cls


register = register_rule


def unregister_rule(name: str) -> None:
    _RULES.remove(name)


def available_rules() -> list[str]:
    return _RULES.names()


def build(names: tuple[str, ...], config: RiskConfig) -> list[Rule]:
    """Rule instances in the given order, each built from `config.for_rule(name)` and given
    the rule's own extra parameters; a clear error for an unknown name or parameter."""
    unknown = [name for name in names if _RULES.get(name) is None]
    if unknown:
        raise ValueError(f"unknown risk rules {unknown}: available are {available_rules()}")
    rules = []
    for name in names:
        cls: Any = _RULES.get(name)
        own, extra = config.for_rule(name, getattr(cls, "parameters", {}))
        try:
            rules.append(cls(own, **extra) if extra else cls(own))
        except TypeError as exc:
            raise ValueError(
                f"[risk.rules.{name}]: bad parameters {sorted(extra)}: {exc}"
            ) from None
    return rules
