"""`tm.check_feature`: a user feature's two forms run over real bars and held to agree."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from transmission.features.custom import Feature, ParityCheck, signal_frame
from transmission.lab.data import as_source, simulate
from transmission.market.calendar import MINUTE_NS, annotate
from transmission.market.resample import resample
from transmission.strategies.base import BarView

DAY_MINUTES = 1440


def check_feature(
    feature: Feature, data: Any = None, *, timeframe_minutes: int = 5
) -> pd.DataFrame:
    """Run `feature`'s batch and incremental forms over the signal bars of `data` (1-minute bars
    as `tm.backtest` takes them; None: 3 simulated days); returns the signal bars with the
    feature's columns when the forms agree on every bar, else raises `FeatureParityError`
    naming the first bar where they differ."""
    if not isinstance(feature, Feature):
        raise TypeError(f"check_feature takes a tm.feature(...), got {type(feature).__name__}")
    source = simulate(3) if data is None else as_source(data)
    signal = annotate(resample(source.bars, timeframe_minutes))
    values = check_signal_bars(feature, signal, timeframe_minutes)
    return pd.concat([signal[["ts", "open", "high", "low", "close", "volume"]], values], axis=1)


def bar_views(arrays: Mapping[str, np.ndarray], bar_minutes: int) -> list[BarView]:
    """The incremental form's input: a BarView per signal bar, as the orchestrator makes them."""
    ts = np.asarray(arrays["ts_ns"], dtype=np.int64)
    end = ts + bar_minutes * MINUTE_NS
    local = pd.DatetimeIndex(ts.view("datetime64[ns]")).tz_localize("UTC")
    local = local.tz_convert("America/New_York")
    end_minute = (local.hour * 60 + local.minute + bar_minutes) % DAY_MINUTES
    columns = [arrays[k] for k in ("open", "high", "low", "close", "volume", "in_rth")]
    return [
        BarView(t, e, o, h, lo, c, v, bool(r), m)
        for t, e, o, h, lo, c, v, r, m in zip(
            ts.tolist(),
            end.tolist(),
            *(np.asarray(c).tolist() for c in columns),
            np.asarray(end_minute).tolist(),
            strict=True,
        )
    ]


def check_arrays(
    feature: Feature, arrays: Mapping[str, np.ndarray], bar_minutes: int = 5
) -> dict[str, np.ndarray]:
    """Both forms over the signal bars in `arrays`; their (batch) columns when they agree."""
    batch = feature.compute(signal_frame(arrays))
    check = ParityCheck(feature, batch)
    for i, bar in enumerate(bar_views(arrays, bar_minutes)):
        check.step(i, bar)
    return batch


def check_signal_bars(feature: Feature, bars: pd.DataFrame, bar_minutes: int = 5) -> pd.DataFrame:
    """`check_arrays` on a signal-bar frame (annotated: `ts`, OHLCV, `in_rth`)."""
    ts = bars["ts"].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[ns]")
    arrays = {"ts_ns": ts.view(np.int64)}
    for key in ("open", "high", "low", "close", "volume", "in_rth"):
        arrays[key] = bars[key].to_numpy()
    return pd.DataFrame(check_arrays(feature, arrays, bar_minutes), index=bars.index)
