"""Trades per day at or above 6: no entries until the next trading day."""

from __future__ import annotations

from typing import ClassVar

from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.state import RiskState


@register_rule
class TradesPerDay:
    name: ClassVar[str] = "trades_per_day"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {"limit": "max_trades_per_day"}

    def __init__(self, config: RiskConfig) -> None:
        self.limit = config.max_trades_per_day

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        if state.trades_today >= self.limit:
            return Decision(
                True, f"{state.trades_today} trades today >= {self.limit}", "next trading day"
            )
        return CLEAR
