"""Runs: every backtest and live run in the journal, with what each was run on."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from transmission.api.deps import ServicesDep
from transmission.api.models.history import RunListResponse, RunResponse
from transmission.api.models.system import error_responses
from transmission.api.models.trade import ApiQuery

router = APIRouter(prefix="/api/runs", tags=["runs"], responses=error_responses(401))


@router.get("", response_model=RunListResponse, responses=error_responses(422))
def list_runs(services: ServicesDep, _: Annotated[ApiQuery, Query()]) -> RunListResponse:
    """Every run, newest first: kind, symbol, data, config, status and trade count. Pass a
    run's id as `run=` to the trades, metrics, status, equity and candles routes."""
    return RunListResponse(runs=[RunResponse(**run) for run in services.history.runs()])
