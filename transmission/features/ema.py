"""Exponential moving average, seeded as TA-Lib seeds it.

EMA(n): first at bar n-1, the simple mean of the first n closes; then
EMA = EMA*(1-k) + close*k with k = 2/(n+1). Equals talib.EMA.
"""

from __future__ import annotations

import numpy as np

from transmission.features._windows import NAN, sequential_sum
from transmission.features.wilder import smooth


def ema(values: np.ndarray, period: int) -> np.ndarray:
    """EMA of `values` (NaN before bar period-1)."""
    out = np.full(len(values), np.nan)
    if len(values) < period:
        return out
    alpha = 2.0 / (period + 1)
    seed = sequential_sum(values[:period]) / period
    out[period - 1] = seed
    out[period:] = smooth(values[period:], 1.0 - alpha, alpha, seed)
    return out


class IncrementalEma:
    """EMA one value at a time; same numbers as `ema`."""

    __slots__ = ("_alpha", "_count", "_decay", "_period", "_seed_sum", "_value")

    def __init__(self, period: int) -> None:
        self._period = period
        self._alpha = 2.0 / (period + 1)
        self._decay = 1.0 - self._alpha
        self._count = 0
        self._seed_sum = 0.0
        self._value = NAN

    def update(self, value: float) -> float:
        """Add a value; returns the EMA (NaN during warm-up)."""
        if self._count >= self._period:
            self._value = self._value * self._decay + value * self._alpha
            return self._value
        self._count += 1
        self._seed_sum += value
        if self._count == self._period:
            self._value = self._seed_sum / self._period
        return self._value
