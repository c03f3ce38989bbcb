"""Bars for `tm.backtest`: a file, a DataFrame, the simulator, or a source already made."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from transmission.engine.feeds import BarSource, from_file, from_simulator
from transmission.market.calendar import to_exchange_time
from transmission.market.loader import load_frame


def simulate(days: int = 5, seed: int = 7, *, symbol: str = "MNQ") -> BarSource:
    """`days` trading days of simulated 1-minute bars with known regime segments (`.regimes`)."""
    if days < 1:
        raise ValueError(f"the simulator needs at least 1 day, got days={days}")
    return from_simulator(days, symbol, seed=seed)


def as_source(data: Any, symbol: str = "MNQ", *, start: Any = None, end: Any = None) -> BarSource:
    """`data` (a path, a DataFrame of 1-minute OHLCV, or a BarSource) as a validated source,
    cut to [start, end) when given (naive times are US/Eastern)."""
    if isinstance(data, BarSource):
        source = data
    elif isinstance(data, (str, Path)):
        path = Path(data)
        if not path.is_file():
            raise FileNotFoundError(f"bar file {path} does not exist (tm.backtest data)")
        source = from_file(path, symbol)
    elif isinstance(data, pd.DataFrame):
        source = _from_frame(data, symbol)
    else:
        raise TypeError(
            "tm.backtest data must be a path, a DataFrame of 1-minute OHLCV or tm.simulate(...), "
            f"got {type(data).__name__}"
        )
    if start is None and end is None:
        return source
    return _cut(source, start, end)


def _from_frame(frame: pd.DataFrame, symbol: str) -> BarSource:
    loaded = load_frame(frame, source="DataFrame")
    bars = loaded.bars.drop(columns=["line"], errors="ignore")
    # Datasets are keyed by content: the same bars give the same dataset (and run id).
    digest = hashlib.sha256(pd.util.hash_pandas_object(bars, index=False).to_numpy().tobytes())
    return BarSource(
        dataset=f"frame-{digest.hexdigest()[:10]}",
        symbol=symbol,
        bars=bars,
        quarantined=loaded.quarantined,
        description=f"DataFrame of {len(frame)} rows",
        duplicates_skipped=loaded.duplicates_skipped,
    )


def _bound(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise ValueError(f"tm.backtest {name}={value!r} is not a time") from None
    return to_exchange_time(pd.Series([ts])).iloc[0]


def _cut(source: BarSource, start: Any, end: Any) -> BarSource:
    ts = source.bars["ts"]
    keep = pd.Series(True, index=ts.index)
    if start is not None:
        keep &= ts >= _bound(start, "start")
    if end is not None:
        keep &= ts < _bound(end, "end")
    bars = source.bars[keep].reset_index(drop=True)
    if bars.empty:
        raise ValueError(f"no bars between start={start!r} and end={end!r} in {source.description}")
    cut = f"{start or ''}..{end or ''}"
    return replace(source, bars=bars, description=f"{source.description} [{cut}]")
