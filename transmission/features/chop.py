"""Choppiness index.

CHOP(n) = 100 * log10(sum of TR over the last n bars / (highest high - lowest low over them))
/ log10(n), from bar n on (every TR in the window needs a previous close); NaN when the window's
highest high equals its lowest low.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from transmission.features._windows import NAN, trailing_max, trailing_min, trailing_sum
from transmission.features.wilder import true_range


def choppiness(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14
) -> np.ndarray:
    """Choppiness index, about 0 (trending) to 100 (choppy); NaN before bar `period`."""
    out = np.full(len(high), np.nan)
    if len(high) <= period:
        return out
    # In place, the same operations in the same order: fewer 8 MB arrays on a long replay.
    ratio = trailing_sum(true_range(high, low, close)[1:], period)[period - 1 :]
    span = trailing_max(high, period)
    span -= trailing_min(low, period)
    span = span[period:]
    flat = ~(span > 0.0)  # no range (or NaN): CHOP is undefined
    span[flat] = 1.0
    np.divide(ratio, span, out=ratio)
    del span
    ratio[flat] = 1.0
    np.log10(ratio, out=ratio)
    np.multiply(100.0, ratio, out=ratio)
    np.divide(ratio, math.log10(period), out=ratio)
    ratio[flat] = np.nan
    out[period:] = ratio
    return out


class IncrementalChoppiness:
    """Choppiness index one bar at a time; same numbers as `choppiness`."""

    __slots__ = ("_highs", "_log_period", "_lows", "_period", "_prev_close", "_ranges")

    def __init__(self, period: int = 14) -> None:
        self._period = period
        self._log_period = math.log10(period)
        self._ranges: deque[float] = deque(maxlen=period)
        self._highs: deque[float] = deque(maxlen=period)
        self._lows: deque[float] = deque(maxlen=period)
        self._prev_close = NAN

    def update(self, high: float, low: float, close: float) -> float:
        """Add a bar; returns CHOP (NaN during warm-up and on a window with no range)."""
        prev_close = self._prev_close
        self._prev_close = close
        self._highs.append(high)
        self._lows.append(low)
        if prev_close != prev_close:
            return NAN
        tr = high - low
        gap = abs(high - prev_close)
        if gap > tr:
            tr = gap
        gap = abs(low - prev_close)
        if gap > tr:
            tr = gap
        ranges = self._ranges
        ranges.append(tr)
        if len(ranges) < self._period:
            return NAN
        span = max(self._highs) - min(self._lows)
        if span <= 0.0:
            return NAN
        return 100.0 * math.log10(sum(ranges) / span) / self._log_period
