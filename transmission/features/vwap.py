"""Session VWAP anchored at the RTH open, with its volume-weighted standard deviation.

Over the current trading day's RTH bars: TP = (H+L+C)/3, VWAP = sum(TP*V) / sum(V), sigma =
sqrt(max(sum(V*TP^2)/sum(V) - VWAP^2, 0)), the volume-weighted population standard deviation of TP.
NaN outside RTH and while the session's volume is still 0. Consumers draw the bands at
VWAP +- 1, 2, 3 sigma.

The sums are taken on TP minus the session's first TP. That is the same VWAP and sigma
(a shift changes neither), but sigma no longer comes from the difference of two numbers near
price squared (~2.5e8 for NQ), which would leave it with ~1e-4 points of rounding noise.
"""

from __future__ import annotations

import math

import numpy as np

from transmission.features._windows import NAN, Segments


def session_vwap(
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    session_id: np.ndarray,
    in_rth: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(VWAP, sigma) per bar; a new session starts at each change of `session_id` in RTH."""
    segments = Segments(session_id, in_rth)
    typical = (high + low + close) / 3.0
    deviation = typical - segments.scatter(segments.first(typical))
    weighted = volume * deviation
    cum_volume = segments.cumsum(volume)
    cum_weighted = segments.cumsum(weighted)
    cum_weighted_sq = segments.cumsum(weighted * deviation)
    traded = cum_volume > 0.0
    safe_volume = np.where(traded, cum_volume, 1.0)
    mean = cum_weighted / safe_volume
    variance = cum_weighted_sq / safe_volume - mean * mean
    anchor = segments.first(typical)
    vwap = np.where(traded, anchor + mean, np.nan)
    sigma = np.where(traded, np.sqrt(np.maximum(variance, 0.0)), np.nan)
    return segments.scatter(vwap), segments.scatter(sigma)


class IncrementalVwap:
    """Session VWAP and sigma one bar at a time; same numbers as `session_vwap`."""

    __slots__ = ("_anchor", "_session", "_volume", "_weighted", "_weighted_sq")

    def __init__(self) -> None:
        self._session: int | None = None
        self._anchor = 0.0
        self._volume = 0.0
        self._weighted = 0.0
        self._weighted_sq = 0.0

    def update(
        self, high: float, low: float, close: float, volume: float, session: int, in_rth: bool
    ) -> tuple[float, float]:
        """Add a bar; returns (VWAP, sigma), NaN outside RTH and before the first traded bar."""
        if not in_rth:
            return NAN, NAN
        typical = (high + low + close) / 3.0
        if session != self._session:
            self._session = session
            self._anchor = typical
            self._volume = self._weighted = self._weighted_sq = 0.0
        deviation = typical - self._anchor
        weighted = volume * deviation
        self._volume += volume
        self._weighted += weighted
        self._weighted_sq += weighted * deviation
        if self._volume <= 0.0:
            return NAN, NAN
        mean = self._weighted / self._volume
        variance = self._weighted_sq / self._volume - mean * mean
        return self._anchor + mean, math.sqrt(variance) if variance > 0.0 else 0.0
