"""The session exit rule: flat time (at the close, or the open after a gap), time stop, cancels."""

from __future__ import annotations

from datetime import date

from transmission.engine.exits import FLAT_CANCEL, MINUTE_NS, Exit, SessionExits
from transmission.execution.port import Order, Position
from transmission.market.calendar import Session

CLOSE = 1_000 * MINUTE_NS  # the RTH close, in epoch ns
SESSION = Session(date(2024, 3, 4), 1, 1, 0, 2_000 * MINUTE_NS, 0, 500 * MINUTE_NS, CLOSE)
RULE = SessionExits(enabled=True, flatten_ns=5 * MINUTE_NS)
FLAT = CLOSE - 5 * MINUTE_NS


def order(max_hold_minutes: int | None = None) -> Order:
    hold = max_hold_minutes * MINUTE_NS if max_hold_minutes else None
    return Order("o", "o", 1, "market", 0.0, -10.0, 10.0, 1, 20.0, "s", "TREND", 1, 0, None, hold)


def test_a_position_closes_at_the_close_of_the_bar_that_ends_at_the_flat_time() -> None:
    position = Position(order(), 0, 100.0)
    bar = FLAT - MINUTE_NS
    assert RULE.on_bar(position, None, SESSION, bar, 1.0, 2.0) == (
        Exit(FLAT, 2.0, "eod_flat"),
        None,
    )


def test_a_position_closes_at_the_open_of_a_bar_after_a_flat_time_gap() -> None:
    position = Position(order(), 0, 100.0)
    bar = FLAT + 3 * MINUTE_NS
    assert RULE.on_bar(position, None, SESSION, bar, 1.0, 2.0) == (Exit(bar, 1.0, "eod_flat"), None)


def test_a_working_order_is_cancelled_at_the_flat_time_and_not_before() -> None:
    working = order()
    assert RULE.on_bar(None, working, SESSION, FLAT - 2 * MINUTE_NS, 1.0, 2.0) == (None, None)
    assert RULE.on_bar(None, working, SESSION, FLAT - MINUTE_NS, 1.0, 2.0) == (None, FLAT_CANCEL)


def test_a_time_stop_acts_on_the_bar_whose_end_reaches_it() -> None:
    position = Position(order(max_hold_minutes=30), 100 * MINUTE_NS, 100.0)
    before, at = 128 * MINUTE_NS, 129 * MINUTE_NS
    assert RULE.on_bar(position, None, SESSION, before, 1.0, 2.0) == (None, None)
    assert RULE.on_bar(position, None, SESSION, at, 1.0, 2.0)[0] == Exit(
        130 * MINUTE_NS, 2.0, "time_stop"
    )
    assert RULE.deadline(position, SESSION) == 130 * MINUTE_NS


def test_without_session_rules_nothing_is_flattened() -> None:
    off = SessionExits(enabled=False, flatten_ns=5 * MINUTE_NS)
    position = Position(order(), 0, 100.0)
    assert off.on_bar(position, order(), SESSION, FLAT + MINUTE_NS, 1.0, 2.0) == (None, None)
    assert off.at_session_end(FLAT, 2.0) is None
    # Stamped at the last bar's end, with its close (issue 13: as the flat by the close).
    assert RULE.at_session_end(FLAT, 2.0) == Exit(FLAT + MINUTE_NS, 2.0, "session_end")
