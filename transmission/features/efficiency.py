"""Kaufman efficiency ratio.

ER(n) = |C[i] - C[i-n]| / sum of |C[k] - C[k-1]| for k = i-n+1..i, from bar n on; 0.0 when the
path length is 0 (flat prices: no direction, no noise).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from transmission.features._windows import NAN, trailing_sum


def efficiency_ratio(close: np.ndarray, period: int = 10) -> np.ndarray:
    """Efficiency ratio in [0, 1] (NaN before bar `period`)."""
    out = np.full(len(close), np.nan)
    if len(close) <= period:
        return out
    # In place, the same operations in the same order: fewer 8 MB arrays on a long replay.
    path = trailing_sum(np.abs(np.diff(close)), period)[period - 1 :]
    net = np.subtract(close[period:], close[:-period])
    np.abs(net, out=net)
    still = ~(path > 0.0)
    path[still] = 1.0
    np.divide(net, path, out=net)
    del path
    net[still] = 0.0
    out[period:] = net
    return out


class IncrementalEfficiencyRatio:
    """Efficiency ratio one close at a time; same numbers as `efficiency_ratio`."""

    __slots__ = ("_closes", "_moves", "_period")

    def __init__(self, period: int = 10) -> None:
        self._period = period
        self._closes: deque[float] = deque(maxlen=period + 1)
        self._moves: deque[float] = deque(maxlen=period)

    def update(self, close: float) -> float:
        """Add a close; returns the ER (NaN during warm-up)."""
        closes = self._closes
        if closes:
            self._moves.append(abs(close - closes[-1]))
        closes.append(close)
        if len(closes) <= self._period:
            return NAN
        path = sum(self._moves)
        return abs(close - closes[0]) / path if path > 0.0 else 0.0
