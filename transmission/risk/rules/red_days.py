"""Consecutive red days at or above 3: no entries until a manual reset or the next week."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class RedDays:
    name: ClassVar[str] = "red_days"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit": "max_red_days"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = config.max_red_days

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        days = state.consecutive_red_days
        if days >= self.limit:
            return Decision(
                True, f"{days} consecutive red days >= {self.limit}", "manual reset or next week"
            )
        return CLEAR

    def reset(self, state: RiskState) -> None:
        """Manual reset: the red-day count starts again."""
        state.consecutive_red_days = 0
