"""API info, engine status, risk, health, and the controls: halt (kill switch), resume, reset
of a manual-reset tripwire, flatten at market."""

from __future__ import annotations

from importlib import metadata

import pandas as pd
from fastapi import APIRouter

from transmission import services
from transmission.api.deps import Authorized, EngineDep, RateLimited, StateDep
from transmission.api.errors import Conflict, NotFound
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
from transmission.engine.live import LiveEngine
from transmission.strategies import available

info_router = APIRouter(tags=["info"], responses=error_responses(401))
router = APIRouter(prefix="/api/system", tags=["system"], responses=error_responses(401))
NO_RUN = "no run in the journal yet: run a backtest or start the engine (transmission serve)"


@info_router.get("/", response_model=ApiInfo)
@info_router.get("/api", response_model=ApiInfo)
def api_info(state: StateDep) -> ApiInfo:
    """What this API is, where its docs are, and its routes."""
    return _info(state)


@router.get("/status", response_model=SystemStatusResponse, responses=error_responses(404))
def system_status(state: StateDep) -> SystemStatusResponse:
    """Regime, strategy, P&L in R and risk: the engine now, or its run's last checkpoint."""
    status = services.system_status(state.journal, state.engine)
    if status is None:
        raise NotFound(NO_RUN)
    return status_response(status, "engine" if state.engine else "journal")


@router.get("/risk", response_model=RiskStatusResponse, responses=error_responses(404))
def risk_status(state: StateDep) -> RiskStatusResponse:
    """Every tripwire and whether the engine may open a trade."""
    report = services.risk_report(state.journal, state.engine)
    if report is None:
        raise NotFound(NO_RUN)
    return _risk(report, "engine" if state.engine else "journal")


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
def halt(engine: EngineDep, request: HaltRequest | None = None) -> ControlResponse:
    """Kill switch: the engine opens no new trade until resumed (open trades keep their
    brackets). Journalled before it is answered; it survives a restart."""
    return _control(engine, "halt", (request or HaltRequest()).reason)


@router.post(
    "/resume",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def resume(engine: EngineDep, request: ControlRequest | None = None) -> ControlResponse:
    """Lift a manual halt (other tripwires still apply)."""
    return _control(engine, "resume", (request or ControlRequest()).reason)


@router.post(
    "/reset",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def reset(engine: EngineDep, request: ResetRequest) -> ControlResponse:
    """Clear a manual-reset tripwire (red_days, drawdown, manual_halt)."""
    return _control(engine, "reset", request.reason, request.rule)


@router.post(
    "/flatten",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(400, 409, 422, 429),
)
def flatten(engine: EngineDep, request: ControlRequest | None = None) -> ControlResponse:
    """Close the open position at market and cancel any working order."""
    return _control(engine, "flatten", (request or ControlRequest()).reason)


def _control(
    engine: LiveEngine | None, action: str, reason: str, rule: str | None = None
) -> ControlResponse:
    running = _require_engine(engine)
    seq = running.control(action, reason, rule)
    return ControlResponse(
        action=action,
        status=status_response(running.status(), "engine"),
        control_seq=seq,
    )


# -- shaping (no logic: each figure comes from the services or the engine) ------------------


def _require_engine(engine: LiveEngine | None) -> LiveEngine:
    if engine is None:
        raise Conflict("no engine runs in this server (--feed none): no control to apply")
    return engine


def _risk(report: services.RiskReport, source: str) -> RiskStatusResponse:
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
    engine = state.engine
    run_id: str | None
    last_bar: pd.Timestamp | None
    try:
        if engine is not None:
            status = engine.status()
            run_id, last_bar = status.run_id, status.last_bar_time
        else:
            checkpoint = services.last_checkpoint(state.journal)
            run_id, last_bar = checkpoint[:2] if checkpoint else (None, None)
        database = True
    except Exception:
        run_id, last_bar, database = None, None, False
    error = engine.error if engine is not None else None
    engine_ok = engine is None or (error is None and (engine.running or engine.finished.is_set()))
    ready = database and engine_ok
    stale_since = engine.stale_since if engine is not None else None
    return HealthResponse(
        status="ok" if ready and stale_since is None else "degraded",
        ready=ready,
        database=database,
        database_path=state.journal.path,
        snapshot=state.journal.is_snapshot,
        feed=state.settings.feed,
        engine_running=engine is not None and engine.running,
        engine_finished=engine is not None and engine.finished.is_set(),
        engine_error=f"{type(error).__name__}: {error}" if error is not None else None,
        run_id=run_id,
        last_bar_time=last_bar.to_pydatetime() if last_bar is not None else None,
        websocket_clients=state.manager.client_count,
        stale_since=stale_since.to_pydatetime() if stale_since is not None else None,
        feed_note=engine.feed_note if engine is not None else None,
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
        websocket="/ws?token=<token>",
        routes=[
            "GET /api/trades",
            "GET /api/trades/{trade_id}",
            "GET /api/trades/recent/{limit}",
            "GET /api/metrics",
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
        auth="POST routes and /ws need the API token (Bearer header; ?token= for /ws)"
        + ("" if state.settings.is_loopback else "; every route does on this address"),
    )
