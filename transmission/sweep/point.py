"""One grid point on a worker: the notebook API's single run, reduced to a row of figures.

`run_point` runs a point through `lab.run.run_backtest`, the function behind `tm.backtest`, so
a point and `tm.backtest` with the same parameters give the same trades. It runs on a Dask
worker and writes nothing but an in-memory scratch journal of its own; the driver journals the
row it returns. Points of one feature configuration share their features through a
per-process cache (`_FEATURES`); a thread's scratch journal is kept between points.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from transmission.engine.feeds import BarSource
from transmission.journal import Journal
from transmission.lab.run import run_backtest
from transmission.overfitting import sharpe_ratio
from transmission.sweep.spec import SweepSpec

# Feature arrays by (data, window) then by feature config; a few feature sets a process (each
# is ~8 MB a column on a million signal bars), the least recently used going first.
FEATURE_SETS_KEPT = 2
_FEATURES: OrderedDict[tuple[str, tuple[int, int] | None], dict[Any, Any]] = OrderedDict()


def run_point(bars: BarSource, spec: SweepSpec, params: dict[str, Any]) -> dict[str, Any]:
    """The metrics row of one point: its parameters, `metrics.py`'s figures over every trade,
    trades, blocked time, vetoed signals, and the trade and daily R that the overfitting
    statistics and walk-forward stitching read."""
    started = time.perf_counter()
    spec.install()  # the user strategies, in this worker's registry
    config = spec.config_for(params)
    source = window_of(bars, spec.window)
    cache = _feature_cache(source.identity, spec.window)
    computed_before = len(cache)
    journal = _scratch_journal()
    try:
        result = run_backtest(
            source, spec.strategy, config, journal=journal, store_bars=False, feature_cache=cache
        )
    except BaseException:
        _drop_scratch_journal()  # a half-written run must not be resumed by the next point
        raise
    journal.delete_run(result.run_id)
    trades, risk, signals = result.trades, result.risk_events, result.signals
    result_r = trades["result_r"].to_numpy(np.float64)
    daily = trades.groupby(trades["trading_day"].astype(str), sort=True)["result_r"].sum()
    end = int(source.bars["ts"].iloc[-1].value) if len(source.bars) else 0
    row: dict[str, Any] = {
        **{str(key): _plain(value) for key, value in result.metrics.items()},  # tm.backtest's
        "trades": int(result_r.size),
        "trade_sharpe": _finite(sharpe_ratio(result_r)),
        "blocked_minutes": blocked_minutes(risk, end),
        "risk_trips": int((risk["event"] == "trip").sum()) if len(risk) else 0,
        "vetoed_signals": int((signals["decision"] == "vetoed").sum()) if len(signals) else 0,
        "features_computed": len(cache) > computed_before,
        "bars": len(source.bars),
        "elapsed_s": time.perf_counter() - started,
        "daily_r": {day: float(r) for day, r in daily.items()},
        "trade_r": result_r.tolist(),
        "trade_exit_ns": [int(pd.Timestamp(ts).value) for ts in trades["timestamp_exit"]],
    }
    return row


def window_of(bars: BarSource, window: tuple[int, int] | None) -> BarSource:
    """The bars in [start, end) epoch ns (all of them for None), as a source of their own."""
    if window is None:
        return bars
    ns = bars.bars["ts"].dt.as_unit("ns").astype("int64").to_numpy()
    lo, hi = np.searchsorted(ns, window[0]), np.searchsorted(ns, window[1])
    frame = bars.bars.iloc[lo:hi].reset_index(drop=True)
    return replace(bars, bars=frame, quarantined=bars.quarantined.iloc[:0])


def blocked_minutes(risk: pd.DataFrame, end_ns: int) -> float:
    """Minutes in which at least one tripwire held (a trip to its reset, or to the last bar)."""
    if risk.empty:
        return 0.0
    ns = risk["ts"].dt.as_unit("ns").astype("int64").to_numpy()
    spans: list[tuple[int, int]] = []
    open_at: dict[tuple[str, str], int] = {}
    for at, rule, event, strategy in zip(
        ns.tolist(), risk["rule"], risk["event"], risk["strategy"].fillna(""), strict=True
    ):
        key = (rule, strategy)
        if event == "trip":
            open_at.setdefault(key, at)
        elif event == "reset" and key in open_at:
            spans.append((open_at.pop(key), at))
    spans.extend((at, max(at, end_ns)) for at in open_at.values())
    spans.sort()
    total, reach = 0, None
    for start, stop in spans:
        if reach is None or start > reach:
            total += stop - start
            reach = stop
        elif stop > reach:
            total += stop - reach
            reach = stop
    return total / 60e9


_scratch = threading.local()


def _scratch_journal() -> Journal:
    """This thread's in-memory journal, kept between points (a new one costs ~0.1 s); each
    point's run is deleted from it once read."""
    journal: Journal | None = getattr(_scratch, "journal", None)
    if journal is None:
        journal = _scratch.journal = Journal(":memory:")
    return journal


def _drop_scratch_journal() -> None:
    journal: Journal | None = getattr(_scratch, "journal", None)
    _scratch.journal = None
    if journal is not None:
        journal.close()


def _feature_cache(identity: str, window: tuple[int, int] | None) -> dict[Any, Any]:
    key = (identity, window)
    cache = _FEATURES.get(key)
    if cache is None:
        cache = _FEATURES[key] = {}
        while len(_FEATURES) > FEATURE_SETS_KEPT:
            _FEATURES.popitem(last=False)
    else:
        _FEATURES.move_to_end(key)
    while len(cache) > FEATURE_SETS_KEPT:
        cache.pop(next(iter(cache)))
    return cache


def _plain(value: Any) -> Any:
    """numpy scalars as Python values (the row goes to JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _finite(value: float) -> float | None:
    return value if np.isfinite(value) else None
