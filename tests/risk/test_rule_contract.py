"""Every registered rule keeps its contract: what it says of itself agrees with `evaluate`.

A property test over random risk states, times and marks: a rule that says it ignores the clock
or the mark decides alike whatever they are; a rule's `changes_at` holds its decision until
then; its `breached` is `evaluate`'s test. Registration, per-rule parameters and resets too.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transmission.config import ConfigError, load_config
from transmission.risk import RiskConfig, RiskManager, RiskState
from transmission.risk.rules import (
    CLEAR,
    ClockForesight,
    Decision,
    ManualReset,
    MarkForesight,
    available_rules,
    build,
    register_rule,
    unregister_rule,
)

T0 = 1_700_000_000 * 1_000_000_000
MIN = 60_000_000_000
RULES = build(tuple(available_rules()), RiskConfig(performance_min_trades=3))

r_values = st.floats(-12, 12, allow_nan=False)
states = st.builds(
    RiskState,
    daily_realized_r=r_values,
    open_r=r_values,
    weekly_realized_r=r_values,
    consecutive_red_days=st.integers(0, 5),
    losing_streak_today=st.integers(0, 5),
    trades_today=st.integers(0, 8),
    last_loss_ns=st.one_of(st.none(), st.integers(T0 - 30 * MIN, T0)),
    equity_r=r_values,
    peak_equity_r=st.floats(0, 15),
    halted=st.booleans(),
    stale=st.booleans(),
    recent_r=st.dictionaries(
        st.just("s"), st.lists(st.sampled_from([-1.0, -0.5, 0.0, 1.0, 2.0]), max_size=25)
    ),
)
times = st.integers(T0, T0 + 60 * MIN)


def decide(rule: Any, state: RiskState, now: int) -> Decision:
    return rule.evaluate(state, now, "s" if rule.per_strategy else None)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
@settings(max_examples=60, deadline=None)
@given(state=states, now=times, later=times, mark=r_values)
def test_a_rule_foresight_agrees_with_its_evaluate(
    rule: Any, state: RiskState, now: int, later: int, mark: float
) -> None:
    now, later = min(now, later), max(now, later)
    decision = decide(rule, state, now)
    if not rule.reads_clock:
        assert decide(rule, state, later).tripped == decision.tripped
    elif isinstance(rule, ClockForesight):
        at = rule.changes_at(state)
        if at is None or later < at or now >= at:
            assert decide(rule, state, later).tripped == decision.tripped
    marked = dataclasses.replace(state, open_r=mark)
    if not rule.reads_mark:
        assert decide(rule, marked, now).tripped == decision.tripped
    elif isinstance(rule, MarkForesight):
        assert bool(rule.breached(state, mark)) == decide(rule, marked, now).tripped
        marks = np.array([mark, state.open_r])
        expected = [decide(rule, dataclasses.replace(state, open_r=m), now).tripped for m in marks]
        assert list(rule.breached(state, marks)) == expected


def test_every_clock_or_mark_reading_rule_of_the_package_can_tell_ahead() -> None:
    # Without foresight a replay evaluates every bar: correct, but the fast path is off.
    for rule in RULES:
        assert not rule.reads_clock or isinstance(rule, ClockForesight), rule.name
        assert not rule.reads_mark or isinstance(rule, MarkForesight), rule.name


class Curfew:
    """No entries while `state.trades_today` is at a limit of its own parameter."""

    name: ClassVar[str] = "curfew"
    per_strategy: ClassVar[bool] = False
    reads_clock: ClassVar[bool] = False
    reads_mark: ClassVar[bool] = False

    def __init__(self, config: RiskConfig, *, limit: int = 2) -> None:
        self.limit = limit

    def evaluate(self, state: RiskState, now_ns: int, strategy: str | None) -> Decision:
        return Decision(True, "curfew", "next day") if state.trades_today >= self.limit else CLEAR


def test_a_rule_registered_twice_replaces_itself_and_reads_its_own_table() -> None:
    try:
        register_rule(Curfew)
        register_rule(Curfew)  # a re-run notebook cell
        config = load_config(risk={"rules": {"curfew": {"limit": 1}}}).risk_config()
        assert config.rules[-1] == "curfew"
        risk = RiskManager(config)
        risk.on_entry()
        assert risk.can_trade(T0).reason == "curfew"
    finally:
        unregister_rule("curfew")


def test_another_class_under_a_taken_rule_name_is_a_clear_error() -> None:
    class DailyLoss(Curfew):
        name: ClassVar[str] = "daily_loss"

    with pytest.raises(ValueError, match="'daily_loss' is taken by"):
        register_rule(DailyLoss)


def test_a_rule_table_overrides_the_flat_defaults_for_that_rule_only() -> None:
    config = load_config(
        risk={"daily_loss_r": 4.0, "rules": {"daily_loss": {"limit_r": 2.0}}}
    ).risk_config()
    by_name = {rule.name: rule for rule in RiskManager(config).rules}
    assert by_name["daily_loss"].limit == -2.0  # type: ignore[attr-defined]
    assert by_name["weekly_loss"].limit == -6.0  # type: ignore[attr-defined]
    flat = load_config(risk={"daily_loss_r": 4.0}).risk_config()
    (daily,) = (rule for rule in RiskManager(flat).rules if rule.name == "daily_loss")
    assert daily.limit == -4.0  # type: ignore[attr-defined]


def test_a_rule_table_can_switch_a_rule_off() -> None:
    config = load_config(risk={"rules": {"cooldown": {"enabled": False}}}).risk_config()
    assert "cooldown" not in config.rules and "daily_loss" in config.rules


def test_an_unknown_rule_parameter_is_a_clear_config_error() -> None:
    with pytest.raises(ConfigError, match=r"\[risk.rules.daily_loss\]: bad parameters \['nope'\]"):
        load_config(risk={"rules": {"daily_loss": {"nope": 1}}})


def test_manual_resets_belong_to_their_rules() -> None:
    resettable = {rule.name for rule in RULES if isinstance(rule, ManualReset)}
    assert resettable == {"red_days", "drawdown", "manual_halt"}
    risk = RiskManager(RiskConfig())
    risk.state.consecutive_red_days, risk.state.peak_equity_r = 4, 12.0
    risk.halt("test")
    for name in ("red_days", "drawdown", "manual_halt"):
        risk.reset(name)
    assert not risk.can_trade(T0).tripped
    with pytest.raises(ValueError, match="'daily_loss' has no manual reset"):
        risk.reset("daily_loss")


def test_a_config_file_sets_a_rule_table_under_risk_rules(tmp_path: Path) -> None:
    path = tmp_path / "engine.toml"
    path.write_text("[risk]\ndaily_loss_r = 4.0\n\n[risk.rules.daily_loss]\nlimit_r = 1.5\n")
    config = load_config(path).risk_config()
    (daily,) = (rule for rule in RiskManager(config).rules if rule.name == "daily_loss")
    assert daily.limit == -1.5  # type: ignore[attr-defined]
    assert config.daily_loss_r == 4.0
