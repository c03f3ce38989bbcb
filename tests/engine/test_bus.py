"""The event bus: each event to plain handlers at once, a batch to batch handlers whole."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import pytest

from tests.widgets.events import risk_update
from transmission.config import load_config
from transmission.engine.bus import EventBus
from transmission.engine.events import Event, RiskUpdate
from transmission.engine.feeds import from_simulator, replay
from transmission.engine.runner import EngineRun
from transmission.journal import Journal


def event(n: int) -> RiskUpdate:
    return risk_update(n, f"rule-{n}")


def rules(events: Sequence[Event]) -> list[str]:
    return [e.rule for e in events]  # type: ignore[attr-defined]


def test_a_batch_reaches_batch_handlers_whole_at_its_end_and_plain_handlers_at_once():
    bus = EventBus()
    each: list[Event] = []
    batches: list[list[str]] = []
    bus.subscribe(each.append)
    bus.subscribe_batches(lambda events: batches.append(rules(events)))
    bus.publish(event(0))
    assert batches == [["rule-0"]]  # outside a batch: a batch of one, at once
    with bus.batch():
        bus.publish(event(1))
        with bus.batch():  # nested: one batch, the outermost's
            bus.publish(event(2))
        assert len(each) == 3 and batches == [["rule-0"]]
        bus.publish(event(3))
    assert batches == [["rule-0"], ["rule-1", "rule-2", "rule-3"]]
    with bus.batch():
        pass
    assert len(batches) == 2  # an empty batch is not delivered


def test_a_batch_that_raises_still_delivers_what_was_published():
    bus = EventBus()
    batches: list[list[str]] = []
    bus.subscribe_batches(lambda events: batches.append(rules(events)))
    with pytest.raises(RuntimeError), bus.batch():
        bus.publish(event(1))
        raise RuntimeError("the bar failed")
    assert batches == [["rule-1"]]
    bus.publish(event(2))
    assert batches[-1] == ["rule-2"]  # the batch is closed


def test_a_batch_holds_only_its_own_threads_events():
    bus = EventBus()
    batches: list[list[str]] = []
    bus.subscribe_batches(lambda events: batches.append(rules(events)))
    with bus.batch():
        bus.publish(event(1))
        other = threading.Thread(target=bus.publish, args=(event(2),))
        other.start()
        other.join()
        assert batches == [["rule-2"]]
    assert batches == [["rule-2"], ["rule-1"]]


def test_a_failing_batch_handler_is_logged_and_the_others_still_get_the_batch(
    caplog: pytest.LogCaptureFixture,
):
    bus = EventBus()
    got: list[list[str]] = []

    def broken(events: Sequence[Event]) -> None:
        raise ValueError("broken handler")

    bus.subscribe_batches(broken)
    unsubscribe = bus.subscribe_batches(lambda events: got.append(rules(events)))
    with caplog.at_level(logging.ERROR, logger="transmission.engine.bus"), bus.batch():
        bus.publish(event(1))
    assert got == [["rule-1"]]
    assert "failed on 1 events" in caplog.text
    unsubscribe()
    bus.publish(event(2))
    assert got == [["rule-1"]]


def test_the_engine_hands_out_each_bars_events_as_one_batch(tmp_path):
    bus = EventBus()
    each: list[Event] = []
    batches: list[Sequence[Event]] = []
    bus.subscribe(each.append)
    bus.subscribe_batches(batches.append)
    source = from_simulator(3, "MNQ", seed=5)
    with Journal(tmp_path / "bus.duckdb") as journal:
        run = EngineRun(
            journal, load_config(), kind="backtest", dataset="sim", source_identity="sim", bus=bus
        )
        run.start()
        for bar in replay(source.bars):
            before = len(each)
            run.on_bar(bar)
            made = each[before:]
            if made:  # the bar's events, and only they, came as one batch when it was done
                assert batches[-1] == tuple(made)
        run.finish()
    assert [e for batch in batches for e in batch] == each
    assert len(batches) < len(each)  # some bars made several events
