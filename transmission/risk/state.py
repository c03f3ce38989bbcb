"""The risk manager's state: plain numbers, saved with every journal checkpoint."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class RiskState:
    trading_day: int = 0
    week: int = 0
    daily_realized_r: float = 0.0
    daily_trades_closed: int = 0
    open_r: float = 0.0
    weekly_realized_r: float = 0.0
    consecutive_red_days: int = 0
    losing_streak_today: int = 0
    trades_today: int = 0
    last_loss_ns: int | None = None
    equity_r: float = 0.0
    peak_equity_r: float = 0.0
    halted: bool = False
    halt_reason: str = ""
    stale: bool = False
    recent_r: dict[str, list[float]] = field(default_factory=dict)

    @property
    def daily_pnl_r(self) -> float:
        return self.daily_realized_r + self.open_r

    @property
    def weekly_pnl_r(self) -> float:
        return self.weekly_realized_r + self.open_r

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RiskState:
        return cls(**data)
