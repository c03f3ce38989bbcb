"""Wilson lower bound of a strategy's win rate (last 20) under its breakeven win rate.

Breakeven win rate = |avg loss R| / (avg win R + |avg loss R|) over the same trades. Like the
profit factor rule it recovers through shadow trades.
"""

from __future__ import annotations

from typing import ClassVar

from transmission.metrics import PerformanceMetrics, breakeven_win_rate
from transmission.risk.rules.base import CLEAR, Decision, register_rule
from transmission.risk.rules.performance import PerformanceRule


@register_rule
class WilsonWinRate(PerformanceRule):
    name: ClassVar[str] = "wilson_win_rate"

    def judge(self, strategy: str | None, metrics: PerformanceMetrics) -> Decision:
        lower = metrics.win_rate_wilson_lb
        breakeven = breakeven_win_rate(metrics.avg_win_r, metrics.avg_loss_r)
        if lower is None or breakeven is None or lower >= breakeven:
            return CLEAR
        return Decision(
            True,
            f"{strategy}: win-rate lower bound {lower:.2f} < breakeven {breakeven:.2f}",
            "recovery",
        )
