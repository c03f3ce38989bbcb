"""The regime classifier: rules on closed signal bars, hysteresis and a minimum dwell.

Two layers, kept apart on purpose:
- the *market* regime (TREND up/down, RANGE, VOLATILE) follows the rules of DESIGN.md section 5
  on every warm bar, overnight included, with hysteresis (no rule matched: keep) and a dwell (a
  candidate becomes active after `dwell_bars` consecutive bars);
- the *gate* (outside 09:35 to 15:45 ET, warm-up, stale data) forces NO_TRADE at once, because it
  is a safety rule, not a market reading. When the gate opens, the market regime already holds.
The effective regime is NO_TRADE while gated, else the market regime (NO_TRADE until one holds).

Research and replays take the market layer of a whole history at once (`market_track`): with the
dwell rule, the market regime at bar i is the rule outcome of the last warm bar j <= i that ends a
run of `dwell_bars` equal outcomes over the warm bars (a bar where no rule matches breaks a run).
That is what the bar-by-bar state machine holds; tests/regime/test_classify_frame.py checks
the two agree.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import namedtuple
from collections.abc import Mapping
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


def _gate(warm: bool, stale: bool, in_window: bool) -> str:
    """Why the safety gate holds the effective regime at NO_TRADE ("" when it does not)."""
    if not warm:
        return "warm-up"
    if stale:
        return "stale feed"
    if not in_window:
        return "outside trading window"
    return ""


def in_window(cfg: RegimeConfig, bar_end_ns: Any, rth_open_ns: Any, rth_close_ns: Any) -> Any:
    """Whether a bar closing at `bar_end_ns` lies in its day's trading window (ints, or arrays
    of them for many bars at once)."""
    start = rth_open_ns + cfg.window_open_minutes * 60_000_000_000
    end = rth_close_ns - cfg.window_close_minutes * 60_000_000_000
    return (rth_close_ns > rth_open_ns) & (start <= bar_end_ns) & (bar_end_ns <= end)


class _EffectiveRegime:
    """What both classifiers show: the effective regime and the day's trading window."""

    __slots__ = ("_effective", "cfg")
    cfg: RegimeConfig
    _effective: tuple[str, str | None]

    @property
    def regime(self) -> str:
        return self._effective[0]

    @property
    def direction(self) -> str | None:
        return self._effective[1]

    def in_window(self, bar_end_ns: int, rth_open_ns: int, rth_close_ns: int) -> bool:
        """Whether a bar closing at `bar_end_ns` lies in the day's trading window."""
        return bool(in_window(self.cfg, bar_end_ns, rth_open_ns, rth_close_ns))


class RegimeClassifier(_EffectiveRegime):
    """Bar-by-bar regime state machine; pure apart from its own state."""

    __slots__ = ("_candidate", "_count", "_market")

    def __init__(self, cfg: RegimeConfig | None = None) -> None:
        self.cfg = cfg or RegimeConfig()
        self._market: tuple[str, str | None, str] | None = None
        self._candidate: tuple[str, str | None] | None = None
        self._count = 0
        self._effective: tuple[str, str | None] = (NO_TRADE, None)

    def update(
        self, f: Any, close: float, *, in_window: bool, stale: bool
    ) -> RegimeTransition | None:
        """Feed one closed signal bar; returns the transition when the effective regime changes."""
        if f.warm:
            self._update_market(f, close)
        gate = _gate(f.warm, stale, in_window)
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


# Market regimes as small integer codes: 0 means no rule matched (or none has held yet).
MARKET_KEYS: tuple[tuple[str, str | None], ...] = (
    (NO_TRADE, None),
    ("TREND", "up"),
    ("TREND", "down"),
    ("RANGE", None),
    ("VOLATILE", None),
)
_NAMES = np.array([key[0] for key in MARKET_KEYS], dtype=object)
_DIRECTIONS = np.array([key[1] for key in MARKET_KEYS], dtype=object)
RULE_COLUMNS = ("atr_pct", "adx", "er", "chop", "plus_di", "minus_di", "vwap", "warm")


def classify_codes(
    features: Mapping[str, Any], close: np.ndarray, cfg: RegimeConfig | None = None
) -> np.ndarray:
    """`classify_bar` on every bar at once: int8 codes into MARKET_KEYS (0: no rule matched)."""
    cfg = cfg or RegimeConfig()
    atr_pct, adx, er, chop, plus_di, minus_di, vwap = (
        np.asarray(features[name], dtype=np.float64) for name in RULE_COLUMNS[:-1]
    )
    close = np.asarray(close, dtype=np.float64)
    # The same comparisons as classify_bar, in its order; a NaN fails every one, as it does there.
    trend = (adx >= cfg.trend_adx) & (er >= cfg.trend_er)
    conditions = [
        atr_pct >= cfg.volatile_atr_pct,
        trend & (plus_di > minus_di) & (close > vwap),
        trend & (minus_di > plus_di) & (close < vwap),
        (adx <= cfg.range_adx) & ((chop >= cfg.range_chop) | (er <= cfg.range_er)),
    ]
    choices = [np.int8(code) for code in (4, 1, 2, 3)]
    return np.select(conditions, choices, np.int8(0))


@dataclass(frozen=True)
class MarketTrack:
    """The market regime a `RegimeClassifier` holds after each bar of a history.

    `code` indexes MARKET_KEYS (0: none has held yet); `since` is the bar at which that regime
    became active (-1 when none has), whose rule outcome gives its reason.
    """

    code: np.ndarray
    since: np.ndarray


def market_track(
    features: Mapping[str, Any], close: np.ndarray, cfg: RegimeConfig | None = None
) -> MarketTrack:
    """The market layer of the classifier (rules, hysteresis, dwell) over a whole history."""
    cfg = cfg or RegimeConfig()
    raw = classify_codes(features, close, cfg)
    warm = np.asarray(features["warm"], dtype=bool)
    # Positions as int32 (a replay may hold millions of bars: half the memory of int64).
    warm_rows = np.flatnonzero(warm).astype(np.int32)
    codes = raw[warm_rows]
    position = np.arange(len(codes), dtype=np.int32)
    # Runs of equal codes over the warm bars; a regime holds from the bar that completes a run
    # of `dwell_bars` of it (a run of the regime already held changes nothing, so it may "fire").
    starts = np.ones(len(codes), dtype=bool)
    starts[1:] = codes[1:] != codes[:-1]
    run_length = position - np.maximum.accumulate(np.where(starts, position, 0)) + 1
    fires = (codes != 0) & (run_length >= max(cfg.dwell_bars, 1))
    last_fire = np.maximum.accumulate(np.where(fires, position, -1))
    held = np.where(last_fire >= 0, codes[np.maximum(last_fire, 0)], np.int8(0))
    changed = np.ones(len(held), dtype=bool)
    changed[1:] = held[1:] != held[:-1]
    activated = np.maximum.accumulate(np.where(changed & (held != 0), position, -1))
    since_warm = np.where(activated >= 0, warm_rows[np.maximum(activated, 0)], -1)
    # Bars that are not warm leave the market regime as it was: carry the last warm bar's.
    last_warm = np.cumsum(warm, dtype=np.int32) - 1  # the last warm row at or before each bar
    code = np.where(last_warm >= 0, held[np.maximum(last_warm, 0)] if len(held) else 0, 0)
    since = np.where(last_warm >= 0, since_warm[np.maximum(last_warm, 0)] if len(held) else -1, -1)
    return MarketTrack(code.astype(np.int8), since.astype(np.int64))


def market_reason(
    features: Mapping[str, Any], close: np.ndarray, since: int, cfg: RegimeConfig | None = None
) -> str:
    """The reason the classifier gives for a market regime that became active at bar `since`."""
    return market_reasons(features, close, [since], cfg)[since]


# The feature columns `classify_bar` reads, as the fields of a row of many bars' values.
_REASON_COLUMNS = ("atr_pct", "adx", "er", "vwap", "plus_di", "minus_di", "chop")
_ReasonRow = namedtuple("_ReasonRow", _REASON_COLUMNS)  # type: ignore[misc]


def market_reasons(
    features: Mapping[str, Any], close: np.ndarray, bars: list[int], cfg: RegimeConfig | None = None
) -> dict[int, str]:
    """`market_reason` of each of `bars`, at once: the columns the rules read are gathered at
    those bars and turned into Python floats together, then the rules run on each bar."""
    cfg = cfg or RegimeConfig()
    index = np.asarray(bars, dtype=np.int64)
    columns = [np.asarray(features[name])[index].tolist() for name in _REASON_COLUMNS]
    closes = np.asarray(close, dtype=np.float64)[index].tolist()
    held = f" for {max(cfg.dwell_bars, 1)} bars"
    reasons = {}
    for since, row, c in zip(bars, map(_ReasonRow, *columns), closes, strict=True):
        outcome = classify_bar(row, c, cfg)
        if outcome is None:
            raise ValueError(f"bar {since} matches no regime rule: it cannot have activated one")
        reasons[since] = outcome[2] + held
    return reasons


class TrackedRegimeClassifier(_EffectiveRegime):
    """`RegimeClassifier` for replays: the market layer read from a precomputed `MarketTrack`.

    Fed the same bars in the same order, it returns the same transitions; the safety gate (warm-up,
    stale data, trading window) is still applied bar by bar, since stale data is only known then.
    """

    __slots__ = ("_changes", "_code", "_i", "_open", "_reasons", "_since", "_warm", "_window")

    def __init__(
        self,
        cfg: RegimeConfig | None,
        features: Mapping[str, Any],
        close: np.ndarray,
        window: np.ndarray | None = None,
    ) -> None:
        """`window`: whether each bar lies in the trading window (None: all do), as `update`
        will be told; it lets `steady_until` see transitions coming."""
        self.cfg = cfg or RegimeConfig()
        track = market_track(features, close, self.cfg)
        # The reason of every regime the track activates, now: then the feature columns can go.
        activated = np.unique(track.since[track.since >= 0]).tolist()
        self._reasons = market_reasons(features, close, activated, self.cfg)
        # Bytes index to Python ints at list speed and hold a million bars in a megabyte.
        self._code = track.code.astype(np.uint8).tobytes()
        self._since = track.since
        self._i = 0
        self._effective: tuple[str, str | None] = (NO_TRADE, None)
        # The effective regime code of each bar on fresh data: the gate closed, code 0.
        gate_open = self._warm = np.asarray(features["warm"], dtype=bool)
        self._window = window
        if window is not None:
            gate_open = gate_open & window
        self._open = np.where(gate_open, track.code, 0)
        self._changes = (np.flatnonzero(self._open[1:] != self._open[:-1]) + 1).tolist()

    def steady_until(self, i: int, effective: tuple[str, str | None] | None = None) -> int:
        """The first bar from `i` whose `update` may return a transition, on fresh data, from
        the effective regime now (or from `effective`, the (regime, direction) of a bar ahead)."""
        n = len(self._code)
        if effective is None:
            effective = self._effective
        if i >= n or MARKET_KEYS[self._open.item(i)] != effective:
            return min(i, n)
        after = bisect_right(self._changes, i)
        return self._changes[after] if after < len(self._changes) else n

    def effective_at(self, i: int) -> tuple[str, str | None]:
        """The effective (regime, direction) after bar `i` on fresh data."""
        return MARKET_KEYS[self._open.item(i)]

    def update_fresh(self, i: int) -> RegimeTransition | None:
        """`update` of bar `i` on fresh data, its gate (warm-up, trading window) as prepared:
        a replay stepping over bar `i` applies its transition (see `steady_until`)."""
        if i >= len(self._code):
            raise IndexError(f"the regime track holds {len(self._code)} bars; bar {i} was asked")
        self._i = i + 1
        window = self._window
        gate = _gate(self._warm.item(i), False, True if window is None else window.item(i))
        return self._take(i, gate)

    def seek(self, i: int) -> None:
        """Go on from bar `i`: the bars before it made no transition (see `steady_until`)."""
        self._i = i

    def update(
        self, f: Any, close: float, *, in_window: bool, stale: bool
    ) -> RegimeTransition | None:
        """Take the next bar of the track; returns the transition when the regime changes."""
        i = self._i
        if i >= len(self._code):
            raise IndexError(f"the regime track holds {len(self._code)} bars; bar {i} was asked")
        self._i = i + 1
        return self._take(i, _gate(f.warm, stale, in_window))

    def _take(self, i: int, gate: str) -> RegimeTransition | None:
        code = self._code[i]
        new = MARKET_KEYS[0] if gate or code == 0 else MARKET_KEYS[code]
        if new == self._effective:
            return None
        if gate or code == 0:
            reason = gate or "no regime has held yet"
        else:
            reason = self._reasons[self._since.item(i)]
        previous = self._effective[0]
        self._effective = new
        return RegimeTransition(previous, new[0], new[1], reason)


def classify_frame(
    bars: pd.DataFrame,
    features: pd.DataFrame,
    cfg: RegimeConfig | None = None,
    bar_minutes: int = 5,
) -> pd.DataFrame:
    """Regimes of a whole annotated signal-bar frame (research), with the live path's rules.

    Returns columns regime, direction (None unless TREND) for each bar, as of its close.
    """
    cfg = cfg or RegimeConfig()
    columns = {name: features[name].to_numpy() for name in RULE_COLUMNS}
    track = market_track(columns, bars["close"].to_numpy(dtype=np.float64), cfg)
    minute = 60_000_000_000
    end_ns = bars["ts"].dt.as_unit("ns").astype("int64").to_numpy() + bar_minutes * minute
    has_rth = bars["rth_open"].notna().to_numpy() & bars["rth_close"].notna().to_numpy()
    rth_open = np.where(has_rth, _ns(bars["rth_open"]), 0)
    rth_close = np.where(has_rth, _ns(bars["rth_close"]), 0)
    in_window = (
        has_rth
        & (rth_close > rth_open)
        & (rth_open + cfg.window_open_minutes * minute <= end_ns)
        & (end_ns <= rth_close - cfg.window_close_minutes * minute)
    )
    open_gate = columns["warm"].astype(bool) & in_window
    code = np.where(open_gate, track.code, 0)
    return pd.DataFrame({"regime": _NAMES[code], "direction": _DIRECTIONS[code]}, index=bars.index)


def _ns(ts: pd.Series) -> np.ndarray:
    # Via naive UTC so that NaT converts (to int64 min, masked by the caller) instead of raising.
    return ts.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]").view(np.int64)
