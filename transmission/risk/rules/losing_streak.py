"""Consecutive losing trades in a day at or above 3: no entries until the next trading day."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class LosingStreak:
    name: ClassVar[str] = "losing_streak"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit": "max_losing_streak"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = config.max_losing_streak

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        streak = state.losing_streak_today
        if streak >= self.limit:
            return Decision(
                True, f"{streak} losing trades in a row today >= {self.limit}", "next trading day"
            )
        return CLEAR
