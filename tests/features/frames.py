"""Small annotated bar frames for hand-made cases, without the exchange calendar.

Every day gets RTH 09:30 to 16:00 ET and the Globex trading day rolls at 18:00 (no weekend or
holiday handling: use weekdays). Features only read the annotated columns, so this is enough, and
it is fast enough for hypothesis (the real calendar takes ~0.2 s per new date range).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from transmission.market.calendar import EXCHANGE_TZ, GLOBEX_ROLL_HOUR, to_exchange_time

ET_NS = f"datetime64[ns, {EXCHANGE_TZ}]"


def annotated_bars(
    ts: Sequence[str] | pd.DatetimeIndex,
    high: Sequence[float],
    low: Sequence[float],
    close: Sequence[float],
    volume: Sequence[float] | None = None,
) -> pd.DataFrame:
    """An annotated bar frame (naive `ts` are US/Eastern); open is the previous close."""
    close_arr = np.asarray(close, dtype=float)
    frame = pd.DataFrame(
        {
            "ts": to_exchange_time(pd.Series(pd.DatetimeIndex(ts))),
            "open": np.r_[close_arr[:1], close_arr[:-1]],
            "high": np.asarray(high, dtype=float),
            "low": np.asarray(low, dtype=float),
            "close": close_arr,
            "volume": np.ones(len(close_arr)) if volume is None else np.asarray(volume, float),
        }
    )
    local = frame["ts"].dt.tz_localize(None)
    rolled = (local.dt.hour >= GLOBEX_ROLL_HOUR).astype("int64")
    frame["trading_day"] = (local.dt.normalize() + pd.to_timedelta(rolled, unit="D")).astype(
        "datetime64[ns]"
    )
    day = frame["trading_day"].dt.tz_localize(EXCHANGE_TZ)
    frame["rth_open"] = (day + pd.Timedelta(hours=9, minutes=30)).astype(ET_NS)
    frame["rth_close"] = (day + pd.Timedelta(hours=16)).astype(ET_NS)
    frame["in_rth"] = (frame["ts"] >= frame["rth_open"]) & (frame["ts"] < frame["rth_close"])
    frame["minute_of_day"] = (local.dt.hour * 60 + local.dt.minute).astype("int64")
    return frame


def flat_bars(ts: Sequence[str] | pd.DatetimeIndex, price: float = 100.0) -> pd.DataFrame:
    """Bars that never move: high = low = close = price."""
    n = len(ts)
    return annotated_bars(ts, [price] * n, [price] * n, [price] * n)
