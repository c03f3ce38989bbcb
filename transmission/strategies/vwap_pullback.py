"""TREND: VWAP Pullback (DESIGN.md section 6).

Long (mirror for short): closes above VWAP for `min_bars_beyond`+ bars and VWAP rising; a setup
bar whose low reaches VWAP + 0.25 sigma and closes at or above VWAP; buy stop one tick above the
setup high, valid two bars; stop at min(setup low, VWAP - 0.5 ATR) - 1 tick; skip when the stop is
under 0.5 ATR or over 2 ATR away; target 2R.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from transmission.strategies.base import LONG, SHORT, BarView, Signal
from transmission.strategies.registry import register


@register("vwap_pullback")
class VwapPullback:
    name: ClassVar[str] = "vwap_pullback"
    reads: ClassVar[tuple[str, ...]] = ("vwap", "vwap_sigma", "atr")

    def __init__(
        self,
        *,
        tick: float,
        min_bars_beyond: int = 6,
        touch_sigma: float = 0.25,
        stop_atr: float = 0.5,
        min_stop_atr: float = 0.5,
        max_stop_atr: float = 2.0,
        target_r: float = 2.0,
        valid_bars: int = 2,
    ) -> None:
        self.tick = tick
        self.min_bars_beyond = min_bars_beyond
        self.touch_sigma = touch_sigma
        self.stop_atr = stop_atr
        self.min_stop_atr = min_stop_atr
        self.max_stop_atr = max_stop_atr
        self.target_r = target_r
        self.valid_bars = valid_bars
        self._above = 0
        self._below = 0
        self._prev_vwap = math.nan

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        vwap, sigma, atr = f.vwap, f.vwap_sigma, f.atr
        if not (bar.in_rth and vwap == vwap and atr == atr):
            self._above = self._below = 0
            self._prev_vwap = math.nan
            return None
        prev_vwap = self._prev_vwap
        signal = None
        if prev_vwap == prev_vwap:
            if self._above >= self.min_bars_beyond and vwap > prev_vwap:
                signal = self._long(bar, vwap, sigma, atr)
            elif self._below >= self.min_bars_beyond and vwap < prev_vwap:
                signal = self._short(bar, vwap, sigma, atr)
        self._above = self._above + 1 if bar.close > vwap else 0
        self._below = self._below + 1 if bar.close < vwap else 0
        self._prev_vwap = vwap
        return signal

    def _long(self, bar: BarView, vwap: float, sigma: float, atr: float) -> Signal | None:
        if not (bar.low <= vwap + self.touch_sigma * sigma and bar.close >= vwap):
            return None
        entry = bar.high + self.tick
        stop = min(bar.low, vwap - self.stop_atr * atr) - self.tick
        return self._bracket(LONG, entry, stop, atr, "pullback to VWAP in an up-trend")

    def _short(self, bar: BarView, vwap: float, sigma: float, atr: float) -> Signal | None:
        if not (bar.high >= vwap - self.touch_sigma * sigma and bar.close <= vwap):
            return None
        entry = bar.low - self.tick
        stop = max(bar.high, vwap + self.stop_atr * atr) + self.tick
        return self._bracket(SHORT, entry, stop, atr, "pullback to VWAP in a down-trend")

    def _bracket(self, side: int, entry: float, stop: float, atr: float, why: str) -> Signal | None:
        distance = abs(entry - stop)
        if distance < self.min_stop_atr * atr or distance > self.max_stop_atr * atr:
            return None
        target = entry + side * self.target_r * distance
        return Signal(side, "stop", entry, stop, target, why, valid_bars=self.valid_bars)
