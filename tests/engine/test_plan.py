"""The replay plan hands out the signal bars `BarAggregator` would, at the same 1-minute bars."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.engine.synthetic import bars, ns
from transmission.config import EngineConfig
from transmission.engine.gearbox import Gearbox
from transmission.engine.replay import ReplayPipeline
from transmission.market.calendar import SessionTracker
from transmission.market.resample import BarAggregator


def frame(some: list) -> pd.DataFrame:
    columns = ["ts_ns", "open", "high", "low", "close", "volume"]
    data = pd.DataFrame(some, columns=columns)
    data["ts"] = pd.to_datetime(data.pop("ts_ns"), unit="ns", utc=True)
    return data


def with_gaps() -> list:
    """A morning with a gap inside a signal bar, one across two, and one at the session end."""
    return bars("08:00", "09:32") + bars("09:34", "09:41") + bars("09:53", "10:00")


def test_the_plan_hands_out_what_the_aggregator_would_at_every_bar() -> None:
    some = with_gaps()
    config = EngineConfig()
    pipeline = ReplayPipeline.prepare(
        frame(some), config, SessionTracker(), Gearbox(config.gearbox, {}, 0.25)
    )
    plan, aggregator, sessions = pipeline.plan, BarAggregator(5), SessionTracker()
    assert len(plan) == len(some)
    for k, bar in enumerate(some):
        offset = sessions.session_of(bar[0]).utc_offset_ns
        assert plan.handed_out(k) == aggregator.update(*bar, offset), f"bar {k}"
        assert plan.bar(k) == bar


def test_the_plan_breaks_at_a_stale_gap_inside_rth_and_finds_bars_by_time() -> None:
    some = with_gaps()
    config = EngineConfig()
    pipeline = ReplayPipeline.prepare(
        frame(some), config, SessionTracker(), Gearbox(config.gearbox, {}, 0.25)
    )
    plan = pipeline.plan
    after_gap = plan.index_of(ns("09:53") - 1)
    assert plan.ts.item(after_gap) == ns("09:53")
    assert plan.next_break(1) == after_gap  # 12 minutes without a bar in RTH: stale
    assert plan.next_break(after_gap + 1) == len(plan)
    assert plan.handed_at(plan.handed.item(after_gap)) <= after_gap


def test_a_replay_fed_another_bar_than_it_was_prepared_with_is_refused() -> None:
    some = bars("08:00", "08:10")
    config = EngineConfig()
    pipeline = ReplayPipeline.prepare(
        frame(some), config, SessionTracker(), Gearbox(config.gearbox, {}, 0.25)
    )
    session = SessionTracker().session_of(some[0][0])
    with pytest.raises(ValueError, match="is not bar 0 of the prepared replay"):
        pipeline.hand_out(*some[1], session)
