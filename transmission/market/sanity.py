"""Whole-file checks that no single bar can fail: the bar interval, the time zone, the tick.

- Interval: transmission reads 1-minute bars; a file whose most common spacing between bars is
  not one minute (hourly or daily bars) is refused, saying what spacing it has.
- Time zone: CME equity futures stop every weekday from 17:00 to 18:00 ET (the maintenance
  break), so a file read in the right zone has no bars in that hour. Bars there on most weekdays
  mean the timestamps are in another zone (naive Central time or UTC read as Eastern): a warning
  names the quietest hour found instead.
- Tick: a price that is not a multiple of the contract's tick is not a price the contract can
  trade at (another instrument, or a back-adjusted series); such a bar is quarantined.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

ONE_MINUTE_NS = 60_000_000_000
MAINTENANCE_HOUR = 17  # 17:00-18:00 ET, Monday to Thursday
# Weekdays with bars in the break hour, as a share of those with bars around it, above which
# the zone is judged wrong; stray bars on a day or two (a late print) are not a wrong zone.
MAINTENANCE_SHARE = 0.5
MIN_INTERVAL_GAPS = 3  # fewer spacings than this: too few bars to judge the interval
TICK_TOLERANCE = 1e-6  # in ticks: float noise of prices written in decimal


def describe_interval(ns: int) -> str:
    """'1 minute', '5 minutes', '1 hour', '1 day', '30 seconds'."""
    units = ((86_400 * 10**9, "day"), (3_600 * 10**9, "hour"), (ONE_MINUTE_NS, "minute"))
    for unit_ns, unit in (*units, (10**9, "second")):
        if ns >= unit_ns and ns % unit_ns == 0:
            count = ns // unit_ns
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{ns / 1e9:g} seconds"


def bar_interval_ns(ts_ns: npt.NDArray[np.int64]) -> tuple[int, float] | None:
    """The most common spacing between consecutive bars and the share of spacings it is.

    None when there are too few bars to judge. Gaps (omitted zero-volume minutes, nights,
    weekends) are rarer than the bar interval itself in any real file, so the mode is the interval.
    """
    gaps = np.diff(np.sort(ts_ns))
    gaps = gaps[gaps > 0]
    if len(gaps) < MIN_INTERVAL_GAPS:
        return None
    values, counts = np.unique(gaps, return_counts=True)
    best = int(np.argmax(counts))
    return int(values[best]), float(counts[best] / len(gaps))


def interval_problem(ts_ns: npt.NDArray[np.int64]) -> str | None:
    """Why these are not 1-minute bars, or None when they are (or there are too few to say)."""
    found = bar_interval_ns(ts_ns)
    if found is None or found[0] == ONE_MINUTE_NS:
        return None
    interval, share = found
    return (
        f"these are not 1-minute bars: the most common spacing between bars is "
        f"{describe_interval(interval)} ({share:.0%} of them); transmission reads 1-minute bars "
        "(export 1-minute bars, or resample finer data to 1 minute)"
    )


def maintenance_break_warning(ts: pd.Series) -> str | None:
    """A warning when the daily 17:00-18:00 ET break holds bars on most weekdays (wrong zone).

    `ts` is tz-aware US/Eastern. Only Monday to Thursday with bars from 15:00 to 20:00 are judged,
    so a file of regular trading hours only (no bars near the break) is never warned about.
    """
    if ts.empty:
        return None
    local = ts.dt.tz_localize(None)
    hour = local.dt.hour.to_numpy()
    weekday = local.dt.day_of_week.to_numpy()
    near = (weekday <= 3) & (hour >= 15) & (hour < 20)
    if not near.any():
        return None
    dates = local.dt.normalize().to_numpy()
    judged = np.unique(dates[near])
    in_break = np.unique(dates[near & (hour == MAINTENANCE_HOUR)])
    if len(judged) < 2 or len(in_break) <= MAINTENANCE_SHARE * len(judged):
        return None
    weekday_hours = np.bincount(hour[weekday <= 3], minlength=24)
    quietest = int(np.argmin(weekday_hours))
    return (
        f"{len(in_break)} of {len(judged)} weekdays have bars between 17:00 and 18:00 ET, when "
        f"CME's daily maintenance break leaves none; the quietest hour is {quietest:02d}:00: the "
        "timestamps are probably not US/Eastern (give the file's zone: --tz, [data] timezone, "
        "or source_tz)"
    )


def off_tick(prices: npt.NDArray[np.float64], tick: float) -> npt.NDArray[np.bool_]:
    """Per row of an (n, k) price array: true where any price is not a multiple of `tick`."""
    with np.errstate(invalid="ignore"):
        ticks = prices / tick
        result = (np.abs(ticks - np.round(ticks)) > TICK_TOLERANCE).any(axis=1)
    return np.asarray(result, dtype=bool)


def off_tick_reason(tick: float) -> str:
    return f"price not on the {tick:g} tick"
