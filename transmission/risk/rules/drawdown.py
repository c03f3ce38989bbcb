"""Drawdown from the equity peak at or above 10R: no entries until a manual reset."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class Drawdown:
    name: ClassVar[str] = "drawdown"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit_r": "max_drawdown_r"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = config.max_drawdown_r

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        drawdown = state.peak_equity_r - state.equity_r
        if drawdown >= self.limit:
            return Decision(
                True, f"drawdown {drawdown:.2f}R from the peak >= {self.limit:g}R", "manual reset"
            )
        return CLEAR

    def reset(self, state: RiskState) -> None:
        """Manual reset: the equity peak is where equity stands now."""
        state.peak_equity_r = state.equity_r
