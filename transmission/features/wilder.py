"""Wilder's true range, ATR, +DI/-DI and ADX, seeded as TA-Lib seeds them.

- TR[i] = max(H-L, |H-C[i-1]|, |L-C[i-1]|), from bar 1 on.
- ATR(n): first at bar n, the mean of TR[1..n]; then ATR = ATR*(n-1)/n + TR/n.
- +DM/-DM: the up move H-H[i-1] counts as +DM when positive and larger than the down move
  L[i-1]-L; the down move counts as -DM when positive and larger than the up move.
- Smoothed +DM, -DM and TR: the sum of bars 1..n-1, then S = S*(n-1)/n + value from bar n on.
- +DI = 100 * S(+DM) / S(TR), -DI likewise, from bar n on; both 0 while S(TR) is ~0 (|S| < 1e-8).
- DX = 100 * |+DI - -DI| / (+DI + -DI), skipped while +DI + -DI is ~0.
- ADX: first at bar 2n-1, the sum of the (non-skipped) DX of bars n..2n-1 divided by n; then
  ADX = ADX*(n-1)/n + DX/n, held unchanged on bars whose DX is skipped.
"""

from __future__ import annotations

import functools
from itertools import accumulate

import numpy as np
import pandas as pd

from transmission.features._windows import NAN, forward_fill, sequential_sum

# TA-Lib's TA_IS_ZERO: it treats a smoothed range or DI sum this small as zero.
_ZERO = 1e-8


def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """True range per bar; NaN on bar 0, which has no previous close."""
    tr = np.full(len(high), np.nan)
    if len(high) > 1:
        prev_close = close[:-1]
        tr[1:] = np.maximum(
            high[1:] - low[1:],
            np.maximum(np.abs(high[1:] - prev_close), np.abs(low[1:] - prev_close)),
        )
    return tr


def smooth(values: np.ndarray, decay: float, gain: float, initial: float) -> np.ndarray:
    """y[i] = y[i-1]*decay + values[i]*gain, starting from y[-1] = initial.

    Rounds exactly as the incremental `y*decay + x*gain` does: each step is one product and one
    sum. pandas' unnormalised EWM sum runs that loop in compiled code (`y = factor*y + v`), so it
    serves when its factor, 1 - alpha, is exactly `decay`; for the few periods where it is not
    (n = 3), a Python loop gives the same numbers, slower. (scipy's lfilter did this before; it
    was the only reason to install scipy's 140 MB.)
    """
    if len(values) == 0:
        return np.empty(0)
    increments = np.asarray(values, dtype=float) * gain
    alpha = 1.0 - decay
    if _ewm_factor(alpha) == decay:
        series = pd.Series(np.concatenate(([initial], increments)))
        return series.ewm(alpha=alpha, adjust=True).sum().to_numpy(dtype=float)[1:]
    steps = accumulate(increments.tolist(), lambda y, v: y * decay + v, initial=initial)
    return np.fromiter(steps, dtype=float, count=len(values) + 1)[1:]


@functools.cache
def _ewm_factor(alpha: float) -> float:
    """The factor pandas' EWM sum multiplies the running value by, as it computes it."""
    return float(pd.Series([1.0, 0.0]).ewm(alpha=alpha, adjust=True).sum().iloc[1])


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> np.ndarray:
    """Average true range (equals talib.ATR from bar `period` on; NaN before)."""
    tr = true_range(high, low, close)
    out = np.full(len(tr), np.nan)
    if len(tr) <= period:
        return out
    seed = sequential_sum(tr[1 : period + 1]) / period
    out[period] = seed
    out[period + 1 :] = smooth(tr[period + 1 :], (period - 1) / period, 1.0 / period, seed)
    return out


def directional_movement(high: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(+DM, -DM) per bar; NaN on bar 0."""
    plus_dm = np.full(len(high), np.nan)
    minus_dm = np.full(len(high), np.nan)
    if len(high) > 1:
        up = high[1:] - high[:-1]
        down = low[:-1] - low[1:]
        plus_dm[1:] = np.where((up > 0) & (up > down), up, 0.0)
        minus_dm[1:] = np.where((down > 0) & (down > up), down, 0.0)
    return plus_dm, minus_dm


def _wilder_sum(values: np.ndarray, period: int) -> np.ndarray:
    # Seeded with the sum of bars 1..n-1 (not a mean): TA-Lib's smoothed DM and TR are sums.
    out = np.full(len(values), np.nan)
    seed = sequential_sum(values[1:period])
    out[period:] = smooth(values[period:], (period - 1) / period, 1.0, seed)
    return out


def directional(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(+DI, -DI, ADX): equal talib.PLUS_DI / MINUS_DI from bar `period` and talib.ADX from bar
    2*period-1 on; NaN before."""
    n = len(high)
    plus_di = np.full(n, np.nan)
    minus_di = np.full(n, np.nan)
    adx = np.full(n, np.nan)
    if n <= period:
        return plus_di, minus_di, adx
    # The arithmetic runs in place and intermediates go as soon as they are used: on a replay
    # of a million bars each array is 8 MB. The operations (and so the floats) are unchanged.
    smoothed_tr = _wilder_sum(true_range(high, low, close), period)[period:]
    undefined = np.abs(smoothed_tr) < _ZERO
    safe_tr = np.where(undefined, 1.0, smoothed_tr)
    del smoothed_tr
    plus_dm, minus_dm = directional_movement(high, low)
    for dm, di in ((plus_dm, plus_di), (minus_dm, minus_di)):
        smoothed = _wilder_sum(dm, period)[period:]  # 100 * S(DM) / S(TR), 0 where S(TR) ~ 0
        np.divide(smoothed, safe_tr, out=smoothed)
        np.multiply(100.0, smoothed, out=smoothed)
        smoothed[undefined] = 0.0
        di[period:] = smoothed
        del smoothed
    del plus_dm, minus_dm, dm, safe_tr, undefined

    di_sum = minus_di + plus_di
    has_dx = np.abs(di_sum) >= _ZERO  # False where DI is NaN, too
    di_sum[~has_dx] = 1.0
    dx = np.subtract(minus_di, plus_di)  # 100 * |-DI - +DI| / (+DI + -DI), 0 where skipped
    np.abs(dx, out=dx)
    np.divide(dx, di_sum, out=dx)
    del di_sum
    np.multiply(100.0, dx, out=dx)
    dx[~has_dx] = 0.0
    first = 2 * period - 1
    if n <= first:
        return plus_di, minus_di, adx
    seed = sequential_sum(dx[period : first + 1]) / period
    adx[first] = seed
    later = first + 1 + np.flatnonzero(has_dx[first + 1 :])
    adx[later] = smooth(dx[later], (period - 1) / period, 1.0 / period, seed)
    adx[first:] = forward_fill(adx[first:])
    return plus_di, minus_di, adx


class IncrementalAtr:
    """ATR one bar at a time; same numbers as `atr`."""

    __slots__ = ("_atr", "_count", "_decay", "_gain", "_period", "_prev_close", "_seed_sum")

    def __init__(self, period: int = 14) -> None:
        self._period = period
        self._decay = (period - 1) / period
        self._gain = 1.0 / period
        self._count = 0  # true ranges seen
        self._seed_sum = 0.0
        self._atr = NAN
        self._prev_close = NAN

    def update(self, high: float, low: float, close: float) -> float:
        """Add a bar; returns its ATR (NaN during warm-up)."""
        prev_close = self._prev_close
        self._prev_close = close
        if prev_close != prev_close:  # first bar: no true range yet
            return NAN
        tr = high - low
        gap = abs(high - prev_close)
        if gap > tr:
            tr = gap
        gap = abs(low - prev_close)
        if gap > tr:
            tr = gap
        if self._count >= self._period:
            self._atr = self._atr * self._decay + tr * self._gain
            return self._atr
        self._count += 1
        self._seed_sum += tr
        if self._count == self._period:
            self._atr = self._seed_sum / self._period
        return self._atr


class IncrementalDirectional:
    """+DI, -DI and ADX one bar at a time; same numbers as `directional`."""

    __slots__ = (
        "_adx",
        "_count",
        "_decay",
        "_dx_sum",
        "_gain",
        "_minus",
        "_period",
        "_plus",
        "_prev_close",
        "_prev_high",
        "_prev_low",
        "_tr",
    )

    def __init__(self, period: int = 14) -> None:
        self._period = period
        self._decay = (period - 1) / period
        self._gain = 1.0 / period
        self._count = 0  # bars seen
        self._plus = 0.0
        self._minus = 0.0
        self._tr = 0.0
        self._dx_sum = 0.0
        self._adx = NAN
        self._prev_high = NAN
        self._prev_low = NAN
        self._prev_close = NAN

    def update(self, high: float, low: float, close: float) -> tuple[float, float, float]:
        """Add a bar; returns (+DI, -DI, ADX), NaN during their warm-ups."""
        count = self._count
        self._count = count + 1
        prev_high, prev_low, prev_close = self._prev_high, self._prev_low, self._prev_close
        self._prev_high, self._prev_low, self._prev_close = high, low, close
        if count == 0:
            return NAN, NAN, NAN
        up = high - prev_high
        down = prev_low - low
        plus_dm = up if up > 0 and up > down else 0.0
        minus_dm = down if down > 0 and down > up else 0.0
        tr = high - low
        gap = abs(high - prev_close)
        if gap > tr:
            tr = gap
        gap = abs(low - prev_close)
        if gap > tr:
            tr = gap
        period = self._period
        if count < period:
            self._plus += plus_dm
            self._minus += minus_dm
            self._tr += tr
            return NAN, NAN, NAN
        decay = self._decay
        self._plus = self._plus * decay + plus_dm
        self._minus = self._minus * decay + minus_dm
        smoothed_tr = self._tr = self._tr * decay + tr
        if abs(smoothed_tr) >= _ZERO:
            plus_di = 100.0 * (self._plus / smoothed_tr)
            minus_di = 100.0 * (self._minus / smoothed_tr)
        else:
            plus_di = minus_di = 0.0
        di_sum = minus_di + plus_di
        has_dx = abs(di_sum) >= _ZERO
        first = 2 * period - 1
        if count < first:
            if has_dx:
                self._dx_sum += 100.0 * (abs(minus_di - plus_di) / di_sum)
            return plus_di, minus_di, NAN
        if count == first:
            if has_dx:
                self._dx_sum += 100.0 * (abs(minus_di - plus_di) / di_sum)
            self._adx = self._dx_sum / period
        elif has_dx:
            dx = 100.0 * (abs(minus_di - plus_di) / di_sum)
            self._adx = self._adx * decay + dx * self._gain
        return plus_di, minus_di, self._adx
