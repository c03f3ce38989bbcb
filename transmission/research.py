"""What the research notebooks compute, so that the notebooks only show it.

- `load_source`: bars from a file, the shared NQ sample when it is there, or the simulator;
- `backtest_variants`: one `tm.backtest` per config override, their headline figures side by side
  (backtests themselves: `tm.backtest`, `transmission.lab`);
- the regime lab: `signal_frame` (signal bars, features and regimes in batch, the live path's
  rules), `reclassify`, `regime_segments`, `dwell_times`, `truth_labels`, `agreement` and
  `threshold_sweep`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import transmission
from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource, from_file, from_simulator
from transmission.features import compute_features
from transmission.market.calendar import annotate
from transmission.market.resample import resample
from transmission.regime import RegimeConfig, classify_frame
from transmission.regime.agreement import regime_labels

# The repository sits next to ../shared in the team's layout; a fresh clone has no such folder.
SAMPLE_FILE = (
    Path(transmission.__file__).resolve().parents[2] / "shared" / "data" / "NQ_1min_sample.csv"
)
SAMPLE_ENV = "TRANSMISSION_SAMPLE"
NO_TRADE = "NO_TRADE"


def find_sample() -> Path | None:
    """The shared NQ 1-minute sample when this checkout has it, else None.

    TRANSMISSION_SAMPLE names another file; set to an empty string, there is no sample (what a
    fresh clone sees).
    """
    override = os.environ.get(SAMPLE_ENV)
    path = SAMPLE_FILE if override is None else Path(override) if override else None
    return path if path is not None and path.is_file() else None


def load_source(
    data: str | Path | None = None,
    *,
    symbol: str = "MNQ",
    days: int = 5,
    seed: int = 7,
    use_sample: bool = True,
) -> BarSource:
    """Bars to study: `data` when given, else the shared sample when present, else the simulator.

    `days` and `seed` only apply to the simulator.
    """
    if data is not None:
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"bar file {path} does not exist (parameter data)")
        return from_file(path, symbol)
    sample = find_sample() if use_sample else None
    if sample is not None:
        return from_file(sample, symbol)
    if days < 1:
        raise ValueError(f"the simulator needs at least 1 day, got days={days}")
    return from_simulator(days, symbol, seed=seed)


# The headline figures of a variant, in reading order (names of `transmission.metrics`).
SUMMARY_COLUMNS = (
    "total_trades",
    "total_r",
    "all_expected_r",
    "all_profit_factor",
    "all_win_rate",
    "all_win_rate_wilson_lb",
    "max_drawdown_r",
    "sqn",
)


def backtest_variants(
    source: BarSource, variants: dict[str, dict[str, Any]], journal: str | Path | None = None
) -> pd.DataFrame:
    """One `tm.backtest` per named config override (e.g. {"adx 30": {"regime": {"trend_adx":
    30}}}), into `journal`, and their headline metrics side by side."""
    from transmission.lab import backtest

    rows = {
        name: backtest(source, config=overrides, journal=journal).metrics
        for name, overrides in variants.items()
    }
    return pd.DataFrame(rows).T.reindex(columns=list(SUMMARY_COLUMNS)).rename_axis("variant")


# -- the regime lab -----------------------------------------------------------------------------


def signal_frame(bars: pd.DataFrame, config: EngineConfig | None = None) -> pd.DataFrame:
    """Signal bars (annotated) with every feature and the regime the live rules give each bar.

    Columns: the annotated bar columns, the feature columns, `regime`, `direction`, `label`
    (TREND_UP / TREND_DOWN / RANGE / VOLATILE / NO_TRADE) and `end` (the bar's close time).
    """
    config = config or EngineConfig()
    minutes = config.timeframe_minutes
    signal = annotate(resample(bars, minutes))
    features = compute_features(signal, config.feature_config(), bar_minutes=minutes)
    frame = pd.concat([signal, features], axis=1)
    frame["end"] = frame["ts"] + pd.Timedelta(minutes=minutes)
    frame.attrs["bar_minutes"] = minutes
    feature_names = list(features.columns)
    frame.attrs["feature_columns"] = feature_names
    return _with_regimes(frame, config.regime_config())


def reclassify(frame: pd.DataFrame, regime: RegimeConfig | dict[str, Any]) -> pd.DataFrame:
    """The same signal frame classified again with other regime thresholds (features unchanged)."""
    cfg = regime if isinstance(regime, RegimeConfig) else _regime_config(regime)
    return _with_regimes(frame.copy(), cfg)


def _regime_config(values: dict[str, Any]) -> RegimeConfig:
    names = {f.name for f in fields(RegimeConfig)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ValueError(f"unknown regime thresholds {unknown}; known: {', '.join(sorted(names))}")
    return replace(RegimeConfig(), **values)


def _with_regimes(frame: pd.DataFrame, cfg: RegimeConfig) -> pd.DataFrame:
    features = frame[frame.attrs["feature_columns"]]
    regimes = classify_frame(frame, features, cfg, bar_minutes=frame.attrs["bar_minutes"])
    frame["regime"] = regimes["regime"]
    frame["direction"] = regimes["direction"]
    frame["label"] = regime_labels(frame)
    frame.attrs["regime_config"] = cfg
    return frame


def truth_summary(truth: pd.DataFrame) -> pd.DataFrame:
    """The simulator's regime segments: how many, how long, and their share of RTH time."""
    minutes = (truth["end"] - truth["start"]).dt.total_seconds() / 60
    table = pd.DataFrame(
        truth.assign(minutes=minutes)
        .groupby("regime")["minutes"]
        .agg(segments="size", mean_minutes="mean", total_minutes="sum")
    )
    rth = table.drop(index="OVERNIGHT", errors="ignore")
    table["share_of_rth"] = rth["total_minutes"] / rth["total_minutes"].sum()
    return table.sort_values(by="total_minutes", ascending=False)


def regime_segments(frame: pd.DataFrame, column: str = "label") -> pd.DataFrame:
    """Consecutive runs of one regime within a trading day: start, end, regime, bars, minutes.

    NO_TRADE stretches are left out: they are the trading-window gate, not a market reading.
    """
    if frame.empty:
        return pd.DataFrame(columns=["trading_day", "start", "end", "regime", "bars", "minutes"])
    values = frame[column].to_numpy(dtype=object)
    days = frame["trading_day"].to_numpy()
    new = np.ones(len(frame), dtype=bool)
    new[1:] = (values[1:] != values[:-1]) | (days[1:] != days[:-1])
    segment = np.cumsum(new)
    grouped = frame.assign(_segment=segment).groupby("_segment", sort=True)
    out = grouped.agg(
        trading_day=("trading_day", "first"),
        start=("ts", "first"),
        end=("end", "last"),
        regime=(column, "first"),
        bars=("ts", "size"),
    ).reset_index(drop=True)
    out["minutes"] = out["bars"] * frame.attrs.get("bar_minutes", 5)
    return out[out["regime"] != NO_TRADE].reset_index(drop=True)


def dwell_times(segments: pd.DataFrame) -> pd.DataFrame:
    """How long each regime holds once it starts: count, mean, median and longest, in minutes."""
    table = pd.DataFrame(
        segments.groupby("regime")["minutes"].agg(
            segments="size", mean_minutes="mean", median_minutes="median", longest_minutes="max"
        )
    )
    table["share_of_time"] = segments.groupby("regime")["minutes"].sum() / segments["minutes"].sum()
    return table.sort_values(by="share_of_time", ascending=False)


def truth_labels(frame: pd.DataFrame, truth: pd.DataFrame, lag_minutes: int = 0) -> pd.Series:
    """The simulator's regime during each signal bar's last minute (what the bar closes on), or
    `lag_minutes` before it."""
    from transmission.market.simulator import regime_at

    back = pd.Timedelta(minutes=1 + lag_minutes)
    last_minute = (frame["end"] - back).reset_index(drop=True)
    labels = regime_at(truth, last_minute)
    labels.index = frame.index
    return labels


@dataclass(frozen=True)
class Agreement:
    """How often the classifier's regime matches the simulator's, on bars it calls a regime."""

    rate: float
    bars: int
    confusion: pd.DataFrame


def agreement(frame: pd.DataFrame, truth: pd.DataFrame, lag_minutes: int = 0) -> Agreement:
    """Classifier label vs ground truth on in-window bars the classifier does not gate out.

    With `lag_minutes`, each bar is compared with the truth that long before its close: the
    classifier needs a few bars of evidence, so it names a regime after the market enters it.
    """
    if lag_minutes < 0:
        raise ValueError(f"lag_minutes must be zero or positive, got {lag_minutes}")
    labels = truth_labels(frame, truth, lag_minutes)
    called = (frame["label"] != NO_TRADE) & labels.isin(
        ["TREND_UP", "TREND_DOWN", "RANGE", "VOLATILE"]
    )
    predicted = frame.loc[called, "label"].rename("classifier")
    actual = labels[called].rename("truth")
    confusion = pd.crosstab(actual, predicted)
    n = int(called.sum())
    rate = float((predicted == actual).mean()) if n else float("nan")
    return Agreement(rate, n, confusion)


def threshold_sweep(
    frame: pd.DataFrame,
    threshold: str,
    values: list[float],
    truth: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per value of one RegimeConfig threshold: share of gated-in bars per regime, regime
    changes per day, and (with `truth`) agreement with the simulator."""
    base: RegimeConfig = frame.attrs.get("regime_config", RegimeConfig())
    if threshold not in {f.name for f in fields(RegimeConfig)}:
        raise ValueError(f"{threshold!r} is not a RegimeConfig threshold")
    rows = []
    for value in values:
        classified = reclassify(frame, replace(base, **{threshold: value}))  # type: ignore[arg-type]
        live = classified[classified["label"] != NO_TRADE]
        shares = live["label"].value_counts(normalize=True)
        segments = regime_segments(classified)
        days = max(classified["trading_day"].nunique(), 1)
        row: dict[str, Any] = {threshold: value}
        for name in ("TREND_UP", "TREND_DOWN", "RANGE", "VOLATILE"):
            row[f"share_{name}"] = float(shares.get(name, 0.0))
        row["segments_per_day"] = len(segments) / days
        if truth is not None:
            row["agreement"] = agreement(classified, truth).rate
        rows.append(row)
    return pd.DataFrame(rows).set_index(threshold)


def agreement_by_lag(frame: pd.DataFrame, truth: pd.DataFrame, lags: list[int]) -> pd.Series:
    """Agreement with the truth `lag` minutes before each bar's close, for each lag."""
    rates = {lag: agreement(frame, truth, lag).rate for lag in lags}
    return pd.Series(rates, name="agreement").rename_axis("lag_minutes")
