"""Performance metrics schemas (DESIGN.md section 9), all in R."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from transmission.api.models.trade import TradeFilterQuery


class PerformanceMetricsResponse(BaseModel):
    """Ratios over the last `window_trades` trades; totals, drawdown and SQN over all trades.

    A profit factor with wins and no losses is infinite: JSON has no infinity, so it is null
    with `profit_factor_infinite` true. Other nulls mean undefined (no trades, no wins...).
    """

    window_trades: int = Field(ge=0, description="trades in the rolling window")
    profit_factor: float | None
    profit_factor_infinite: bool
    expected_r: float | None = Field(description="mean R per trade (expectancy)")
    win_rate: float | None
    win_rate_wilson_lb: float | None = Field(description="Wilson 95% lower bound of the win rate")
    total_trades: int = Field(ge=0)
    total_wins: int = Field(ge=0)
    total_losses: int = Field(ge=0)
    avg_win_r: float | None
    avg_loss_r: float | None
    total_r: float
    max_drawdown_r: float
    sqn: float | None
    all_profit_factor: float | None
    all_profit_factor_infinite: bool
    all_expected_r: float | None
    all_win_rate: float | None
    all_win_rate_wilson_lb: float | None
    all_avg_win_r: float | None
    all_avg_loss_r: float | None


class GroupedMetricsResponse(BaseModel):
    """Metrics per strategy or per regime (`by`), each group as PerformanceMetricsResponse."""

    by: str
    window: int
    groups: dict[str, PerformanceMetricsResponse]


class MetricsQuery(TradeFilterQuery):
    window: int = Field(20, ge=1, le=100_000, description="rolling window, in trades")
    by: Literal["strategy", "regime"] | None = Field(None, description="group the metrics")
