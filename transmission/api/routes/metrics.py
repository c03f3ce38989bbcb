"""Performance metrics in R, overall or grouped, over a rolling window of trades."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from transmission.api.deps import CacheDep, ServicesDep
from transmission.api.errors import NotFound
from transmission.api.models.metrics import (
    GroupedMetricsResponse,
    MetricsQuery,
    PerformanceMetricsResponse,
)
from transmission.api.models.system import error_responses
from transmission.journal.queries import TradeFilter
from transmission.services import Services
from transmission.strategies.names import display_name

router = APIRouter(prefix="/api/metrics", tags=["metrics"], responses=error_responses(401))


@router.get(
    "",
    response_model=PerformanceMetricsResponse | GroupedMetricsResponse,
    responses=error_responses(404, 422),
)
async def metrics(
    services: ServicesDep, cache: CacheDep, query: Annotated[MetricsQuery, Query()]
) -> Response:
    """Metrics of the matching trades: ratios over the last `window`, totals over all; with
    `by`, one set per strategy or regime (GroupedMetricsResponse). With `details=true`, also
    the run, its figures beyond R (`stats`) and its risk summary (`risk`)."""
    body = await cache.body(("metrics", query), lambda: _metrics(services, query))
    return Response(body, media_type="application/json")


def _metrics(services: Services, query: MetricsQuery) -> bytes:
    f = query.to_filter(services.default_run_id)
    figures = services.performance(f, window=query.window, by=query.by)
    details = _details(services, f) if query.details else {}
    # Without details, the response is the metrics alone, as it always was.
    if query.by is None:
        response = PerformanceMetricsResponse.model_validate({**figures, **details})
        return response.model_dump_json(exclude_unset=True).encode()
    if query.by == "strategy":  # strategies show their display names, as in the trades
        figures = {display_name(name): group for name, group in figures.items()}
    grouped = GroupedMetricsResponse.model_validate(
        {"by": query.by, "window": query.window, "groups": figures, **details}
    )
    return grouped.model_dump_json(exclude_unset=True).encode()


def _details(services: Services, f: TradeFilter) -> dict[str, Any]:
    """The run, its trade stats and risk summary over the filter's period (one service each)."""
    try:
        run = services.run_figures.describe(f.run_id)
    except ValueError as exc:
        raise NotFound(str(exc)) from None
    f = dataclasses.replace(f, run_id=run.run_id)
    return {
        "run": run.to_dict(),
        "stats": services.run_figures.stats(f),
        "risk": services.run_figures.risk(run.run_id, f.since, f.until),
    }
