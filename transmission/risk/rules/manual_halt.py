"""Manual halt (kill switch): lasts until a manual resume."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class ManualHalt:
    name: ClassVar[str] = "manual_halt"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False

    def __init__(self, config: RiskConfig) -> None:
        self.config = config

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        if state.halted:
            return Decision(
                True, f"manual halt: {state.halt_reason or 'no reason given'}", "resume"
            )
        return CLEAR

    def reset(self, state: RiskState) -> None:
        """Manual reset: resume."""
        state.halted = False
        state.halt_reason = ""
