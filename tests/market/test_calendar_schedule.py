"""The RTH schedule equals the calendar library's own, day for day, though its holiday rules are
evaluated only over the years a lookup needs."""

from __future__ import annotations

from datetime import date

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
