"""The engine status: the one schema of what a running engine shows.

The status route (`api/models/system.py`), the widgets and the CLI read this dataclass; their own
models derive from it or are checked against its fields. The tripwires' schema is its partner,
`transmission.risk.status.RuleStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """What the status route, the widgets and the CLI show of a running engine."""

    run_id: str
    symbol: str
    system_state: str
    current_regime: str
    regime_direction: str | None
    active_strategy: str | None
    daily_pnl_r: float
    weekly_pnl_r: float
    current_r: float
    consecutive_red_days: int
    can_trade: bool
    risk_reason: str | None
    last_bar_time: pd.Timestamp | None
    bars_processed: int
    open_position: dict[str, Any] | None
