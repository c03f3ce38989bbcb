"""Opening range: the high and low of the first `minutes` of the regular session.

The range covers the trading day's RTH bars that open before rth_open + minutes. It is reported
on RTH bars from the one whose close (open + bar length) reaches rth_open + minutes, i.e. once it
is complete as of that bar's close, and is NaN before that and outside RTH; it resets each RTH.
"""

from __future__ import annotations

import math

import numpy as np

from transmission.features._windows import NAN, Segments

NS_PER_MINUTE = 60_000_000_000


def opening_range(
    ts_ns: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    session: np.ndarray,
    in_rth: np.ndarray,
    rth_open_ns: np.ndarray,
    minutes: int,
    bar_minutes: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(range high, range low) per bar; NaN until the range is complete and outside RTH."""
    segments = Segments(session, in_rth)
    end = rth_open_ns + minutes * NS_PER_MINUTE
    in_range = ts_ns < end
    highest = segments.cummax(np.where(in_range, high, -np.inf))
    lowest = -segments.cummax(np.where(in_range, -low, -np.inf))
    complete = (ts_ns + bar_minutes * NS_PER_MINUTE >= end)[segments.rows] & (highest > -np.inf)
    return (
        segments.scatter(np.where(complete, highest, np.nan)),
        segments.scatter(np.where(complete, lowest, np.nan)),
    )


class IncrementalOpeningRange:
    """One opening range, one bar at a time; same numbers as `opening_range`."""

    __slots__ = ("_bar_ns", "_high", "_low", "_session", "_window_ns")

    def __init__(self, minutes: int, bar_minutes: int) -> None:
        self._window_ns = minutes * NS_PER_MINUTE
        self._bar_ns = bar_minutes * NS_PER_MINUTE
        self._session: int | None = None
        self._high = -math.inf
        self._low = math.inf

    def update(
        self, ts_ns: int, high: float, low: float, session: int, in_rth: bool, rth_open_ns: int
    ) -> tuple[float, float]:
        """Add a bar; returns (range high, range low), NaN until complete and outside RTH."""
        if not in_rth:
            return NAN, NAN
        if session != self._session:
            self._session = session
            self._high = -math.inf
            self._low = math.inf
        end = rth_open_ns + self._window_ns
        if ts_ns < end:
            if high > self._high:
                self._high = high
            if low < self._low:
                self._low = low
        if ts_ns + self._bar_ns < end or self._high == -math.inf:
            return NAN, NAN
        return self._high, self._low
