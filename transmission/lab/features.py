"""`tm.check_feature`: a user feature's two forms run over real bars and held to agree."""

from __future__ import annotations

from typing import Any

import pandas as pd

from transmission.features.custom import Feature, check_signal_bars
from transmission.lab.data import as_source, simulate
from transmission.market.calendar import annotate
from transmission.market.resample import resample


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
