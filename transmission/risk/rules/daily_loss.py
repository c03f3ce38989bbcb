"""Daily P&L (realized + open) at or below -3R: no entries until the next trading day."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register
from transmission.risk.state import RiskState


@register
class DailyLoss:
    name: ClassVar[str] = "daily_loss"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False

    def __init__(self, config: RiskConfig) -> None:
        self.limit = -abs(config.daily_loss_r)

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        pnl = state.daily_pnl_r
        if pnl <= self.limit:
            return Decision(True, f"daily P&L {pnl:.2f}R <= {self.limit:g}R", "next trading day")
        return CLEAR
