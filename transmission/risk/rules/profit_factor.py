"""Rolling profit factor of a strategy's last 20 trades under 1.0: that strategy pauses.

It recovers through the strategy's shadow trades (signals it would have taken, filled on paper
without money), so a paused strategy can earn its way back.
"""

from __future__ import annotations

from typing import ClassVar

from transmission.metrics import compute_metrics
from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register
from transmission.risk.state import RiskState


@register
class ProfitFactor:
    name: ClassVar[str] = "profit_factor"
    per_strategy: ClassVar[bool] = True
    reads_clock: ClassVar[bool] = False

    def __init__(self, config: RiskConfig) -> None:
        # Results change only when a trade closes; the cache keeps the per-bar check cheap.
        self._cache: dict[tuple[str | None, tuple[float, ...]], Decision] = {}
        self.window = config.performance_window
        self.min_trades = config.performance_min_trades
        self.floor = config.min_profit_factor

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        recent = tuple(state.recent_r.get(strategy or "", ()))
        if len(recent) < self.min_trades:
            return CLEAR
        cached = self._cache.get((strategy, recent))
        if cached is not None:
            return cached
        decision = self._decide(strategy, recent)
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[(strategy, recent)] = decision
        return decision

    def _decide(self, strategy: str | None, recent: tuple[float, ...]) -> Decision:
        metrics = compute_metrics(recent, window=self.window)
        pf = metrics.profit_factor
        if pf is not None and pf < self.floor:
            return Decision(
                True,
                f"{strategy}: profit factor {pf:.2f} over the last {metrics.window_trades} "
                f"trades < {self.floor:g}",
                "recovery",
            )
        return CLEAR
