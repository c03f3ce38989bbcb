"""Wilson lower bound of a strategy's win rate (last 20) under its breakeven win rate.

Breakeven win rate = |avg loss R| / (avg win R + |avg loss R|) over the same trades. Like the
profit factor rule it recovers through shadow trades.
"""

from __future__ import annotations

from typing import ClassVar

from transmission.metrics import breakeven_win_rate, compute_metrics
from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision, register
from transmission.risk.state import RiskState


@register
class WilsonWinRate:
    name: ClassVar[str] = "wilson_win_rate"
    per_strategy: ClassVar[bool] = True
    reads_clock: ClassVar[bool] = False

    def __init__(self, config: RiskConfig) -> None:
        # Results change only when a trade closes; the cache keeps the per-bar check cheap.
        self._cache: dict[tuple[str | None, tuple[float, ...]], Decision] = {}
        self.window = config.performance_window
        self.min_trades = config.performance_min_trades

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
        lower = metrics.win_rate_wilson_lb
        breakeven = breakeven_win_rate(metrics.avg_win_r, metrics.avg_loss_r)
        if lower is None or breakeven is None or lower >= breakeven:
            return CLEAR
        return Decision(
            True,
            f"{strategy}: win-rate lower bound {lower:.2f} < breakeven {breakeven:.2f}",
            "recovery",
        )
