"""EMA(20/50) cross with ATR brackets: the benchmark strategy shared with the peer engines.

Long on a close where EMA fast crosses above EMA slow (short on the mirror); enter at the next
open; stop `stop_atr` ATR and target `target_atr` ATR from the signal close.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from transmission.strategies.base import LONG, SHORT, BarView, Signal
from transmission.strategies.registry import register


@register("ema_cross")
class EmaCross:
    name: ClassVar[str] = "ema_cross"
    reads: ClassVar[tuple[str, ...]] = ("ema_fast", "ema_slow", "atr")

    def __init__(self, *, tick: float, stop_atr: float = 2.0, target_atr: float = 3.0) -> None:
        self.tick = tick
        self.stop_atr = stop_atr
        self.target_atr = target_atr
        self._prev = float("nan")

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        diff = f.ema_fast - f.ema_slow
        prev, self._prev = self._prev, diff
        if not (diff == diff and prev == prev and f.atr == f.atr):
            return None
        if prev <= 0 < diff:
            side = LONG
        elif prev >= 0 > diff:
            side = SHORT
        else:
            return None
        return self._signal(side, bar.close, f.atr)

    def signals_over(
        self, bars: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray]
    ) -> dict[int, Signal]:
        """`on_bar`'s signals over a whole replay at once (see `Strategy`)."""
        diff = features["ema_fast"] - features["ema_slow"]
        prev = np.r_[np.nan, diff[:-1]]
        valid = ~(np.isnan(diff) | np.isnan(prev) | np.isnan(features["atr"]))
        up = valid & (prev <= 0) & (diff > 0)
        down = valid & ~up & (prev >= 0) & (diff < 0)
        at = np.flatnonzero(up | down)
        sides = np.where(up[at], LONG, SHORT).tolist()
        closes, atrs = bars["close"][at].tolist(), features["atr"][at].tolist()
        return {
            i: self._signal(side, c, atr)
            for i, side, c, atr in zip(at.tolist(), sides, closes, atrs, strict=True)
        }

    def _signal(self, side: int, c: float, atr: float) -> Signal:
        return Signal(
            side,
            "market",
            c,
            c - side * self.stop_atr * atr,
            c + side * self.target_atr * atr,
            "EMA cross",
        )
