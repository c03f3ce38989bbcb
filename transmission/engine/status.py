"""The engine status: the one schema of what a running engine shows.

The status route (`api/models/system.py`), the widgets and the CLI read this dataclass; their own
models derive from it or are checked against its fields. The tripwires' schema is its partner,
`transmission.risk.status.RuleStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from transmission.engine.pipeline import SignalPipeline
    from transmission.execution.port import ExecutionPort
    from transmission.risk import RiskManager


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


def engine_status(
    run_id: str,
    symbol: str,
    pipeline: SignalPipeline,
    risk: RiskManager,
    broker: ExecutionPort,
    last_bar_ns: int | None,
    bars_processed: int,
) -> EngineStatus:
    """The status of an engine from its parts (the orchestrator calls it under its lock)."""
    from transmission.engine.event_factory import timestamp

    decision = risk.can_trade(last_bar_ns or 0)
    regime = pipeline.regime
    state = risk.state
    position = broker.position
    return EngineStatus(
        run_id=run_id,
        symbol=symbol,
        system_state="halted" if state.halted else "running",
        current_regime=regime,
        regime_direction=pipeline.direction,
        active_strategy=pipeline.gearbox.strategy_for(regime),
        daily_pnl_r=state.daily_pnl_r,
        weekly_pnl_r=state.weekly_pnl_r,
        current_r=state.equity_r,
        consecutive_red_days=state.consecutive_red_days,
        can_trade=not decision.tripped,
        risk_reason=decision.reason or None,
        last_bar_time=timestamp(last_bar_ns) if last_bar_ns is not None else None,
        bars_processed=bars_processed,
        open_position=position.to_dict() if position is not None else None,
    )
