"""The RTH schedule equals the calendar library's own, day for day, though its holiday rules are
evaluated only over the years a lookup needs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pandas_market_calendars as mcal
import pytest

from transmission.market import calendar


def library_schedule(first: int, last: int) -> pd.DataFrame:
    nyse = mcal.get_calendar("XNYS")
    schedule = nyse.schedule(start_date=date(first, 1, 1), end_date=date(last, 12, 31))
    return schedule[["market_open", "market_close"]]


@pytest.mark.slow
def test_rth_schedule_equals_the_library_schedule_over_seven_decades() -> None:
    calendar._YEAR_SCHEDULES.clear()
    ours = pd.concat(
        [
            calendar._rth_schedule(date(1960, 1, 1), date(1960, 12, 31)),  # one year
            calendar._rth_schedule(date(1961, 3, 1), date(1999, 2, 1)),  # a span of years
            calendar._rth_schedule(date(1998, 6, 1), date(2031, 1, 1)),  # some years known
        ]
    )
    ours = ours[~ours.index.duplicated()]
    pd.testing.assert_frame_equal(ours, library_schedule(1960, 2031), check_freq=False)


def test_rth_windows_of_the_sample_weeks_keep_thanksgiving_and_its_early_close() -> None:
    calendar._YEAR_SCHEDULES.clear()
    days = [date(2023, 11, d) for d in (20, 21, 22, 23, 24, 27)]
    windows = calendar.rth_windows(days)
    library = library_schedule(2023, 2023)
    assert pd.isna(windows.loc["2023-11-23", "rth_open"])  # Thanksgiving: no RTH
    early_close = pd.Timestamp("2023-11-24 13:00", tz="America/New_York")
    assert windows.loc["2023-11-24", "rth_close"] == early_close
    for day in days[:3] + days[4:]:
        assert windows.loc[str(day), "rth_open"] == library.loc[str(day), "market_open"]
        assert windows.loc[str(day), "rth_close"] == library.loc[str(day), "market_close"]


def test_a_schedule_kept_on_disk_reads_back_as_the_librarys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new process reads the years computed before from the cache: the same frame."""
    monkeypatch.setenv("TRANSMISSION_CACHE_DIR", str(tmp_path))
    calendar._YEAR_SCHEDULES.clear()
    computed = calendar._rth_schedule(date(2023, 1, 1), date(2024, 12, 31))
    assert sorted(p.name[-8:] for p in (tmp_path / "calendar").iterdir()) == [
        "2023.npz",
        "2024.npz",
    ]
    calendar._YEAR_SCHEDULES.clear()  # as a new process starts
    stored = calendar._rth_schedule(date(2023, 1, 1), date(2024, 12, 31))
    pd.testing.assert_frame_equal(stored, computed, check_freq=False)
    pd.testing.assert_frame_equal(stored, library_schedule(2023, 2024), check_freq=False)
    calendar._YEAR_SCHEDULES.clear()


def test_a_damaged_or_unwritable_schedule_cache_is_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRANSMISSION_CACHE_DIR", str(tmp_path))
    calendar._YEAR_SCHEDULES.clear()
    path = calendar._schedule_path(2022)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a schedule")
    damaged = calendar._rth_schedule(date(2022, 1, 1), date(2022, 12, 31))
    pd.testing.assert_frame_equal(damaged, library_schedule(2022, 2022), check_freq=False)
    assert calendar._stored_year(2022) is not None  # written again, whole

    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setenv("TRANSMISSION_CACHE_DIR", str(blocked))  # no folder can go there
    calendar._YEAR_SCHEDULES.clear()
    unwritable = calendar._rth_schedule(date(2022, 1, 1), date(2022, 12, 31))
    pd.testing.assert_frame_equal(unwritable, library_schedule(2022, 2022), check_freq=False)
    calendar._YEAR_SCHEDULES.clear()


def test_prefetched_sessions_equal_sessions_built_one_by_one() -> None:
    """`prefetch` builds many days at once: the same sessions as `_build` day by day, over
    DST changes, holidays, early closes and weekend days."""
    first = date(2022, 12, 20)
    days = [first + pd.Timedelta(days=k).to_pytimedelta() for k in range(500)]
    tracker = calendar.SessionTracker()
    tracker.prefetch(days)
    windows = calendar.rth_windows(days)
    for day, rth_open, rth_close in zip(
        days, windows["rth_open"].tolist(), windows["rth_close"].tolist(), strict=True
    ):
        assert tracker._cache[day] == calendar.SessionTracker._build(day, (rth_open, rth_close))
