"""VOLATILE (opt-in): Opening Range Breakout.

Long (mirror for short): the first close of the day above the completed opening range high; enter
at the next open; stop at the range midpoint - 1 tick, but no further than `max_stop_atr` ATR;
target `target_r` R. One breakout a side a day.
"""

from __future__ import annotations

from typing import Any, ClassVar

from transmission.strategies.base import LONG, SHORT, BarView, Signal
from transmission.strategies.registry import register


@register("opening_range_breakout")
class OpeningRangeBreakout:
    name: ClassVar[str] = "opening_range_breakout"

    def __init__(
        self,
        *,
        tick: float,
        range_minutes: int = 30,
        max_stop_atr: float = 2.0,
        target_r: float = 2.0,
    ) -> None:
        self.tick = tick
        self.range_minutes = range_minutes
        self.reads = (f"or{range_minutes}_high", f"or{range_minutes}_low", "atr")
        self.max_stop_atr = max_stop_atr
        self.target_r = target_r
        self._long_done = False
        self._short_done = False
        self._range: tuple[float, float] | None = None

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        high = getattr(f, f"or{self.range_minutes}_high")
        low = getattr(f, f"or{self.range_minutes}_low")
        if not bar.in_rth or high != high:
            self._long_done = self._short_done = False
            self._range = None
            return None
        if self._range != (high, low):
            self._range = (high, low)
            self._long_done = self._short_done = False
        mid, atr = (high + low) / 2, f.atr
        if bar.close > high and not self._long_done:
            self._long_done = True
            stop = max(mid, bar.close - self.max_stop_atr * atr) - self.tick
            return self._signal(LONG, bar.close, stop)
        if bar.close < low and not self._short_done:
            self._short_done = True
            stop = min(mid, bar.close + self.max_stop_atr * atr) + self.tick
            return self._signal(SHORT, bar.close, stop)
        return None

    def _signal(self, side: int, entry: float, stop: float) -> Signal | None:
        risk = abs(entry - stop)
        if risk <= 0:
            return None
        target = entry + side * self.target_r * risk
        return Signal(side, "market", entry, stop, target, "opening range breakout")
