"""Signal-bar features in batch (`compute_features`) and bar by bar (`IncrementalFeatures`).

Both run on annotated signal bars (see docs/conventions.md) and give the same numbers on the same
bars; tests/features checks that on the real sample. ATR, ADX/DI, EMA, ER and CHOP run over
every bar, overnight included, so they warm up once per data set; VWAP and the opening ranges
reset at each RTH open.
"""

from __future__ import annotations

import math
from collections import namedtuple
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from transmission.features.atr_percentile import IncrementalAtrPercentile, atr_percentile
from transmission.features.chop import IncrementalChoppiness, choppiness
from transmission.features.efficiency import IncrementalEfficiencyRatio, efficiency_ratio
from transmission.features.ema import IncrementalEma, ema
from transmission.features.opening_range import IncrementalOpeningRange, opening_range
from transmission.features.vwap import IncrementalVwap, session_vwap
from transmission.features.wilder import IncrementalAtr, IncrementalDirectional, atr, directional


@dataclass(frozen=True, slots=True)
class FeatureConfig:
    """Feature periods, in signal bars unless named otherwise."""

    atr_period: int = 14
    adx_period: int = 14
    er_period: int = 10
    chop_period: int = 14
    ema_fast: int = 20
    ema_slow: int = 50
    atr_pct_lookback: int = 20  # sessions
    atr_pct_min_sessions: int = 5
    opening_range_minutes: tuple[int, ...] = (5, 30)  # minutes of RTH

    def __post_init__(self) -> None:
        for name, least in (
            ("atr_period", 1),
            ("adx_period", 2),
            ("er_period", 1),
            ("chop_period", 2),
            ("ema_fast", 1),
            ("ema_slow", 1),
            ("atr_pct_lookback", 1),
            ("atr_pct_min_sessions", 1),
        ):
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}, got {getattr(self, name)}")
        if self.atr_pct_min_sessions > self.atr_pct_lookback:
            raise ValueError("atr_pct_min_sessions cannot exceed atr_pct_lookback")
        minutes = self.opening_range_minutes
        if any(m < 1 for m in minutes) or len(set(minutes)) != len(minutes):
            raise ValueError(f"opening_range_minutes must be distinct and positive, got {minutes}")


_CORE_COLUMNS = (
    "atr",
    "plus_di",
    "minus_di",
    "adx",
    "er",
    "chop",
    "ema_fast",
    "ema_slow",
    "vwap",
    "vwap_sigma",
    "atr_pct",
)
# The columns that must be finite for `warm`: the ones with a warm-up.
_WARM_COLUMNS = ("atr", "plus_di", "minus_di", "adx", "er", "chop", "ema_fast", "ema_slow")


def feature_columns(config: FeatureConfig) -> tuple[str, ...]:
    """Output column names for `config`: the opening-range names follow its windows."""
    ranges = tuple(
        name for m in config.opening_range_minutes for name in (f"or{m}_high", f"or{m}_low")
    )
    return (*_CORE_COLUMNS, *ranges, "warm")


FEATURE_COLUMNS = feature_columns(FeatureConfig())


class FeatureValues(NamedTuple):
    """One bar's features (default opening ranges); NaN where undefined."""

    atr: float
    plus_di: float
    minus_di: float
    adx: float
    er: float
    chop: float
    ema_fast: float
    ema_slow: float
    vwap: float
    vwap_sigma: float
    atr_pct: float
    or5_high: float
    or5_low: float
    or30_high: float
    or30_low: float
    warm: bool


_REQUIRED = (
    "ts",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "trading_day",
    "in_rth",
    "rth_open",
    "minute_of_day",
)


def _epoch_ns(ts: pd.Series) -> np.ndarray:
    # Via naive UTC datetime64 so that NaT converts too (to int64 min) instead of raising.
    utc = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return utc.to_numpy("datetime64[ns]").view(np.int64)


def _session_arrays(bars: pd.DataFrame) -> dict[str, np.ndarray]:
    missing = [c for c in _REQUIRED if c not in bars.columns]
    if missing:
        raise ValueError(f"features need an annotated bar frame; missing columns {missing}")
    in_rth = bars["in_rth"].to_numpy(dtype=bool)
    return {
        "ts_ns": _epoch_ns(bars["ts"]),
        "open": bars["open"].to_numpy(dtype=float),
        "high": bars["high"].to_numpy(dtype=float),
        "low": bars["low"].to_numpy(dtype=float),
        "close": bars["close"].to_numpy(dtype=float),
        "volume": bars["volume"].to_numpy(dtype=float),
        "session": bars["trading_day"].to_numpy("datetime64[D]").view(np.int64),
        "in_rth": in_rth,
        "minute_of_day": bars["minute_of_day"].to_numpy(dtype=np.int64),
        # rth_open is NaT on days without RTH; those rows are outside RTH, where it is unused.
        "rth_open_ns": np.where(in_rth, _epoch_ns(bars["rth_open"]), 0),
    }


def compute_features(
    bars: pd.DataFrame, config: FeatureConfig = FeatureConfig(), bar_minutes: int = 5
) -> pd.DataFrame:
    """Features of every bar of an annotated signal-bar frame (same index), vectorised.

    `bar_minutes` is the signal-bar length: an opening range is complete at a bar's close.
    """
    out = compute_feature_arrays(_session_arrays(bars), config, bar_minutes)
    return pd.DataFrame(out, index=bars.index, copy=False)


def compute_feature_arrays(
    a: dict[str, np.ndarray],
    config: FeatureConfig = FeatureConfig(),
    bar_minutes: int = 5,
    only: Collection[str] | None = None,
) -> dict[str, np.ndarray]:
    """`compute_features` on plain arrays: ts_ns, open, high, low, close, volume, session (any
    integer id of the trading day that grows with it), in_rth, minute_of_day, and rth_open_ns
    (read only for the opening ranges: `reads_opening_ranges`).

    Returns one array per name of `feature_columns(config)`; with `only`, the opening ranges and
    the band sigma only when named there: a replay of a million bars need not hold the columns no
    strategy reads.
    """
    high, low, close = a["high"], a["low"], a["close"]
    out: dict[str, np.ndarray] = {}
    # The features with the most intermediates first, while few outputs are held: on a million
    # bars each array is 8 MB, and this order lowers the peak by a few of them.
    out["atr"] = atr(high, low, close, config.atr_period)
    out["atr_pct"] = atr_percentile(
        out["atr"],
        a["session"],
        a["minute_of_day"],
        config.atr_pct_lookback,
        config.atr_pct_min_sessions,
    )
    out["vwap"], out["vwap_sigma"] = session_vwap(
        high, low, close, a["volume"], a["session"], a["in_rth"]
    )
    if only is not None and "vwap_sigma" not in only:
        del out["vwap_sigma"]
    out["plus_di"], out["minus_di"], out["adx"] = directional(high, low, close, config.adx_period)
    out["er"] = efficiency_ratio(close, config.er_period)
    out["chop"] = choppiness(high, low, close, config.chop_period)
    out["ema_fast"] = ema(close, config.ema_fast)
    out["ema_slow"] = ema(close, config.ema_slow)
    for minutes in config.opening_range_minutes:
        if not _reads_opening_range(minutes, only):
            continue
        out[f"or{minutes}_high"], out[f"or{minutes}_low"] = opening_range(
            a["ts_ns"], high, low, a["session"], a["in_rth"], a["rth_open_ns"], minutes, bar_minutes
        )
    warm = np.ones(len(close), dtype=bool)
    for name in _WARM_COLUMNS:
        warm &= np.isfinite(out[name])
    out["warm"] = warm
    return {name: out[name] for name in feature_columns(config) if name in out}


def _reads_opening_range(minutes: int, only: Collection[str] | None) -> bool:
    return only is None or bool({f"or{minutes}_high", f"or{minutes}_low"} & set(only))


def reads_opening_ranges(config: FeatureConfig, only: Collection[str] | None) -> bool:
    """Whether `compute_feature_arrays(..., only=only)` computes an opening range (and so reads
    the `rth_open_ns` input)."""
    return any(_reads_opening_range(m, only) for m in config.opening_range_minutes)


def _values_type(columns: tuple[str, ...]) -> Callable[..., FeatureValues]:
    if columns == FeatureValues._fields:
        return FeatureValues
    # Other opening-range windows: a namedtuple with the same core fields and their own names.
    factory: Any = namedtuple  # built at run time, so mypy cannot check its fields
    return factory("FeatureValues", columns)


class IncrementalFeatures:
    """All features one signal bar at a time; the same numbers as `compute_features`.

    With non-default `opening_range_minutes`, `update` returns a namedtuple whose fields are
    `feature_columns(config)` (the core fields are the same).
    """

    __slots__ = (
        "_atr",
        "_atr_pct",
        "_chop",
        "_directional",
        "_ema_fast",
        "_ema_slow",
        "_er",
        "_make",
        "_opening_ranges",
        "_vwap",
        "columns",
        "config",
    )

    def __init__(self, config: FeatureConfig = FeatureConfig(), bar_minutes: int = 5) -> None:
        self.config = config
        self.columns = feature_columns(config)
        self._make = _values_type(self.columns)
        self._atr = IncrementalAtr(config.atr_period)
        self._directional = IncrementalDirectional(config.adx_period)
        self._er = IncrementalEfficiencyRatio(config.er_period)
        self._chop = IncrementalChoppiness(config.chop_period)
        self._ema_fast = IncrementalEma(config.ema_fast)
        self._ema_slow = IncrementalEma(config.ema_slow)
        self._vwap = IncrementalVwap()
        self._atr_pct = IncrementalAtrPercentile(
            config.atr_pct_lookback, config.atr_pct_min_sessions
        )
        self._opening_ranges = tuple(
            IncrementalOpeningRange(m, bar_minutes) for m in config.opening_range_minutes
        )

    def update(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        trading_day_ordinal: int,
        in_rth: bool,
        minute_of_day: int,
        rth_open_ns: int,
    ) -> FeatureValues:
        """Add a closed signal bar (ts_ns is its open time); returns its features.

        `trading_day_ordinal` is any integer that identifies the Globex trading day and grows
        with it; `rth_open_ns` is that day's RTH open (ignored outside RTH).
        """
        atr_now = self._atr.update(high, low, close)
        plus_di, minus_di, adx = self._directional.update(high, low, close)
        er = self._er.update(close)
        chop = self._chop.update(high, low, close)
        ema_fast = self._ema_fast.update(close)
        ema_slow = self._ema_slow.update(close)
        vwap, vwap_sigma = self._vwap.update(high, low, close, volume, trading_day_ordinal, in_rth)
        atr_pct = self._atr_pct.update(atr_now, trading_day_ordinal, minute_of_day)
        ranges: list[float] = []
        for tracker in self._opening_ranges:
            ranges.extend(
                tracker.update(ts_ns, high, low, trading_day_ordinal, in_rth, rth_open_ns)
            )
        # A sum is NaN if any term is NaN; the values are far from overflowing.
        warm = math.isfinite(atr_now + plus_di + minus_di + adx + er + chop + ema_fast + ema_slow)
        return self._make(
            atr_now,
            plus_di,
            minus_di,
            adx,
            er,
            chop,
            ema_fast,
            ema_slow,
            vwap,
            vwap_sigma,
            atr_pct,
            *ranges,
            warm,
        )


_AFTER_SEEK = 1  # rows built after a seek past the built ones: a replay skipping bars reads few


class BatchFeatures:
    """`IncrementalFeatures`' interface over features computed in batch (replays).

    Built from every signal bar a replay will close, it answers `update` with the next bar's
    features: the same numbers as `IncrementalFeatures` (the parity tests hold batch and
    incremental equal), without the per-bar arithmetic. Rows are built a chunk at a time so a
    long replay does not hold a million row objects at once.
    """

    __slots__ = (
        "_chunk",
        "_closes",
        "_i",
        "_make",
        "_rows",
        "_stamps",
        "_start",
        "bars",
        "columns",
        "values",
    )

    def __init__(
        self,
        bars: dict[str, np.ndarray],
        config: FeatureConfig = FeatureConfig(),
        bar_minutes: int = 5,
        chunk: int = 8192,
        only: Collection[str] | None = None,
        values: dict[str, np.ndarray] | None = None,
    ) -> None:
        """`only`: the columns needed; the opening ranges and the band sigma are computed only
        when named there (the core columns always are). Rows hold the columns computed.
        `values`: these bars' feature arrays computed before (a sweep reuses them across points
        of one feature configuration); they are read, never written."""
        if values is None:
            values = compute_feature_arrays(bars, config, bar_minutes, only)
        self.values = dict(values)
        self.columns = tuple(self.values)
        self._make: Any = _values_type(self.columns)
        # What `update` checks each bar against; the rest of the inputs can go.
        self.bars = {"ts_ns": bars["ts_ns"], "close": bars["close"]}
        self._chunk = chunk
        self._i = 0
        self._start = 0
        self._rows: list[Any] = []
        self._stamps: list[int] = []
        self._closes: list[float] = []

    def __len__(self) -> int:
        return len(self.bars["ts_ns"])

    def update(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        trading_day_ordinal: int,
        in_rth: bool,
        minute_of_day: int,
        rth_open_ns: int,
    ) -> FeatureValues:
        """The features of the next signal bar, which must be the bar given (same open, close)."""
        return self.next(ts_ns, close)

    def next(self, ts_ns: int, close: float) -> FeatureValues:
        """`update` reading only what it checks: the bar's open time and close."""
        row = self._i - self._start
        if row >= len(self._rows):
            # Read on in growing chunks; after a seek past them, a few rows (skipped bars are
            # never read).
            size = min(2 * len(self._rows), self._chunk) if row == len(self._rows) else 0
            self._load(self._i, max(size, _AFTER_SEEK))
            row = 0
        if ts_ns != self._stamps[row] or close != self._closes[row]:
            raise ValueError(
                f"signal bar {self._i} (open {ts_ns}, close {close}) is not the one the features "
                f"were computed for (open {self._stamps[row]}, close {self._closes[row]}): a "
                "replay must feed the bars it was prepared with, in order"
            )
        self._i += 1
        result: FeatureValues = self._rows[row]
        return result

    def keep_only(self, columns: tuple[str, ...]) -> None:
        """Drop every other column (a prepared replay reads few); rows then hold just these."""
        missing = [name for name in columns if name not in self.values]
        if missing:
            raise KeyError(f"no feature columns {missing}: the columns are {self.columns}")
        self.columns = columns
        self.values = {name: self.values[name] for name in columns}
        self._make = _values_type(columns)
        self._rows, self._start = [], self._i

    def seek(self, i: int) -> None:
        """Go on from signal bar `i` (a replay skipping bars it knows nothing happens on)."""
        if not 0 <= i <= len(self):
            raise IndexError(f"features were computed for {len(self)} signal bars; {i} asked")
        self._i = i

    def rows(self, start: int, stop: int) -> list[FeatureValues]:
        """The feature rows of signal bars `start` to `stop`, as `update` returns them."""
        if stop == start + 1:  # one row: no slices
            return [tuple.__new__(self._make, [self.values[n].item(start) for n in self.columns])]
        columns = [self.values[name][start:stop].tolist() for name in self.columns]
        # tuple.__new__ is what namedtuple's _make calls, minus its Python-level frame.
        return list(map(partial(tuple.__new__, self._make), zip(*columns, strict=True)))

    def _load(self, start: int, size: int) -> None:
        bars = self.bars
        if start >= len(bars["ts_ns"]):
            raise IndexError(f"features were computed for {len(self)} signal bars only")
        stop = start + size
        if size == 1:  # after a seek (most rows a replay reads): `rows` of one, inline
            values = self.values
            row = [values[name].item(start) for name in self.columns]
            self._rows = [tuple.__new__(self._make, row)]
            self._stamps = [bars["ts_ns"].item(start)]
            self._closes = [bars["close"].item(start)]
        else:
            self._rows = self.rows(start, stop)
            self._stamps = self.bars["ts_ns"][start:stop].tolist()
            self._closes = self.bars["close"][start:stop].tolist()
        self._start = start


def incremental_frame(
    bars: pd.DataFrame, config: FeatureConfig = FeatureConfig(), bar_minutes: int = 5
) -> pd.DataFrame:
    """`compute_features` computed by running `IncrementalFeatures` over the bars in order."""
    a = _session_arrays(bars)
    features = IncrementalFeatures(config, bar_minutes)
    update = features.update
    rows = [
        update(ts, open_, high, low, close, volume, session, in_rth, minute, rth_open)
        for ts, open_, high, low, close, volume, session, in_rth, minute, rth_open in zip(
            a["ts_ns"].tolist(),
            a["open"].tolist(),
            a["high"].tolist(),
            a["low"].tolist(),
            a["close"].tolist(),
            a["volume"].tolist(),
            a["session"].tolist(),
            a["in_rth"].tolist(),
            a["minute_of_day"].tolist(),
            a["rth_open_ns"].tolist(),
            strict=True,
        )
    ]
    frame = pd.DataFrame(rows, index=bars.index, columns=list(features.columns))
    frame["warm"] = frame["warm"].astype(bool)
    return frame
