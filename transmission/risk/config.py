"""Risk settings; every default is DESIGN.md section 7's."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_RULES = (
    "manual_halt",
    "stale_feed",
    "daily_loss",
    "weekly_loss",
    "red_days",
    "losing_streak",
    "trades_per_day",
    "cooldown",
    "drawdown",
    "profit_factor",
    "wilson_win_rate",
)


@dataclass(frozen=True, slots=True)
class RiskConfig:
    risk_per_trade_usd: float = 200.0
    max_contracts: int = 50
    daily_loss_r: float = 3.0
    weekly_loss_r: float = 6.0
    max_red_days: int = 3
    max_losing_streak: int = 3
    max_trades_per_day: int = 6
    cooldown_minutes: int = 15
    max_drawdown_r: float = 10.0
    performance_window: int = 20
    performance_min_trades: int = 10
    min_profit_factor: float = 1.0
    wilson_z: float = 1.959964
    rules: tuple[str, ...] = field(default=DEFAULT_RULES)
    profile: str = "live"  # transmission.risk.profiles: live, research or off
