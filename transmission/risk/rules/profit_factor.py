"""Rolling profit factor of a strategy's last 20 trades under 1.0: that strategy pauses.

It recovers through the strategy's shadow trades (signals it would have taken, filled on paper
without money), so a paused strategy can earn its way back.
"""

from __future__ import annotations

from typing import ClassVar

from transmission.metrics import PerformanceMetrics
from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.rules.performance import PerformanceRule


@register_rule
class ProfitFactor(PerformanceRule):
    name: ClassVar[str] = "profit_factor"
    parameters: ClassVar[dict[str, str]] = {
        **PerformanceRule.parameters,
        "floor": "min_profit_factor",
    }

    def __init__(self, config: RiskConfig) -> None:
        super().__init__(config)
        self.floor = config.min_profit_factor

    def judge(self, strategy: str | None, metrics: PerformanceMetrics) -> Decision:
        pf = metrics.profit_factor
        if pf is not None and pf < self.floor:
            return Decision(
                True,
                f"{strategy}: profit factor {pf:.2f} over the last {metrics.window_trades} "
                f"trades < {self.floor:g}",
                "recovery",
            )
        return CLEAR
