"""System schemas: status, risk, health, controls, API info and the error body."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from transmission.strategies.names import display_name

if TYPE_CHECKING:
    from transmission.engine.status import EngineStatus


SystemState = Literal["ready", "paused", "halted", "stopped", "completed", "failed"]
SYSTEM_STATES: dict[str, str] = {
    "ready": "the engine runs and may open a trade",
    "paused": "the engine runs; a tripwire holds new trades (risk_reason says which)",
    "halted": "the engine runs; the manual kill switch holds new trades until resumed",
    "stopped": "the run is not running (stopped before its feed ended)",
    "completed": "the run's feed ended (a finished backtest or replay)",
    "failed": "the run ended on an error (see /api/system/health)",
}


def system_state(raw: str, can_trade: bool) -> str:
    """The API's state from the engine's or the run's ("running" splits by can_trade)."""
    if raw == "running":
        return "ready" if can_trade else "paused"
    return raw if raw in SYSTEM_STATES else "stopped"


class OpenPositionResponse(BaseModel):
    trade_type: Literal["Long", "Short"]
    strategy: str
    regime: str
    contracts: int
    entry_time: datetime
    entry_price: float
    stop_price: float
    target_price: float
    risk_usd: float


class SystemStatusResponse(BaseModel):
    """The engine now (or, with no engine running, as its run's last checkpoint left it)."""

    system_state: SystemState = Field(
        description="; ".join(f"{name}: {meaning}" for name, meaning in SYSTEM_STATES.items())
    )
    current_regime: str = Field(examples=["TREND"])
    regime_direction: str | None = Field(None, examples=["up"])
    active_strategy: str | None = Field(description="display name", examples=["VWAP Pullback"])
    active_strategy_id: str | None = Field(None, examples=["vwap_pullback"])
    daily_pnl_r: float
    weekly_pnl_r: float
    current_r: float = Field(description="cumulative realized R of the run")
    consecutive_red_days: int
    can_trade: bool
    risk_reason: str | None
    run_id: str
    symbol: str
    last_bar_time: datetime | None
    bars_processed: int
    open_position: OpenPositionResponse | None
    source: Literal["engine", "journal"]


class TripwireStatus(BaseModel):
    rule: str = Field(examples=["daily_loss"])
    strategy: str | None = Field(description="set for the per-strategy performance rules")
    tripped: bool
    reason: str
    until: str | None


class RiskStatusResponse(BaseModel):
    """Every tripwire's state; `can_trade` is false while any account-wide one holds."""

    can_trade: bool
    risk_reason: str | None
    tripwires: list[TripwireStatus]
    source: Literal["engine", "journal"]


class HealthResponse(BaseModel):
    status: Literal["ok", "degraded"]
    ready: bool = Field(description="the database answers and the engine (if any) is healthy")
    database: bool
    database_path: str
    snapshot: bool = Field(description="serving the snapshot another process's engine publishes")
    feed: Literal["none", "replay", "follow"]
    engine_running: bool
    engine_finished: bool
    engine_error: str | None
    run_id: str | None
    last_bar_time: datetime | None
    websocket_clients: int
    stale_since: datetime | None = Field(
        None, description="while `stale_feed` holds: the last bar before the feed went silent"
    )
    feed_note: str | None = Field(
        None, description="what the feed last noticed (a followed file rotated or truncated)"
    )


class HaltRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        "manual halt via the API", min_length=1, max_length=200, examples=["news at 10:00"]
    )


class ControlRequest(BaseModel):
    """The reason a control is sent (journalled with it)."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field("via the API", min_length=1, max_length=200, examples=["desk call"])


class ResetRequest(ControlRequest):
    rule: Literal["red_days", "drawdown", "manual_halt"] = Field(
        description="the manual-reset tripwire to clear"
    )


class ControlResponse(BaseModel):
    """The result of a control (journalled before this answer), with the status that follows."""

    action: Literal["halt", "resume", "reset", "flatten"]
    status: SystemStatusResponse
    control_seq: int | None = Field(None, description="the control's number in the journal")


class ApiInfo(BaseModel):
    name: str
    version: str
    description: str
    docs: str
    redoc: str
    openapi: str
    websocket: str
    routes: list[str]
    strategies: list[str]
    feed: Literal["none", "replay", "follow"]
    auth: str


class ErrorResponse(BaseModel):
    """Every error: a short code, a message that says what was wrong, maybe details."""

    error: str = Field(examples=["not_found"])
    message: str = Field(examples=["no trade with id 'x'"])
    details: list[dict[str, Any]] | None = None


_DESCRIPTIONS = {
    400: "Bad request",
    401: "Missing or wrong API token",
    404: "Not found",
    409: "Conflict with the server's state (e.g. no engine running)",
    422: "A parameter or the body is invalid; `details` lists each problem",
    429: "Too many requests: retry after the Retry-After header's seconds",
    500: "Internal error (no traceback is sent; see the server log)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for the errors a route can return, each with ErrorResponse."""
    return {
        code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in (*codes, 500)
    }


def position_response(position: dict[str, Any] | None) -> OpenPositionResponse | None:
    """The engine's open position (Position.to_dict) as the API shows it."""
    if position is None:
        return None
    order = position["order"]
    return OpenPositionResponse(
        trade_type="Long" if order["side"] > 0 else "Short",
        strategy=order["strategy"],
        regime=order["regime"],
        contracts=order["contracts"],
        entry_time=pd.Timestamp(position["entry_ns"], unit="ns", tz="UTC")
        .tz_convert("America/New_York")
        .to_pydatetime(),
        entry_price=position["entry_price"],
        stop_price=order["stop"],
        target_price=order["target"],
        risk_usd=order["risk_usd"],
    )


def status_response(status: EngineStatus, source: str) -> SystemStatusResponse:
    fields = {
        name: getattr(status, name)
        for name in SystemStatusResponse.model_fields
        if name not in ("source", "active_strategy_id")
    }
    active = status.active_strategy
    fields.update(
        system_state=system_state(status.system_state, status.can_trade),
        active_strategy=display_name(active) if active else None,
        active_strategy_id=active,
        last_bar_time=status.last_bar_time.to_pydatetime() if status.last_bar_time else None,
        open_position=position_response(status.open_position),
        source=source,
    )
    return SystemStatusResponse(**fields)
