"""Globex trading days and RTH windows from exchange calendars.

Trading days come from the CME equity calendar (Globex, 18:00 to 17:00 ET); the regular session
(RTH) is the NYSE session, so holidays and early closes come from `pandas-market-calendars`, not a
hand-written list. A day that CME trades but NYSE does not (Thanksgiving) has no RTH.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EXCHANGE_TZ = "America/New_York"
MINUTE_NS = 60_000_000_000  # a minute in epoch nanoseconds, the unit of every bar time
GLOBEX_ROLL_HOUR = 18
ET_DTYPE = pd.DatetimeTZDtype(unit="ns", tz=EXCHANGE_TZ)


def check_timezone(name: str) -> str:
    """`name` when it is an IANA time zone (America/Chicago, UTC), else a clear ValueError."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: give an IANA name such as America/New_York, "
            "America/Chicago or UTC"
        ) from None
    return name


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


def _clamped(rules: list[Any], first: pd.Timestamp, last: pd.Timestamp) -> list[Any]:
    """Copies of holiday rules that apply only between `first` and `last`."""
    clamped = []
    for rule in rules:
        rule = copy.copy(rule)
        rule.start_date = first if rule.start_date is None else max(rule.start_date, first)
        rule.end_date = last if rule.end_date is None else min(rule.end_date, last)
        clamped.append(rule)
    return clamped


@lru_cache(maxsize=1)
def _bounded_nyse_class() -> type:
    # Imported on first use: the calendar library is slow to import and the CLI starts often.
    import pandas_market_calendars as mcal
    from pandas.tseries.holiday import AbstractHolidayCalendar
    from pandas_market_calendars.market_calendar import HolidayCalendar

    class BoundedNYSE(type(mcal.get_calendar("XNYS"))):  # type: ignore[misc]
        """The library's NYSE calendar with its holiday rules evaluated only between two dates.

        pandas evaluates a holiday rule over its whole life (many start in the 1880s), and the
        library's calendar over 1885-2200: 0.3 s of a 15k-bar replay, before the first schedule.
        Within the bounds the schedule is the library's, day for day (a test compares them).
        """

        aliases = ()  # registered under its class name, never as "XNYS"

        def __init__(self, first: date, last: date, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.first, self.last = pd.Timestamp(first), pd.Timestamp(last)

        def _bounded(self, calendar: Any) -> Any:
            return AbstractHolidayCalendar(rules=_clamped(calendar.rules, self.first, self.last))

        @property
        def regular_holidays(self) -> Any:
            rules = _clamped(super().regular_holidays.rules, self.first, self.last)
            return HolidayCalendar(rules=rules, start_date=self.first, end_date=self.last)

        def _special(self, times: list[Any]) -> list[Any]:
            return [
                (time, self._bounded(cal) if isinstance(cal, AbstractHolidayCalendar) else cal)
                for time, cal in times
            ]

        @property
        def special_opens(self) -> list[Any]:
            return self._special(super().special_opens)

        @property
        def special_closes(self) -> list[Any]:
            return self._special(super().special_closes)

    return BoundedNYSE


# Whole years at a time, computed together for all the years a lookup lacks: each calendar
# costs ~60 ms to set up whatever its span, then a year costs a few ms.
_YEAR_SCHEDULES: dict[int, pd.DataFrame] = {}


def _rth_schedule(start: date, end: date) -> pd.DataFrame:
    years = range(start.year, end.year + 1)
    missing = [year for year in years if year not in _YEAR_SCHEDULES]
    for year in missing:
        stored = _stored_year(year)
        if stored is not None:
            _YEAR_SCHEDULES[year] = stored
    missing = [year for year in missing if year not in _YEAR_SCHEDULES]
    if missing:
        first, last = date(missing[0], 1, 1), date(missing[-1], 12, 31)
        nyse = _bounded_nyse_class()(first, last)
        schedule = nyse.schedule(start_date=first, end_date=last)[["market_open", "market_close"]]
        for year in missing:
            _YEAR_SCHEDULES[year] = schedule[schedule.index.year == year]
            _store_year(year, _YEAR_SCHEDULES[year])
    frames = [_YEAR_SCHEDULES[year] for year in years]
    return pd.concat(frames) if len(frames) > 1 else frames[0]


# A year's schedule kept on disk too (`paths.cache_dir`): the library takes ~35 ms to compute
# one, most of a short replay's start-up, in every new process (a sweep's workers, the CLI).
# Named by the library's and pandas' versions: an upgrade that moves a holiday is a new file.
_SCHEDULE_FORMAT = 1


def _schedule_path(year: int) -> Path:
    from importlib import metadata

    from transmission.paths import cache_dir

    try:
        library = metadata.version("pandas_market_calendars")
    except metadata.PackageNotFoundError:
        library = "unknown"
    name = f"nyse-rth-{_SCHEDULE_FORMAT}-{library}-{pd.__version__}-{year}.npz"
    return cache_dir() / "calendar" / name


def _stored_year(year: int) -> pd.DataFrame | None:
    """A year's schedule as `_store_year` kept it (None when absent or unreadable)."""
    try:
        with np.load(_schedule_path(year)) as stored:
            day, opens, closes = stored["day"], stored["market_open"], stored["market_close"]
    except Exception:  # absent, partly written by a crash, from another numpy: computed again
        return None
    return pd.DataFrame(
        {
            "market_open": pd.DatetimeIndex(opens).tz_localize("UTC"),
            "market_close": pd.DatetimeIndex(closes).tz_localize("UTC"),
        },
        index=pd.DatetimeIndex(day),
    )


def _store_year(year: int, schedule: pd.DataFrame) -> None:
    """Keep a year's schedule for later processes; a cache that cannot be written is skipped."""
    import os
    import tempfile

    path = _schedule_path(year)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            np.savez(
                out,
                day=schedule.index.to_numpy(),
                market_open=schedule["market_open"].dt.tz_convert(None).to_numpy(),
                market_close=schedule["market_close"].dt.tz_convert(None).to_numpy(),
            )
        os.replace(tmp, path)  # whole or not at all, whoever reads it meanwhile
    except OSError:
        Path(tmp).unlink(missing_ok=True)


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


def _local_ns(days: list[date], hour: int, back: np.ndarray | None = None) -> np.ndarray:
    """Epoch ns of `hour`:00 exchange time on each day (`back` days earlier)."""
    naive = np.array(days, dtype="datetime64[D]")
    if back is not None:
        naive = naive - back.astype("timedelta64[D]")
    stamps = pd.DatetimeIndex(naive + np.timedelta64(hour, "h")).tz_localize(EXCHANGE_TZ)
    return np.asarray(stamps.as_unit("ns").asi8)


def _sessions_of(days: list[date], windows: pd.DataFrame) -> list[Session]:
    """`SessionTracker._build` of many days at once (`windows`: their `rth_windows`)."""
    weekday = np.array([day.weekday() for day in days])
    # The previous weekday: back over a weekend (as `_build` steps back a day at a time).
    prev_weekday = (weekday - 1) % 7
    back = 1 + np.where(prev_weekday == 6, 2, np.where(prev_weekday == 5, 1, 0))
    start = _local_ns(days, GLOBEX_ROLL_HOUR, back)
    end = _local_ns(days, GLOBEX_ROLL_HOUR)
    noon = np.array(days, dtype="datetime64[D]") + np.timedelta64(12, "h")
    offset = noon.astype("datetime64[ns]").astype(np.int64) - _local_ns(days, 12)
    opens, closes = windows["rth_open"], windows["rth_close"]
    has_rth = (opens.notna() & closes.notna()).to_numpy()
    rth_open = np.where(has_rth, pd.DatetimeIndex(opens).as_unit("ns").asi8, 0)
    rth_close = np.where(has_rth, pd.DatetimeIndex(closes).as_unit("ns").asi8, 0)
    sessions = []
    for k, day in enumerate(days):
        iso = day.isocalendar()
        sessions.append(
            Session(
                trading_day=day,
                ordinal=day.toordinal(),
                week=iso.year * 100 + iso.week,
                start_ns=int(start[k]),
                end_ns=int(end[k]),
                utc_offset_ns=int(offset[k]),
                rth_open_ns=int(rth_open[k]),
                rth_close_ns=int(rth_close[k]),
            )
        )
    return sessions


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
        self._cache.update(zip(missing, _sessions_of(missing, windows), strict=True))

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
