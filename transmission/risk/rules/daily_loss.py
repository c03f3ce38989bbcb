"""Daily P&L (realized + open) at or below -3R: no entries until the next trading day."""

from __future__ import annotations

from typing import Any, ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class DailyLoss:
    name: ClassVar[str] = "daily_loss"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = True
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit_r": "daily_loss_r"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = -abs(config.daily_loss_r)

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        if self.breached(state, state.open_r):
            pnl = state.daily_pnl_r
            return Decision(True, f"daily P&L {pnl:.2f}R <= {self.limit:g}R", "next trading day")
        return CLEAR

    def breached(self, state: RiskState, open_r: Any) -> Any:
        """Whether P&L with the open position marked at `open_r` (a float or an array of them)
        is at or below the limit: the test `evaluate` makes, for many marks at once."""
        return state.daily_realized_r + open_r <= self.limit
