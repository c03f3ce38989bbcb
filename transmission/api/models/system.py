"""System schemas: status, risk, health, controls, API info and the error body."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from transmission.engine.status import EngineStatus


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

    system_state: str = Field(
        description="running or halted (engine); else the run's status: completed, stopped..."
    )
    current_regime: str = Field(examples=["TREND"])
    regime_direction: str | None = Field(None, examples=["up"])
    active_strategy: str | None = Field(examples=["vwap_pullback"])
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


class HaltRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(
        "manual halt via the API", min_length=1, max_length=200, examples=["news at 10:00"]
    )


class ControlResponse(BaseModel):
    """The result of a halt or a resume, with the status that follows."""

    action: Literal["halt", "resume"]
    status: SystemStatusResponse


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
        if name != "source"
    }
    fields.update(
        last_bar_time=status.last_bar_time.to_pydatetime() if status.last_bar_time else None,
        open_position=position_response(status.open_position),
        source=source,
    )
    return SystemStatusResponse(**fields)
