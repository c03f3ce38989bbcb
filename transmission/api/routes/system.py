"""API info, engine status, risk, health, and the controls: halt (kill switch), resume, reset
of a manual-reset tripwire, flatten at market (each through `services.control`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata
from typing import Annotated

from fastapi import APIRouter, Query

from transmission.api.deps import Authorized, RateLimited, ServicesDep, StateDep
from transmission.api.errors import Conflict, NotFound
from transmission.api.models.history import RunQuery
from transmission.api.models.system import (
    ApiInfo,
    ControlRequest,
    ControlResponse,
    HaltRequest,
    HealthResponse,
    ResetRequest,
    RiskStatusResponse,
    SystemStatusResponse,
    TripwireStatus,
    error_responses,
    status_response,
)
from transmission.api.state import AppState
from transmission.services import NoEngine, RiskReport
from transmission.strategies import available

info_router = APIRouter(tags=["info"], responses=error_responses(401))
router = APIRouter(prefix="/api/system", tags=["system"], responses=error_responses(401))
NO_RUN = "no run in the journal yet: run a backtest or start the engine (transmission serve)"


@info_router.get("/", response_model=ApiInfo)
@info_router.get("/api", response_model=ApiInfo)
def api_info(state: StateDep) -> ApiInfo:
    """What this API is, where its docs are, and its routes."""
    return _info(state)


@router.get("/status", response_model=SystemStatusResponse, responses=error_responses(404, 422))
def system_status(
    services: ServicesDep, query: Annotated[RunQuery, Query()]
) -> SystemStatusResponse:
    """Regime, strategy, P&L in R and risk: the engine now, or a run's (`run`) last checkpoint.
    `system_state` is one of: ready, paused, halted, stopped, completed, failed (the schema
    says what each means)."""
    status = services.state.status(query.run)
    if status is None:
        raise NotFound(NO_RUN if query.run is None else f"no run {query.run!r}: see /api/runs")
    live = services.engine is not None and query.run in (None, services.engine.run_id)
    return status_response(status, "engine" if live else "journal")


@router.get("/risk", response_model=RiskStatusResponse, responses=error_responses(404))
def risk_status(services: ServicesDep) -> RiskStatusResponse:
    """Every tripwire and whether the engine may open a trade."""
    report = services.state.risk()
    if report is None:
        raise NotFound(NO_RUN)
    return _risk(report, services.state.source)


@router.get("/health", response_model=HealthResponse)
def health(state: StateDep) -> HealthResponse:
    """Database reachable, engine running, last bar time, readiness."""
    return _health(state)


@router.post(
    "/halt",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def halt(services: ServicesDep, request: HaltRequest | None = None) -> ControlResponse:
    """Kill switch: the engine opens no new trade until resumed (open trades keep their
    brackets). Journalled before it is answered; it holds through a restart."""
    return _control(services, "halt", (request or HaltRequest()).reason)


@router.post(
    "/resume",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def resume(services: ServicesDep, request: ControlRequest | None = None) -> ControlResponse:
    """Lift a manual halt (other tripwires still apply)."""
    return _control(services, "resume", (request or ControlRequest()).reason)


@router.post(
    "/reset",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def reset(services: ServicesDep, request: ResetRequest) -> ControlResponse:
    """Clear a manual-reset tripwire (red_days, drawdown, manual_halt)."""
    return _control(services, "reset", request.reason, request.rule)


@router.post(
    "/flatten",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def flatten(services: ServicesDep, request: ControlRequest | None = None) -> ControlResponse:
    """Close the open position at market and cancel any working order."""
    return _control(services, "flatten", (request or ControlRequest()).reason)


def _control(
    services: ServicesDep, action: str, reason: str, rule: str | None = None
) -> ControlResponse:
    try:
        applied = services.control.apply(action, reason, rule)
    except NoEngine:
        raise Conflict("no engine runs in this server (--feed none): no control to apply") from None
    return ControlResponse(
        action=action,
        status=status_response(applied.status, "engine"),
        control_seq=applied.seq,
    )


# -- shaping (no logic: each figure comes from the services) -------------------------------


@contextmanager
def _engine_required() -> Iterator[None]:
    try:
        yield
    except NoEngine:
        raise Conflict(
            "no engine runs in this server (--feed none): nothing to halt or resume"
        ) from None


def _risk(report: RiskReport, source: str) -> RiskStatusResponse:
    tripwires = [
        TripwireStatus(
            rule=s.rule, strategy=s.strategy, tripped=s.tripped, reason=s.reason, until=s.until
        )
        for s in report.tripwires
    ]
    return RiskStatusResponse(
        can_trade=report.can_trade,
        risk_reason=report.risk_reason,
        tripwires=tripwires,
        source=source,
    )


def _health(state: AppState) -> HealthResponse:
    health = state.services.state.health()
    last_bar = health.last_bar_time
    return HealthResponse(
        status="ok" if health.ok else "degraded",
        ready=health.ready,
        database=health.database,
        database_path=state.journal.path,
        snapshot=state.journal.is_snapshot,
        feed=state.settings.feed,
        engine_running=health.engine_running,
        engine_finished=health.engine_finished,
        engine_error=health.engine_error,
        run_id=health.run_id,
        last_bar_time=last_bar.to_pydatetime() if last_bar is not None else None,
        websocket_clients=state.manager.client_count,
        stale_since=health.stale_since.to_pydatetime() if health.stale_since else None,
        feed_note=health.feed_note,
    )


def _version() -> str:
    try:
        return metadata.version("transmission")
    except metadata.PackageNotFoundError:
        return "unknown"


def _info(state: AppState) -> ApiInfo:
    return ApiInfo(
        name="transmission",
        version=_version(),
        description="Regime-switching intraday futures engine: trades, metrics in R, live "
        "status and risk, signals, and a WebSocket of engine events.",
        docs="/docs",
        redoc="/redoc",
        openapi="/openapi.json",
        websocket="/ws (on loopback with no token configured; else /ws?token=<token>)",
        routes=[
            "GET /api/runs",
            "GET /api/trades",
            "GET /api/trades/{trade_id}",
            "GET /api/trades/recent/{limit}",
            "GET /api/metrics",
            "GET /api/equity",
            "GET /api/candles",
            "GET /api/positions",
            "GET /api/system/status",
            "GET /api/system/risk",
            "GET /api/system/health",
            "POST /api/system/halt",
            "POST /api/system/resume",
            "POST /api/system/reset",
            "POST /api/system/flatten",
            "POST /api/signals/generate",
            "WS /ws",
        ],
        strategies=available(),
        feed=state.settings.feed,
        auth="POST routes need the API token (Bearer header or ?token=); so does /ws when a "
        "token is configured"
        + ("" if state.settings.is_loopback else "; every route but the docs does here"),
    )
