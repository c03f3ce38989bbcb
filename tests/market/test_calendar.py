"""The Globex trading day and its session window: one rule, both ways round."""

from __future__ import annotations

from datetime import date

import pandas as pd

from transmission.market.calendar import globex_session, trading_days_of
from transmission.market.simulator import simulate


def test_globex_session_holds_exactly_the_bars_the_calendar_gives_that_trading_day() -> None:
    bars = simulate(days=6, seed=3).bars
    days = trading_days_of(bars["ts"]).dt.date
    for day in sorted(set(days)):
        start, end = globex_session(day)
        inside = (bars["ts"] >= start) & (bars["ts"] < end)
        assert (inside == (days == day)).all(), day


def test_globex_session_of_a_monday_starts_on_friday_evening() -> None:
    start, end = globex_session(date(2023, 11, 27))
    assert start == pd.Timestamp("2023-11-24 18:00", tz="America/New_York")
    assert end == pd.Timestamp("2023-11-27 18:00", tz="America/New_York")


def test_globex_session_of_a_wednesday_starts_on_tuesday_evening() -> None:
    start, end = globex_session(date(2023, 11, 29))
    assert start == pd.Timestamp("2023-11-28 18:00", tz="America/New_York")
    assert end - start == pd.Timedelta(days=1)
