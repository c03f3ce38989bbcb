"""`RiskManager.changes` reports what re-evaluating every rule would, though it skips rules
whose inputs did not change."""

from __future__ import annotations

from datetime import date

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from transmission.risk import RiskChange, RiskConfig, RiskManager
from transmission.risk.rules import CLEAR, Decision

MIN = 60_000_000_000
T0 = 1_700_000_000 * 1_000_000_000
MON = date(2023, 11, 20).toordinal()
WEEK = 202347


def fresh() -> RiskManager:
    risk = RiskManager(RiskConfig(), strategies=("a", "b"))
    risk.roll(MON, WEEK)
    return risk


def every_rule_changes(risk: RiskManager, previous: dict, now: int) -> list[RiskChange]:
    """The reference: every rule evaluated through `statuses`, trips then resets."""
    current = {(s.rule, s.strategy): s for s in risk.statuses(now) if s.tripped}
    out = [
        RiskChange(key[0], "trip", s.reason, s.until, key[1])
        for key, s in current.items()
        if key not in previous
    ]
    out += [
        RiskChange(key[0], "reset", s.reason, None, key[1])
        for key, s in previous.items()
        if key not in current
    ]
    previous.clear()
    previous.update(current)
    return out


def test_a_state_field_set_directly_between_calls_is_reported() -> None:
    risk = fresh()
    assert risk.changes(T0) == []
    risk.state.trades_today = 6
    assert [(c.rule, c.event) for c in risk.changes(T0 + MIN)] == [("trades_per_day", "trip")]


def test_results_appended_in_place_to_a_strategys_window_are_reported() -> None:
    risk = fresh()
    risk.state.recent_r["a"] = [1.0] * 10
    assert risk.changes(T0) == []
    risk.state.recent_r["a"][:] = [-1.0] * 9 + [0.5]
    tripped = {(c.rule, c.strategy, c.event) for c in risk.changes(T0 + MIN)}
    assert ("profit_factor", "a", "trip") in tripped


def test_a_cool_down_that_expires_with_no_state_change_is_reported_as_a_reset() -> None:
    risk = fresh()
    risk.on_trade_closed("a", -1.0, T0)
    assert [(c.rule, c.event) for c in risk.changes(T0)] == [("cooldown", "trip")]
    assert risk.changes(T0 + 5 * MIN) == []
    assert [(c.rule, c.event) for c in risk.changes(T0 + 15 * MIN)] == [("cooldown", "reset")]


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("close"), st.sampled_from(["a", "b"]), st.sampled_from([-1.0, 0.5, 2.0])),
        st.tuples(st.just("mark"), st.sampled_from([-4.0, -1.0, 0.0, 0.7])),
        st.tuples(st.just("entry")),
        st.tuples(st.just("shadow"), st.sampled_from(["a", "b"]), st.sampled_from([-1.0, 1.5])),
        st.tuples(st.just("stale"), st.booleans()),
        st.tuples(st.just("halt")),
        st.tuples(st.just("resume")),
        st.tuples(st.just("next_day")),
        st.tuples(st.just("wait"), st.integers(0, 30)),
    ),
    max_size=80,
)


@settings(max_examples=200, deadline=None)
@given(steps=_STEPS)
def test_changes_after_any_sequence_of_events_equal_evaluating_every_rule(steps: list) -> None:
    risk, reference = fresh(), fresh()
    previous: dict = {}
    now, day = T0, MON
    for step in steps:
        for manager in (risk, reference):
            if step[0] == "close":
                manager.on_trade_closed(step[1], step[2], now)
            elif step[0] == "mark":
                manager.mark(step[1])
            elif step[0] == "entry":
                manager.on_entry()
            elif step[0] == "shadow":
                manager.record_outcome(step[1], step[2])
            elif step[0] == "stale":
                manager.set_stale(step[1])
            elif step[0] == "halt":
                manager.halt("test")
            elif step[0] == "resume":
                manager.resume()
            elif step[0] == "next_day":
                manager.roll(day + 1, WEEK)
        if step[0] == "next_day":
            day += 1
        elif step[0] == "wait":
            now += step[1] * MIN
        assert risk.changes(now) == every_rule_changes(reference, previous, now), step


# -- steady_for: how far ahead `changes` is known to report nothing ----------------------------


def test_steady_for_waits_for_changes_to_see_a_new_state() -> None:
    risk = fresh()
    risk.changes(T0)
    times = T0 + MIN * np.arange(1, 100)
    assert risk.steady_for(times, 0.0) == len(times)
    risk.on_trade_closed("a", -1.0, T0)  # the state moved: the next changes call may report
    assert risk.steady_for(times, 0.0) == 0
    assert [c.rule for c in risk.changes(T0)] == ["cooldown"]
    # The cool-down (15 min) resets on the first bar that ends at or after its end.
    steady = risk.steady_for(times, 0.0)
    assert times[steady] == T0 + 15 * MIN and steady == 14
    assert all(risk.changes(int(t)) == [] for t in times[:steady])
    assert [(c.rule, c.event) for c in risk.changes(int(times[steady]))] == [("cooldown", "reset")]


def test_steady_for_stops_at_the_mark_that_trips_or_resets_the_daily_loss() -> None:
    risk = fresh()
    risk.state.daily_realized_r = -2.0
    risk.changes(T0)
    times = T0 + MIN * np.arange(1, 6)
    marks = np.array([0.5, -0.5, -0.99, -1.0, -0.2])  # -2 + -1.0 <= -3: the daily loss trips
    assert risk.steady_for(times, marks) == 3
    risk.mark(-1.0)
    assert [c.rule for c in risk.changes(int(times[3]))] == ["daily_loss"]
    assert risk.steady_for(times, np.array([-1.5, -1.0, -0.9])) == 2  # -2.9 resets it
    assert risk.steady_for(times, -1.0) == len(times)  # one mark for all: still tripped


def test_steady_for_knows_nothing_of_a_rule_that_cannot_tell_ahead() -> None:
    class Blind:  # reads the clock but cannot say when its decision changes (no changes_at)
        name = "blind"
        per_strategy = False
        reads_clock = True
        reads_mark = False

        def evaluate(self, state: object, now_ns: int, strategy: str | None) -> Decision:
            return CLEAR

    risk = fresh()
    risk.rules.append(Blind())
    risk.changes(T0)
    assert risk.steady_for(T0 + MIN * np.arange(1, 10), 0.0) == 0


def test_step_over_leaves_the_tripped_reasons_as_changes_would() -> None:
    stepped, called = fresh(), fresh()
    for risk in (stepped, called):
        risk.state.daily_realized_r = -3.5
        risk.changes(T0)
    stepped.step_over(T0 + 5 * MIN, -0.25)
    called.mark(-0.25)
    assert called.changes(T0 + 5 * MIN) == []
    assert stepped.state_dict() == called.state_dict()
    assert "-3.75R" in stepped.state_dict()["tripped"][0][2]
