"""A user's strategy and feature, as a notebook cell would define them (a module of its own, so
their frames are the user's: not the engine's, not the test's)."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import pandas as pd

import transmission as tm


def donchian_batch(bars: pd.DataFrame, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "dc_high": bars["high"].rolling(n).max().shift(1),
            "dc_low": bars["low"].rolling(n).min().shift(1),
        }
    )


class DonchianLive:
    def __init__(self, n: int) -> None:
        self.highs: deque[float] = deque(maxlen=n)
        self.lows: deque[float] = deque(maxlen=n)

    def update(self, bar: Any) -> dict[str, float]:
        full = len(self.highs) == self.highs.maxlen
        value = {
            "dc_high": max(self.highs) if full else np.nan,
            "dc_low": min(self.lows) if full else np.nan,
        }
        self.highs.append(bar.high)
        self.lows.append(bar.low)
        return value


class DriftingLive(DonchianLive):
    """Right until the 30th bar, then a tick off: the kind of drift the parity check catches."""

    def __init__(self, n: int) -> None:
        super().__init__(n)
        self.seen = 0

    def update(self, bar: Any) -> dict[str, float]:
        self.seen += 1
        value = super().update(bar)
        if self.seen >= 30:
            value["dc_high"] += 0.25
        return value


donchian = tm.feature("donchian", batch=donchian_batch, incremental=DonchianLive, n=20)
drifting = tm.feature("donchian", batch=donchian_batch, incremental=DriftingLive, n=20)


class Breakout(tm.Strategy):
    regimes = ("TREND", "RANGE")
    features = (donchian,)
    stop_atr = 1.5
    target_r = 2.0

    def on_bar(self, bar: Any, f: Any) -> Any:
        if not (f.warm and bar.in_rth) or np.isnan(f.dc_high):
            return None
        risk = self.stop_atr * f.atr
        if bar.close > f.dc_high:
            return self.long(
                bar.close, bar.close - risk, bar.close + self.target_r * risk, order_type="market"
            )
        if bar.close < f.dc_low:
            return self.short(
                bar.close, bar.close + risk, bar.close - self.target_r * risk, order_type="market"
            )
        return None


class Faulty(tm.Strategy):
    name = "Faulty"

    def on_bar(self, bar: Any, f: Any) -> Any:
        if bar.in_rth:
            return self.missing_helper(bar)  # type: ignore[attr-defined]  # the user's bug
        return None
