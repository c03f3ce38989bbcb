"""Each tripwire trips, blocks entries with its reason, and resets when it should."""

from __future__ import annotations

from datetime import date

import pytest

from transmission.risk import RiskConfig, RiskManager

MIN = 60_000_000_000
T0 = 1_700_000_000 * 1_000_000_000
MON, TUE = date(2023, 11, 20).toordinal(), date(2023, 11, 21).toordinal()
WEEK, NEXT_WEEK = 202347, 202348


def manager(**overrides: object) -> RiskManager:
    risk = RiskManager(RiskConfig(**overrides), strategies=("s",))  # type: ignore[arg-type]
    risk.roll(MON, WEEK)
    return risk


def tripped(risk: RiskManager, now: int = T0, strategy: str | None = "s") -> str:
    decision = risk.can_trade(now, strategy)
    return decision.reason if decision.tripped else ""


def changes(risk: RiskManager, now: int = T0) -> list[tuple[str, str]]:
    return [(c.rule, c.event) for c in risk.changes(now)]


def test_daily_loss_trips_at_minus_3r_including_open_pnl_and_resets_next_day() -> None:
    risk = manager(cooldown_minutes=0)
    risk.on_trade_closed("s", -2.0, T0)
    risk.on_trade_closed("s", 1.0, T0)  # breaks the losing streak
    assert tripped(risk) == ""
    risk.mark(-2.0)  # open trade under water: -1 realized -2 open = -3R
    assert "daily P&L -3.00R" in tripped(risk)
    assert ("daily_loss", "trip") in changes(risk)
    risk.mark(0.0)
    risk.roll(TUE, WEEK)
    risk.mark(0.0)
    assert "daily" not in tripped(risk)
    assert ("daily_loss", "reset") in changes(risk)


def test_weekly_loss_trips_at_minus_6r_and_resets_next_week() -> None:
    risk = manager(daily_loss_r=100, max_losing_streak=100, cooldown_minutes=0, max_red_days=100)
    for _ in range(6):
        risk.on_trade_closed("s", -1.0, T0)
    assert "weekly P&L -6.00R" in tripped(risk)
    risk.roll(TUE, WEEK)
    assert "weekly" in tripped(risk)
    risk.roll(TUE + 7, NEXT_WEEK)
    assert tripped(risk) == ""


def test_three_red_days_trip_until_manual_reset() -> None:
    risk = manager(cooldown_minutes=0)
    for day in range(3):
        risk.roll(MON + day, WEEK)
        risk.on_trade_closed("s", -0.5, T0)
    risk.roll(MON + 3, WEEK)
    assert "3 consecutive red days" in tripped(risk)
    risk.reset("red_days")
    assert tripped(risk) == ""


def test_red_days_reset_next_week_and_green_day_breaks_the_run() -> None:
    risk = manager(cooldown_minutes=0)
    for day, r in enumerate((-0.5, -0.5, 1.0, -0.5)):
        risk.roll(MON + day, WEEK)
        risk.on_trade_closed("s", r, T0)
    risk.roll(MON + 4, WEEK)
    assert risk.state.consecutive_red_days == 1
    risk.state.consecutive_red_days = 3
    risk.roll(MON + 7, NEXT_WEEK)
    assert risk.state.consecutive_red_days == 0


def test_three_losing_trades_in_a_day_trip_until_next_day() -> None:
    risk = manager(cooldown_minutes=0, daily_loss_r=100)
    for _ in range(3):
        risk.on_trade_closed("s", -0.5, T0)
    assert "3 losing trades in a row" in tripped(risk)
    risk.roll(TUE, WEEK)
    assert tripped(risk) == ""


def test_six_trades_a_day_trip_until_next_day() -> None:
    risk = manager()
    for _ in range(6):
        risk.on_entry()
    assert "6 trades today" in tripped(risk)
    risk.roll(TUE, WEEK)
    assert tripped(risk) == ""


def test_cooldown_blocks_fifteen_minutes_after_a_loss_then_lifts() -> None:
    risk = manager()
    risk.on_trade_closed("s", -1.0, T0)
    assert "cool-down" in tripped(risk, T0 + 14 * MIN)
    assert tripped(risk, T0 + 15 * MIN) == ""
    assert ("cooldown", "trip") in changes(risk, T0 + MIN)
    assert ("cooldown", "reset") in changes(risk, T0 + 16 * MIN)


def test_winning_trade_starts_no_cooldown() -> None:
    risk = manager()
    risk.on_trade_closed("s", 1.0, T0)
    assert tripped(risk, T0 + MIN) == ""


def test_drawdown_of_10r_from_peak_trips_until_manual_reset() -> None:
    risk = manager(daily_loss_r=100, weekly_loss_r=100, max_losing_streak=100, cooldown_minutes=0)
    risk.on_trade_closed("s", 4.0, T0)
    for _ in range(10):
        risk.on_trade_closed("s", -1.0, T0)
    assert "drawdown 10.00R" in tripped(risk, strategy=None)
    risk.roll(TUE + 7, NEXT_WEEK)
    assert "drawdown" in tripped(risk, strategy=None)
    risk.reset("drawdown")
    assert tripped(risk, strategy=None) == ""


def _feed(risk: RiskManager, results: list[float]) -> None:
    for r in results:
        risk.record_outcome("s", r)


def test_rolling_profit_factor_under_one_pauses_the_strategy_and_recovers() -> None:
    risk = manager()
    _feed(risk, [1.0, -1.0] * 5 + [-1.0])
    assert "profit factor" in tripped(risk)
    assert tripped(risk, strategy=None) == ""  # the account may still trade other strategies
    assert risk.blocked_only_by_performance(T0, "s")
    _feed(risk, [3.0] * 5)
    assert "profit factor" not in tripped(risk)


def test_wilson_lower_bound_under_breakeven_pauses_the_strategy_and_recovers() -> None:
    risk = manager(rules=("wilson_win_rate",))
    _feed(risk, [1.0] + [-1.0] * 11)
    assert "win-rate lower bound" in tripped(risk)
    _feed(risk, [1.0] * 18)
    assert tripped(risk) == ""


def test_performance_rules_wait_for_the_minimum_number_of_trades() -> None:
    risk = manager()
    _feed(risk, [-1.0] * 9)
    assert "profit factor" not in tripped(risk)


def test_manual_halt_blocks_until_resume() -> None:
    risk = manager()
    risk.halt("news at 10:00")
    assert "manual halt: news at 10:00" in tripped(risk, strategy=None)
    assert ("manual_halt", "trip") in changes(risk)
    risk.resume()
    assert tripped(risk, strategy=None) == ""
    assert ("manual_halt", "reset") in changes(risk)


def test_stale_feed_blocks_until_fresh_data() -> None:
    risk = manager()
    risk.set_stale(True)
    assert "stale feed" in tripped(risk)
    risk.set_stale(False)
    assert tripped(risk) == ""


def test_risk_state_survives_a_round_trip_through_its_dict() -> None:
    risk = manager()
    risk.on_trade_closed("s", -1.0, T0)
    risk.halt("x")
    risk.changes(T0)
    copy = RiskManager(RiskConfig(), strategies=("s",))
    copy.restore(risk.state_dict())
    assert copy.state == risk.state
    assert copy.changes(T0) == []  # nothing re-announced after a restart


def test_unknown_rule_name_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown risk rules"):
        RiskManager(RiskConfig(rules=("no_such_rule",)))
