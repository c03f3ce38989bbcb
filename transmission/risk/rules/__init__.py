"""Tripwires, one small rule a module, found by name."""

from transmission.risk.rules import (  # noqa: F401  (each module registers itself)
    cooldown,
    daily_loss,
    drawdown,
    losing_streak,
    manual_halt,
    profit_factor,
    red_days,
    stale_feed,
    trades_per_day,
    weekly_loss,
    wilson_win_rate,
)
from transmission.risk.rules.base import (
    CLEAR,
    ClockForesight,
    Decision,
    ManualReset,
    MarkForesight,
    Rule,
    available_rules,
    build,
    register_rule,
    unregister_rule,
)

__all__ = [
    "CLEAR",
    "ClockForesight",
    "Decision",
    "ManualReset",
    "MarkForesight",
    "Rule",
    "available_rules",
    "build",
    "register_rule",
    "unregister_rule",
]
