"""Synthetic 1-minute bars and a scripted strategy, for orchestrator tests on known timelines."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

import pandas as pd

from transmission import BarView, Signal
from transmission.config import EngineConfig
from transmission.engine.build import build_orchestrator
from transmission.engine.bus import EventBus
from transmission.engine.events import Event
from transmission.engine.orchestrator import Orchestrator
from transmission.market.calendar import EXCHANGE_TZ
from transmission.strategies.base import hhmm

DAY = "2024-03-04"  # a Monday with a full RTH session
Bar = tuple[int, float, float, float, float, float]


def bars(start: str, end: str, *, step: float = 0.5, base: float = 18_000.0) -> list[Bar]:
    """A steady rise of `step` a minute, one bar a minute from `start` to `end` (exchange
    time, end excluded): after warm-up, a TREND once the RTH VWAP has held for three bars."""
    times = pd.date_range(f"{DAY} {start}", f"{DAY} {end}", freq="1min", tz=EXCHANGE_TZ)[:-1]
    first = pd.Timestamp(f"{DAY} 04:00", tz=EXCHANGE_TZ)
    minutes = ((times - first) // pd.Timedelta(minutes=1)).to_numpy()
    close = base + step * minutes
    opens = close - step
    return [
        (int(t.value), float(o), float(max(o, c) + 0.25), float(min(o, c) - 0.25), float(c), 100.0)
        for t, o, c in zip(times, opens, close, strict=True)
    ]


def ns(hh_mm: str) -> int:
    return int(pd.Timestamp(f"{DAY} {hh_mm}", tz=EXCHANGE_TZ).value)


class Scripted:
    """Signals at the signal bars ending at the given times: `signals` entries are dicts of
    at ("HH:MM"), side (1/-1), type ("market"/"stop"), entry (points from the close), stop and
    target (points from the entry), valid_bars and max_hold_minutes. Registered around each
    engine test only (tests/engine/conftest.py), so no other test sees it."""

    name: ClassVar[str] = "scripted"

    def __init__(self, *, tick: float, signals: Sequence[dict[str, Any]] = ()) -> None:
        self.by_minute = {hhmm(s["at"]): s for s in signals}

    def on_bar(self, bar: BarView, f: Any) -> Signal | None:
        s = self.by_minute.get(bar.end_minute_of_day)
        if s is None:
            return None
        entry = bar.close + s.get("entry", 0.0)
        return Signal(
            s.get("side", 1),
            s.get("type", "market"),
            entry,
            entry + s.get("stop", -20.0),
            entry + s.get("target", 400.0),
            "scripted",
            s.get("valid_bars", 1),
            s.get("max_hold_minutes"),
        )


def engine(
    signals: list[dict[str, Any]], **gearbox: str | None
) -> tuple[Orchestrator, list[Event]]:
    """An orchestrator whose gearbox drives `scripted` in NO_TRADE (and as given), its events."""
    mapping = {"TREND": None, "RANGE": None, "VOLATILE": None, "NO_TRADE": "scripted"} | gearbox
    config = EngineConfig(gearbox=mapping, strategies={"scripted": {"signals": signals}})
    events: list[Event] = []
    bus = EventBus()
    bus.subscribe(events.append)
    return build_orchestrator(config, run_id="test", bus=bus), events


def pause_by_performance(orchestrator: Orchestrator) -> None:
    """Ten losses in the strategy's window: its performance tripwires hold (shadow trades)."""
    orchestrator.risk.state.recent_r["scripted"] = [-1.0] * 10


def feed(orchestrator: Orchestrator, some: list[Bar]) -> None:
    for bar in some:
        orchestrator.on_bar(*bar)


def of_type(events: list[Event], kind: str) -> Iterator[Any]:
    return (e for e in events if e.type == kind)
