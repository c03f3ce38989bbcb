"""Sessions prefetched in one calendar lookup equal sessions built one day at a time."""

from __future__ import annotations

from datetime import date, timedelta

from transmission.market.calendar import SessionTracker


def test_prefetched_sessions_equal_sessions_built_day_by_day_across_holidays_and_dst() -> None:
    # Thanksgiving (no RTH), its early close, Christmas, New Year and the March DST change.
    start = date(2023, 11, 20)
    days = [start + timedelta(days=i) for i in range(130) if (start + timedelta(i)).weekday() < 5]
    tracker = SessionTracker()
    tracker.prefetch(days)
    for day in days:
        assert tracker._cache[day] == SessionTracker._build(day), day
    assert not tracker._cache[date(2023, 11, 23)].has_rth
    assert (
        tracker._cache[date(2023, 11, 24)].rth_close_ns
        - tracker._cache[date(2023, 11, 24)].rth_open_ns
        == 3.5 * 3600 * 10**9
    )


def test_prefetch_keeps_sessions_already_built() -> None:
    tracker = SessionTracker()
    day = date(2023, 11, 20)
    first = tracker.session_of(tracker._build(day).start_ns)
    tracker.prefetch([day, day + timedelta(days=1)])
    assert tracker._cache[day] is first
    assert len(tracker._cache) == 2
