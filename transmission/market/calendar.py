"""Globex trading days and RTH windows from exchange calendars.

Trading days come from the CME equity calendar (Globex, 18:00 to 17:00 ET); the regular session
(RTH) is the NYSE session, so holidays and early closes come from `pandas-market-calendars`, not a
hand-written list. A day that CME trades but NYSE does not (Thanksgiving) has no RTH.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

EXCHANGE_TZ = "America/New_York"
GLOBEX_ROLL_HOUR = 18
ET_DTYPE = pd.DatetimeTZDtype(unit="ns", tz=EXCHANGE_TZ)


def to_exchange_time(ts: pd.Series | pd.DatetimeIndex) -> pd.Series:
    """Timestamps as tz-aware US/Eastern (naive input is taken as US/Eastern), ns resolution."""
    series = pd.Series(ts)
    if series.dt.tz is None:
        series = series.dt.tz_localize(EXCHANGE_TZ, ambiguous="raise", nonexistent="raise")
    else:
        series = series.dt.tz_convert(EXCHANGE_TZ)
    return series.astype(ET_DTYPE)


def epoch_ns(ts: pd.Series) -> np.ndarray:
    """Epoch nanoseconds of tz-aware timestamps."""
    return ts.dt.as_unit("ns").astype("int64").to_numpy()


def utc_offset_ns(ts: pd.Series) -> np.ndarray:
    """Local-minus-UTC offset, in nanoseconds, of each tz-aware timestamp."""
    return ts.dt.tz_localize(None).dt.as_unit("ns").astype("int64").to_numpy() - epoch_ns(ts)


def trading_days_of(ts: pd.Series) -> pd.Series:
    """Globex trading day (naive midnight) of each tz-aware ET timestamp: 18:00 rolls forward."""
    local = ts.dt.tz_localize(None)
    day = local.dt.normalize()
    rolled = day + pd.to_timedelta((local.dt.hour >= GLOBEX_ROLL_HOUR).astype("int64"), unit="D")
    # A Friday-evening or Saturday bar belongs to Monday's session.
    weekday = rolled.dt.day_of_week
    shift = np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    return (rolled + pd.to_timedelta(shift, unit="D")).astype("datetime64[ns]")


def globex_session(day: date) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in exchange time of the Globex trading day `day`, Monday to Friday.

    The inverse of `trading_days_of`: a bar at 18:00 ET or later belongs to the next day, and
    Friday-evening to Sunday bars belong to Monday.
    """
    back = 3 if day.weekday() == 0 else 1
    roll = pd.Timedelta(hours=GLOBEX_ROLL_HOUR)
    start = pd.Timestamp(day - timedelta(days=back)).tz_localize(EXCHANGE_TZ) + roll
    return start, pd.Timestamp(day).tz_localize(EXCHANGE_TZ) + roll


@lru_cache(maxsize=1)
def _nyse() -> Any:
    # Imported on first use: the calendar library is slow to import and the CLI starts often.
    import pandas_market_calendars as mcal

    return mcal.get_calendar("XNYS")


@lru_cache(maxsize=64)
def _year_schedule(year: int) -> pd.DataFrame:
    # A whole year at a time: the calendar's holiday rules are costly to evaluate per day.
    schedule = _nyse().schedule(start_date=date(year, 1, 1), end_date=date(year, 12, 31))
    return schedule[["market_open", "market_close"]]


def _rth_schedule(start: date, end: date) -> pd.DataFrame:
    years = [_year_schedule(year) for year in range(start.year, end.year + 1)]
    return pd.concat(years) if len(years) > 1 else years[0]


def rth_windows(days: pd.Series | list[date]) -> pd.DataFrame:
    """RTH open and close (tz-aware ET, NaT for days without RTH) for each given trading day."""
    index = pd.DatetimeIndex(pd.to_datetime(pd.Series(days))).normalize().unique()
    out = pd.DataFrame(index=index)
    if len(index) == 0:
        out["rth_open"] = pd.Series(dtype=ET_DTYPE)
        out["rth_close"] = pd.Series(dtype=ET_DTYPE)
        return out
    schedule = _rth_schedule(index.min().date(), index.max().date())
    schedule = schedule.set_axis(pd.DatetimeIndex(schedule.index).tz_localize(None).normalize())
    joined = out.join(schedule)
    for src, dst in (("market_open", "rth_open"), ("market_close", "rth_close")):
        out[dst] = pd.to_datetime(joined[src], utc=True).dt.tz_convert(EXCHANGE_TZ).astype(ET_DTYPE)
    return out


def annotate(bars: pd.DataFrame) -> pd.DataFrame:
    """A copy of a bar frame with trading_day, in_rth, rth_open, rth_close and minute_of_day."""
    out = bars.copy()
    out["ts"] = to_exchange_time(out["ts"])
    out["trading_day"] = trading_days_of(out["ts"])
    windows = rth_windows(out["trading_day"])
    out["rth_open"] = out["trading_day"].map(windows["rth_open"]).astype(windows["rth_open"].dtype)
    out["rth_close"] = (
        out["trading_day"].map(windows["rth_close"]).astype(windows["rth_close"].dtype)
    )
    out["in_rth"] = ((out["ts"] >= out["rth_open"]) & (out["ts"] < out["rth_close"])).fillna(False)
    local = out["ts"].dt.tz_localize(None)
    out["minute_of_day"] = (local.dt.hour * 60 + local.dt.minute).astype("int64")
    return out


@dataclass(frozen=True, slots=True)
class Session:
    """One Globex trading day as the per-bar path needs it, all times in epoch nanoseconds."""

    trading_day: date
    ordinal: int
    week: int
    start_ns: int
    end_ns: int
    utc_offset_ns: int
    rth_open_ns: int
    rth_close_ns: int

    @property
    def has_rth(self) -> bool:
        return self.rth_close_ns > self.rth_open_ns

    def contains(self, ts_ns: int) -> bool:
        return self.start_ns <= ts_ns < self.end_ns


class SessionTracker:
    """Finds the session of each bar; a new one is computed only when a bar leaves the last."""

    def __init__(self) -> None:
        self._cache: dict[date, Session] = {}

    def session_of(self, ts_ns: int) -> Session:
        local = pd.Timestamp(ts_ns, unit="ns", tz="UTC").tz_convert(EXCHANGE_TZ)
        day = local.date()
        if local.hour >= GLOBEX_ROLL_HOUR:
            day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        session = self._cache.get(day)
        if session is None:
            session = self._build(day)
            self._cache[day] = session
        return session

    def prefetch(self, days: Iterable[date]) -> None:
        """Build the sessions of many trading days with one calendar lookup (a replay knows its
        days up front; one lookup a day costs ~10 ms)."""
        missing = sorted(set(days) - self._cache.keys())
        if not missing:
            return
        windows = rth_windows(missing)
        opens, closes = windows["rth_open"].tolist(), windows["rth_close"].tolist()
        for day, rth_open, rth_close in zip(missing, opens, closes, strict=True):
            self._cache[day] = self._build(day, (rth_open, rth_close))

    @staticmethod
    def _build(day: date, window: tuple[pd.Timestamp, pd.Timestamp] | None = None) -> Session:
        prev = pd.Timestamp(day) - pd.Timedelta(days=1)
        while prev.weekday() >= 5:
            prev -= pd.Timedelta(days=1)
        start = prev.replace(hour=GLOBEX_ROLL_HOUR).tz_localize(EXCHANGE_TZ)
        end = pd.Timestamp(day).replace(hour=GLOBEX_ROLL_HOUR).tz_localize(EXCHANGE_TZ)
        noon = pd.Timestamp(day).replace(hour=12).tz_localize(EXCHANGE_TZ)
        offset = noon.utcoffset()
        if window is None:
            row = rth_windows([day]).iloc[0]
            window = (row["rth_open"], row["rth_close"])
        rth_open, rth_close = window
        has_rth = not pd.isna(rth_open)
        iso = day.isocalendar()
        return Session(
            trading_day=day,
            ordinal=day.toordinal(),
            week=iso.year * 100 + iso.week,
            start_ns=int(start.value),
            end_ns=int(end.value),
            utc_offset_ns=int(offset.total_seconds() * 1e9) if offset else 0,
            rth_open_ns=int(rth_open.value) if has_rth else 0,
            rth_close_ns=int(rth_close.value) if has_rth else 0,
        )
