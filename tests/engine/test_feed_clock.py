"""The feed's clock the stale-feed watchdog reads: wall time waited, at the feed's pace."""

from __future__ import annotations

from transmission.engine.feeds import FeedClock, paced

MINUTE = 60_000_000_000


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_followed_files_clock_runs_at_its_pace_from_the_last_bar() -> None:
    wall = Wall()
    clock = FeedClock(pace=60, monotonic=wall)
    assert clock.now_ns() is None
    clock.arrived(10 * MINUTE)
    wall.now += 3  # 3 wall seconds at 60x: 3 market minutes
    assert clock.now_ns() == 13 * MINUTE


def test_a_paced_replays_clock_runs_to_the_bar_it_waits_for_and_never_past_it() -> None:
    wall = Wall()
    clock = FeedClock(pace=600, monotonic=wall)
    clock.arrived(10 * MINUTE)
    wall.now += 5  # processing, then the feed sleeps 2 s for a 20-minute gap
    clock.waiting_for(30 * MINUTE, 2.0)
    assert clock.now_ns() == 10 * MINUTE
    wall.now += 1
    assert clock.now_ns() == 20 * MINUTE
    wall.now += 30  # a stalled machine: the bar is late, the feed is not silent beyond it
    assert clock.now_ns() == 30 * MINUTE


def test_paced_tells_the_clock_each_wait_before_it_sleeps() -> None:
    slept: list[float] = []
    clock = FeedClock(pace=60)
    bars = [(k * MINUTE, 1.0, 1.0, 1.0, 1.0, 1.0) for k in (0, 1, 3)]
    seen = []
    for bar in paced(iter(bars), 60, sleep=slept.append, clock=clock):
        clock.arrived(bar[0])
        seen.append(bar[0])
    assert seen == [0, MINUTE, 3 * MINUTE]
    assert slept == [1.0, 2.0]
    assert clock.now_ns() is not None and clock.now_ns() >= 3 * MINUTE
