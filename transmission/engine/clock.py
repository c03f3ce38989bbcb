"""Injected clocks: nothing below the orchestrator reads the wall clock itself."""

from __future__ import annotations

import time
from typing import Protocol

import pandas as pd

from transmission.market.calendar import EXCHANGE_TZ


class Clock(Protocol):
    """The time events are stamped with (`ts_init`); told the market time of every bar."""

    def now_ns(self) -> int: ...

    def advance(self, ts_ns: int) -> None:
        """The market time of the bar being processed (a wall clock ignores it)."""
        ...


class WallClock:
    """Real time, for live sessions."""

    def now_ns(self) -> int:
        return time.time_ns()

    def advance(self, ts_ns: int) -> None:
        pass


class ReplayClock:
    """Market time of the last bar seen, for replays and tests."""

    def __init__(self, start_ns: int = 0) -> None:
        self._now = start_ns

    def advance(self, ts_ns: int) -> None:
        self._now = ts_ns

    def now_ns(self) -> int:
        return self._now


def to_timestamp(ts_ns: int) -> pd.Timestamp:
    """Epoch nanoseconds as a tz-aware exchange-time timestamp."""
    return pd.Timestamp(ts_ns, unit="ns", tz="UTC").tz_convert(EXCHANGE_TZ)
