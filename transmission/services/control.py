"""Every control of a running engine: the manual halt (kill switch), resume, a rule's reset.

The API's POST routes and the widgets' buttons call these, never the engine itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transmission.engine.status import EngineStatus

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine


class NoEngine(LookupError):
    """A control was asked of a facade that has no running engine (a journal is only read)."""


class Control:
    """Controls of one engine; each returns the engine's status after it took effect."""

    def __init__(self, engine: LiveEngine | None = None) -> None:
        self.engine = engine

    def _require(self, action: str) -> LiveEngine:
        if self.engine is None:
            raise NoEngine(f"no engine runs here (a journal is only read): nothing to {action}")
        return self.engine

    def halt(self, reason: str = "manual halt") -> EngineStatus:
        """Kill switch: the engine opens no new trade until resumed (open trades keep their
        brackets)."""
        engine = self._require("halt")
        engine.halt(reason)
        return engine.status()

    def resume(self) -> EngineStatus:
        """Lift a manual halt (other tripwires still apply)."""
        engine = self._require("resume")
        engine.resume()
        return engine.status()

    def reset_rule(self, rule: str) -> EngineStatus:
        """Reset one manual-reset tripwire (for example the drawdown rule)."""
        engine = self._require("reset")
        engine.run.orchestrator.reset_rule(rule)
        return engine.status()
