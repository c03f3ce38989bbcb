"""What the per-strategy performance tripwires share: the rolling window and a decision cache."""

from __future__ import annotations

from typing import ClassVar

from transmission.metrics import PerformanceMetrics, compute_metrics
from transmission.risk.config import RiskConfig
from transmission.risk.rules.base import CLEAR, Decision
from transmission.risk.state import RiskState


class PerformanceRule:
    """A rule judging a strategy's last `performance_window` results (real and shadow)."""

    per_strategy: ClassVar[bool] = True
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False
    # Own names for `[risk.rules.<name>]` keys, and the flat [risk] keys they override.
    parameters: ClassVar[dict[str, str]] = {
        "window": "performance_window",
        "min_trades": "performance_min_trades",
    }

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
        decision = self.judge(strategy, compute_metrics(recent, window=self.window))
        if len(self._cache) > 256:
            self._cache.clear()
        self._cache[(strategy, recent)] = decision
        return decision

    def judge(self, strategy: str | None, metrics: PerformanceMetrics) -> Decision:
        raise NotImplementedError
