"""Every control of a running engine: the manual halt (kill switch), resume, the reset of a
manual-reset tripwire, flatten at market.

The API's POST routes, the widgets' buttons and `transmission control` call these, never the
engine itself. Each control is journalled with its reason in its own transaction before it
returns, and applies to the state the engine runs with (a restart's restored state included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from transmission.engine.status import EngineStatus

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine


class NoEngine(LookupError):
    """A control was asked of a facade that has no running engine (a journal is only read)."""


@dataclass(frozen=True)
class Applied:
    """A control journalled and applied: its number in the journal, and the status after it."""

    action: str
    seq: int
    status: EngineStatus


class Control:
    """Controls of one engine; each returns the engine's status after it took effect."""

    def __init__(self, engine: LiveEngine | None = None) -> None:
        self.engine = engine

    def _require(self, action: str) -> LiveEngine:
        if self.engine is None:
            raise NoEngine(f"no engine runs here (a journal is only read): nothing to {action}")
        return self.engine

    def apply(self, action: str, reason: str, rule: str | None = None) -> Applied:
        """Journal `action` (halt, resume, reset with `rule`, flatten), then apply it."""
        engine = self._require(action)
        seq = engine.control(action, reason, rule)
        return Applied(action, seq, engine.status())

    def halt(self, reason: str = "manual halt") -> EngineStatus:
        """Kill switch: the engine opens no new trade until resumed (open trades keep their
        brackets)."""
        return self.apply("halt", reason).status

    def resume(self, reason: str = "resumed") -> EngineStatus:
        """Lift a manual halt (other tripwires still apply)."""
        return self.apply("resume", reason).status

    def reset_rule(self, rule: str, reason: str = "manual reset") -> EngineStatus:
        """Reset one manual-reset tripwire (red_days, drawdown, manual_halt)."""
        return self.apply("reset", reason, rule).status

    def flatten(self, reason: str = "flatten at market") -> EngineStatus:
        """Close the open position at market and cancel any working order."""
        return self.apply("flatten", reason).status
