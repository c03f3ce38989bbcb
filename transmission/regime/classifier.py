"""The regime classifier: rules on closed signal bars, hysteresis and a minimum dwell.

Two layers, kept apart on purpose:
- the *market* regime (TREND up/down, RANGE, VOLATILE) follows the rules of DESIGN.md section 5
  on every warm bar, overnight included, with hysteresis (no rule matched: keep) and a dwell (a
  candidate becomes active after `dwell_bars` consecutive bars);
- the *gate* (outside 09:35 to 15:45 ET, warm-up, stale data) forces NO_TRADE at once, because it
  is a safety rule, not a market reading. When the gate opens, the market regime already holds.
The effective regime is NO_TRADE while gated, else the market regime (NO_TRADE until one holds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

REGIMES = ("TREND", "RANGE", "VOLATILE", "NO_TRADE")
NO_TRADE = "NO_TRADE"


@dataclass(frozen=True, slots=True)
class RegimeConfig:
    """Thresholds of the regime rules; the defaults are DESIGN.md's."""

    window_open_minutes: int = 5
    window_close_minutes: int = 15
    volatile_atr_pct: float = 90.0
    trend_adx: float = 25.0
    trend_er: float = 0.30
    range_adx: float = 20.0
    range_chop: float = 61.8
    range_er: float = 0.20
    dwell_bars: int = 3


@dataclass(frozen=True, slots=True)
class RegimeTransition:
    """A change of the effective regime, as journalled and broadcast."""

    previous: str
    regime: str
    direction: str | None
    reason: str


def classify_bar(f: Any, close: float, cfg: RegimeConfig) -> tuple[str, str | None, str] | None:
    """Rules 2 to 4 on one warm bar: (regime, direction, reason), or None to keep the current."""
    atr_pct = f.atr_pct
    if atr_pct == atr_pct and atr_pct >= cfg.volatile_atr_pct:
        return "VOLATILE", None, f"ATR percentile {atr_pct:.0f} >= {cfg.volatile_atr_pct:.0f}"
    adx, er = f.adx, f.er
    if adx >= cfg.trend_adx and er >= cfg.trend_er:
        vwap = f.vwap
        if f.plus_di > f.minus_di and close > vwap:
            return "TREND", "up", f"ADX {adx:.1f}, ER {er:.2f}, +DI > -DI, close > VWAP"
        if f.minus_di > f.plus_di and close < vwap:
            return "TREND", "down", f"ADX {adx:.1f}, ER {er:.2f}, -DI > +DI, close < VWAP"
    if adx <= cfg.range_adx and (f.chop >= cfg.range_chop or er <= cfg.range_er):
        return "RANGE", None, f"ADX {adx:.1f}, CHOP {f.chop:.1f}, ER {er:.2f}"
    return None


class RegimeClassifier:
    """Bar-by-bar regime state machine; pure apart from its own state."""

    __slots__ = ("_candidate", "_count", "_effective", "_market", "cfg")

    def __init__(self, cfg: RegimeConfig | None = None) -> None:
        self.cfg = cfg or RegimeConfig()
        self._market: tuple[str, str | None, str] | None = None
        self._candidate: tuple[str, str | None] | None = None
        self._count = 0
        self._effective: tuple[str, str | None] = (NO_TRADE, None)

    @property
    def regime(self) -> str:
        return self._effective[0]

    @property
    def direction(self) -> str | None:
        return self._effective[1]

    def in_window(self, bar_end_ns: int, rth_open_ns: int, rth_close_ns: int) -> bool:
        """Whether a bar closing at `bar_end_ns` lies in the day's trading window."""
        if rth_close_ns <= rth_open_ns:
            return False
        start = rth_open_ns + self.cfg.window_open_minutes * 60_000_000_000
        end = rth_close_ns - self.cfg.window_close_minutes * 60_000_000_000
        return start <= bar_end_ns <= end

    def update(
        self, f: Any, close: float, *, in_window: bool, stale: bool
    ) -> RegimeTransition | None:
        """Feed one closed signal bar; returns the transition when the effective regime changes."""
        if f.warm:
            self._update_market(f, close)
        if not f.warm:
            gate = "warm-up"
        elif stale:
            gate = "stale feed"
        elif not in_window:
            gate = "outside trading window"
        else:
            gate = ""
        if gate or self._market is None:
            new: tuple[str, str | None] = (NO_TRADE, None)
            reason = gate or "no regime has held yet"
        else:
            new = (self._market[0], self._market[1])
            reason = self._market[2]
        if new == self._effective:
            return None
        previous = self._effective[0]
        self._effective = new
        return RegimeTransition(previous, new[0], new[1], reason)

    def _update_market(self, f: Any, close: float) -> None:
        raw = classify_bar(f, close, self.cfg)
        if raw is None:
            self._candidate, self._count = None, 0
            return
        key = (raw[0], raw[1])
        if self._market is not None and key == (self._market[0], self._market[1]):
            self._candidate, self._count = None, 0
            return
        if key == self._candidate:
            self._count += 1
        else:
            self._candidate, self._count = key, 1
        if self._count >= self.cfg.dwell_bars:
            self._market = (raw[0], raw[1], f"{raw[2]} for {self._count} bars")
            self._candidate, self._count = None, 0


class _Row:
    """Attribute view of one row of a feature frame (the classifier reads attributes)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None


def classify_frame(
    bars: pd.DataFrame,
    features: pd.DataFrame,
    cfg: RegimeConfig | None = None,
    bar_minutes: int = 5,
) -> pd.DataFrame:
    """Regimes of a whole annotated signal-bar frame (research), with the live path's rules.

    Returns columns regime, direction (None unless TREND) for each bar, as of its close.
    """
    classifier = RegimeClassifier(cfg)
    end_ns = bars["ts"].dt.as_unit("ns").astype("int64").to_numpy() + bar_minutes * 60_000_000_000
    rth_open = bars["rth_open"].dt.as_unit("ns").astype("int64").to_numpy()
    rth_close = bars["rth_close"].dt.as_unit("ns").astype("int64").to_numpy()
    has_rth = bars["rth_open"].notna().to_numpy()
    closes = bars["close"].to_numpy()
    columns = list(features.columns)
    values = features.to_numpy(dtype=object)
    regimes = np.empty(len(bars), dtype=object)
    directions = np.empty(len(bars), dtype=object)
    for i in range(len(bars)):
        row = _Row(dict(zip(columns, values[i], strict=True)))
        window = bool(has_rth[i]) and classifier.in_window(
            int(end_ns[i]), int(rth_open[i]), int(rth_close[i])
        )
        classifier.update(row, float(closes[i]), in_window=window, stale=False)
        regimes[i] = classifier.regime
        directions[i] = classifier.direction
    return pd.DataFrame({"regime": regimes, "direction": directions}, index=bars.index)
