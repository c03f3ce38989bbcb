"""The numpy floor: EMA(20), EMA(50) and ATR(14) over whole arrays, seeded as TA-Lib seeds them.

The least any engine must do for the EMA-cross rules; the peers' strategies use these same
functions so every engine trades on the same indicator values.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def _smooth(values: np.ndarray, decay: float, gain: float, initial: float) -> np.ndarray:
    out, _ = lfilter([gain, 0.0], [1.0, -decay], values, zi=[initial * decay])
    return np.asarray(out, dtype=np.float64)


def ema(values: np.ndarray, period: int) -> np.ndarray:
    """EMA with the mean of the first `period` values as its seed (NaN before)."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full(len(values), np.nan)
    if len(values) < period:
        return out
    alpha = 2.0 / (period + 1)
    seed = float(np.cumsum(values[:period])[-1]) / period
    out[period - 1] = seed
    out[period:] = _smooth(values[period:], 1.0 - alpha, alpha, seed)
    return out


def atr(high: np.ndarray, low: np.ndarray, close: np.ndarray, period: int = 14) -> np.ndarray:
    """Wilder's ATR (NaN before bar `period`)."""
    high, low, close = (np.asarray(a, dtype=np.float64) for a in (high, low, close))
    n = len(close)
    out = np.full(n, np.nan)
    if n <= period:
        return out
    prev = close[:-1]
    tr = np.maximum(high[1:] - low[1:], np.maximum(np.abs(high[1:] - prev), np.abs(low[1:] - prev)))
    seed = float(np.cumsum(tr[:period])[-1]) / period
    out[period] = seed
    out[period + 1 :] = _smooth(tr[period:], (period - 1) / period, 1.0 / period, seed)
    return out


def ema_cross_features(
    high: np.ndarray, low: np.ndarray, close: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(EMA 20, EMA 50, ATR 14): the features of the EMA-cross rules."""
    return ema(close, 20), ema(close, 50), atr(high, low, close, 14)
