"""Performance metrics in R, overall or grouped, over a rolling window of trades."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from transmission.api.deps import CacheDep, ServicesDep
from transmission.api.models.metrics import (
    GroupedMetricsResponse,
    MetricsQuery,
    PerformanceMetricsResponse,
)
from transmission.api.models.system import error_responses
from transmission.services import Services
from transmission.strategies.names import display_name

router = APIRouter(prefix="/api/metrics", tags=["metrics"], responses=error_responses(401))


@router.get(
    "",
    response_model=PerformanceMetricsResponse | GroupedMetricsResponse,
    responses=error_responses(422),
)
async def metrics(
    services: ServicesDep, cache: CacheDep, query: Annotated[MetricsQuery, Query()]
) -> Response:
    """Metrics of the matching trades: ratios over the last `window`, totals over all; with
    `by`, one set per strategy or regime (GroupedMetricsResponse)."""
    body = await cache.body(("metrics", query), lambda: _metrics(services, query))
    return Response(body, media_type="application/json")


def _metrics(services: Services, query: MetricsQuery) -> bytes:
    f = query.to_filter(services.default_run_id)
    figures = services.performance(f, window=query.window, by=query.by)
    if query.by is None:
        return PerformanceMetricsResponse.model_validate(figures).model_dump_json().encode()
    if query.by == "strategy":  # strategies show their display names, as in the trades
        figures = {display_name(name): group for name, group in figures.items()}
    grouped = GroupedMetricsResponse(by=query.by, window=query.window, groups=figures)
    return grouped.model_dump_json().encode()
