"""API info, engine status, risk, health, and the manual halt (kill switch) and resume."""

from __future__ import annotations

from importlib import metadata
from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query

from transmission import services
from transmission.api.deps import Authorized, EngineDep, RateLimited, StateDep
from transmission.api.errors import Conflict, NotFound
from transmission.api.models.history import RunQuery
from transmission.api.models.system import (
    ApiInfo,
    ControlResponse,
    HaltRequest,
    HealthResponse,
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


@router.get("/status", response_model=SystemStatusResponse, responses=error_responses(404, 422))
def system_status(state: StateDep, query: Annotated[RunQuery, Query()]) -> SystemStatusResponse:
    """Regime, strategy, P&L in R and risk: the engine now, or a run's (`run`) last checkpoint.
    `system_state` is one of: ready, paused, halted, stopped, completed, failed (the schema
    says what each means)."""
    status = services.system_status(state.journal, state.engine, query.run)
    if status is None:
        raise NotFound(NO_RUN if query.run is None else f"no run {query.run!r}: see /api/runs")
    live = state.engine is not None and query.run in (None, state.engine.run_id)
    return status_response(status, "engine" if live else "journal")


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
    brackets)."""
    running = _require_engine(engine)
    running.halt((request or HaltRequest()).reason)
    return ControlResponse(action="halt", status=status_response(running.status(), "engine"))


@router.post(
    "/resume",
    response_model=ControlResponse,
    dependencies=[Authorized, RateLimited],
    responses=error_responses(409, 429),
)
def resume(engine: EngineDep) -> ControlResponse:
    """Lift a manual halt (other tripwires still apply)."""
    running = _require_engine(engine)
    running.resume()
    return ControlResponse(action="resume", status=status_response(running.status(), "engine"))


# -- shaping (no logic: each figure comes from the services or the engine) ------------------


def _require_engine(engine: LiveEngine | None) -> LiveEngine:
    if engine is None:
        raise Conflict("no engine runs in this server (--feed none): nothing to halt or resume")
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
    return HealthResponse(
        status="ok" if ready else "degraded",
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
            "POST /api/signals/generate",
            "WS /ws",
        ],
        strategies=available(),
        feed=state.settings.feed,
        auth="POST routes and /ws need the API token (Bearer header; ?token= for /ws)"
        + ("" if state.settings.is_loopback else "; every route does on this address"),
    )
