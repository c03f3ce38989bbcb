"""RANGE: VWAP Band Reversion (DESIGN.md section 6).

Long (mirror for short): a close below VWAP - 2 sigma, then the first close back inside; enter at
the next open; stop at min(excursion low, VWAP - 3 sigma) - 1 tick; target VWAP; skip when the
reward is under 1R; 60-minute time stop; signals only from 10:00 to 15:30 ET.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from transmission.strategies.base import LONG, SHORT, BarView, Signal, hhmm
from transmission.strategies.registry import register


@register("vwap_band_reversion")
class VwapBandReversion:
    name: ClassVar[str] = "vwap_band_reversion"
    reads: ClassVar[tuple[str, ...]] = ("vwap", "vwap_sigma")

    def __init__(
        self,
        *,
        tick: float,
        entry_sigma: float = 2.0,
        stop_sigma: float = 3.0,
        min_reward_r: float = 1.0,
        time_stop_minutes: int = 60,
        start: str = "10:00",
        end: str = "15:30",
    ) -> None:
        self.tick = tick
        self.entry_sigma = entry_sigma
        self.stop_sigma = stop_sigma
        self.min_reward_r = min_reward_r
        self.time_stop_minutes = time_stop_minutes
        self.start = hhmm(start)
        self.end = hhmm(end)
        self._low = math.nan
        self._high = math.nan

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        vwap, sigma = f.vwap, f.vwap_sigma
        if not (bar.in_rth and vwap == vwap and sigma == sigma and sigma > 0):
            self._low = self._high = math.nan
            return None
        lower, upper = vwap - self.entry_sigma * sigma, vwap + self.entry_sigma * sigma
        signal = None
        if bar.close < lower:
            self._low = bar.low if self._low != self._low else min(self._low, bar.low)
        elif self._low == self._low:
            excursion = min(self._low, bar.low)
            self._low = math.nan
            stop = min(excursion, vwap - self.stop_sigma * sigma) - self.tick
            signal = self._signal(bar, LONG, stop, vwap)
        if bar.close > upper:
            self._high = bar.high if self._high != self._high else max(self._high, bar.high)
        elif self._high == self._high:
            excursion = max(self._high, bar.high)
            self._high = math.nan
            stop = max(excursion, vwap + self.stop_sigma * sigma) + self.tick
            signal = signal or self._signal(bar, SHORT, stop, vwap)
        return signal

    def _signal(self, bar: BarView, side: int, stop: float, target: float) -> Signal | None:
        if not self.start <= bar.end_minute_of_day <= self.end:
            return None
        entry = bar.close  # the next open is unknown; the close is the planned entry
        risk = abs(entry - stop)
        reward = (target - entry) * side
        if risk <= 0 or reward < self.min_reward_r * risk:
            return None
        return Signal(
            side,
            "market",
            entry,
            stop,
            target,
            "close back inside the 2-sigma VWAP band",
            max_hold_minutes=self.time_stop_minutes,
        )
