"""Weekly P&L (realized + open) at or below -6R: no entries until the next week."""

from __future__ import annotations

from typing import Any, ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class WeeklyLoss:
    name: ClassVar[str] = "weekly_loss"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = True
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit_r": "weekly_loss_r"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = -abs(config.weekly_loss_r)

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        if self.breached(state, state.open_r):
            pnl = state.weekly_pnl_r
            return Decision(True, f"weekly P&L {pnl:.2f}R <= {self.limit:g}R", "next week")
        return CLEAR

    def breached(self, state: RiskState, open_r: Any) -> Any:
        """Whether P&L with the open position marked at `open_r` (a float or an array of them)
        is at or below the limit: the test `evaluate` makes, for many marks at once."""
        return state.weekly_realized_r + open_r <= self.limit
