"""Risk profiles (issue 13, item 1): live holds a manual-reset tripwire, research resets it each
week and journals why, off applies no tripwire; and a run's summary says what was blocked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from transmission.config import ConfigError, load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal
from transmission.journal.queries import risk_events_frame
from transmission.market.calendar import trading_days_of
from transmission.risk import RiskConfig, RiskManager
from transmission.risk.profiles import WEEKLY_RESET_REASON
from transmission.risk.summary import blocks, headlines, risk_summary, vetoes_by_reason

T0 = 1_700_000_000 * 1_000_000_000
MON = date(2023, 11, 20).toordinal()
WEEK = 202347


def _in_drawdown(profile: str) -> RiskManager:
    # Only the drawdown: the loss limits would trip on the same loss and reset on their own.
    risk = RiskManager(RiskConfig(profile=profile, rules=("drawdown",)), strategies=("a",))
    risk.roll(MON, WEEK)
    risk.on_trade_closed("a", -11.0, T0)
    return risk


def test_live_profile_holds_the_drawdown_tripwire_into_the_next_week() -> None:
    risk = _in_drawdown("live")
    assert [c.rule for c in risk.changes(T0)] == ["drawdown"]
    risk.roll(MON + 7, WEEK + 1)
    assert risk.changes(T0 + 1) == []
    assert risk.can_trade(T0 + 1).tripped


def test_research_profile_resets_the_drawdown_at_the_next_week_and_says_why() -> None:
    risk = _in_drawdown("research")
    assert [c.rule for c in risk.changes(T0)] == ["drawdown"]
    risk.roll(MON + 1, WEEK)  # a new day of the same week: still held
    assert risk.changes(T0 + 1) == [] and risk.can_trade(T0 + 1).tripped
    risk.roll(MON + 7, WEEK + 1)
    reset = risk.changes(T0 + 2)
    assert [(c.rule, c.event, c.reason) for c in reset] == [
        ("drawdown", "reset", WEEKLY_RESET_REASON)
    ]
    assert not risk.can_trade(T0 + 2).tripped


def test_off_profile_sizes_but_applies_no_tripwire() -> None:
    risk = _in_drawdown("off")
    assert risk.rules == [] and risk.changes(T0) == [] and not risk.can_trade(T0).tripped


def test_an_unknown_profile_is_refused_with_the_key_named() -> None:
    with pytest.raises(ConfigError, match=r"risk.profile: .*live\|research\|off"):
        load_config(risk={"profile": "yolo"})


def _events(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["ts", "rule", "event", "strategy"])
    frame["ts"] = pd.to_datetime(frame["ts"]).dt.tz_localize("America/New_York")
    frame["reason"] = frame["rule"] + " held"
    frame["until"] = "manual reset"
    frame["seq"] = range(len(frame))
    return frame


def test_blocks_pair_each_trip_with_its_reset_and_count_trading_days() -> None:
    events = _events([
        ("2024-01-02 10:00", "cooldown", "trip", None),
        ("2024-01-02 10:15", "cooldown", "reset", None),
        ("2024-01-03 11:00", "drawdown", "trip", None),
    ])  # fmt: skip
    days = pd.bdate_range("2024-01-02", "2024-01-31")
    found = blocks(events, list(days), pd.Timestamp("2024-01-31 16:00", tz="America/New_York"))
    assert [(b.rule, b.to_the_end) for b in found] == [("cooldown", False), ("drawdown", True)]
    assert found[0].minutes == 15 and found[0].trading_days == 1
    assert found[1].trading_days == len(days) - 1
    lines = headlines(found, vetoes_by_reason(pd.DataFrame(columns=["decision"]), events))
    assert lines[0].startswith("drawdown blocked trading from 2024-01-03 11:00 to the end")
    assert "--risk-profile research" in lines[-1]


def test_vetoes_are_counted_by_the_rule_whatever_figures_its_reason_carries() -> None:
    events = _events([("2024-01-02 10:00", "profit_factor", "trip", "a")])
    events.loc[0, "reason"] = "a: profit factor 0.64 over the last 10 trades < 1"
    signals = pd.DataFrame({
        "decision": ["vetoed", "vetoed", "shadow", "accepted"],
        "veto_reason": ["a: profit factor 0.94 over the last 11 trades < 1",
                        "a position or order is already working",
                        "a: profit factor 0.5 over the last 12 trades < 1", None],
    })  # fmt: skip
    counted = vetoes_by_reason(signals, events)
    assert set(map(tuple, counted.to_numpy().tolist())) == {
        ("profit_factor", "vetoed", 1),
        ("a position or order is already working", "vetoed", 1),
        ("profit_factor", "shadow", 1),
    }


@pytest.mark.slow
def test_a_backtest_in_live_holds_the_drawdown_and_research_resets_it_weekly(
    tmp_path: Path,
) -> None:
    source = from_simulator(40, "MNQ", seed=7)
    days = list(trading_days_of(source.bars["ts"]).unique())
    results = {}
    with Journal(tmp_path / "j.duckdb") as journal:
        for profile in ("live", "research"):
            config = load_config(risk={"max_drawdown_r": 3.0, "profile": profile})
            run = run_source(journal, source, config).run_id
            events = risk_events_frame(journal, run)
            signals = journal.query("SELECT * FROM signals WHERE run_id = ?", [run])
            trades = journal.query("SELECT count(*) AS n FROM trades WHERE run_id = ?", [run])
            results[profile] = (risk_summary(events, signals, days, source.bars["ts"].iloc[-1]),
                                events, int(trades["n"].iloc[0]))  # fmt: skip
    live, live_events, live_trades = results["live"]
    assert any(block["rule"] == "drawdown" for block in live["blocks"])
    assert WEEKLY_RESET_REASON not in set(live_events["reason"])
    _, events, research_trades = results["research"]
    resets = events[(events["rule"] == "drawdown") & (events["event"] == "reset")]
    assert WEEKLY_RESET_REASON in set(resets["reason"])
    assert research_trades >= live_trades
