"""Performance metrics schemas (DESIGN.md section 9), all in R."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from transmission.api.models.trade import TradeFilterQuery


class TradeStatsResponse(BaseModel):
    """Figures beyond R (`metrics.trade_stats`) of the matching trades, over the run's bars of
    the period: Sharpe and Sortino of daily P&L in $ (flat days count, annualised by
    sqrt(252)), exposure (share of 1-minute bars in a position), durations in minutes, MAE/MFE
    in R, streaks, best and worst trade; `sample_warning` below 30 trades. Null: undefined."""

    trades: int = Field(ge=0)
    trading_days: int = Field(ge=0)
    total_pnl_usd: float
    sharpe_daily: float | None
    sortino_daily: float | None
    exposure: float | None = Field(description="share of the period's bars with a position open")
    avg_duration_minutes: float | None
    median_duration_minutes: float | None
    max_duration_minutes: float | None
    avg_mae_r: float | None = Field(description="mean maximum adverse excursion, in R (<= 0)")
    avg_mfe_r: float | None = Field(description="mean maximum favourable excursion, in R (>= 0)")
    worst_mae_r: float | None
    best_mfe_r: float | None
    longest_win_streak: int = Field(ge=0)
    longest_loss_streak: int = Field(ge=0)
    best_trade_r: float | None
    worst_trade_r: float | None
    sample_warning: str | None = Field(description="set when the sample is too small to judge")


class BlockedPeriod(BaseModel):
    """One time a tripwire held: from its trip to its reset (`end` null: still holding at the
    end of the data, or of the period asked for)."""

    rule: str
    strategy: str | None = Field(description="the strategy paused; null: all trading blocked")
    reason: str
    until: str | None = Field(description="what lifts it, as the rule says")
    start: str = Field(description="trip time, ISO 8601")
    end: str | None = Field(description="reset time, ISO 8601")
    trading_days: int = Field(ge=0)
    minutes: float | None


class VetoCount(BaseModel):
    vetoed_by: str = Field(description="the rule, or the reason itself (invalid signal, busy...)")
    decision: str = Field(description="vetoed, or shadow (a paused strategy's signal)")
    signals: int = Field(ge=0)


class RiskSummaryResponse(BaseModel):
    """When trading was blocked, by which tripwire, for how long, and the signals vetoed by
    reason (`risk.summary.risk_summary`), as the backtest summary and the reports show it."""

    profile: str | None = Field(description="the run's risk profile: live, research or off")
    headlines: list[str] = Field(description="the blocks of 5 trading days or more, and the fix")
    blocks: list[BlockedPeriod]
    vetoes: list[VetoCount]
    trading_days: int | None


class RunSummaryResponse(BaseModel):
    """The run the figures cover and what it was run on."""

    run_id: str
    kind: str
    status: str
    symbol: str
    dataset: str
    description: str | None = Field(description="the file, bar store or simulator it ran on")
    first_bar: str | None
    last_bar: str | None
    risk_profile: str | None


class RunDetails(BaseModel):
    """With `details=true`: the run, its figures beyond R and its risk summary."""

    run: RunSummaryResponse | None = Field(None, description="with details=true")
    stats: TradeStatsResponse | None = Field(None, description="with details=true")
    risk: RiskSummaryResponse | None = Field(None, description="with details=true")


class PerformanceMetricsResponse(RunDetails):
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


class GroupedMetricsResponse(RunDetails):
    """Metrics per strategy or per regime (`by`), each group as PerformanceMetricsResponse."""

    by: str
    window: int
    groups: dict[str, PerformanceMetricsResponse]


class MetricsQuery(TradeFilterQuery):
    window: int = Field(20, ge=1, le=100_000, description="rolling window, in trades")
    by: Literal["strategy", "regime"] | None = Field(None, description="group the metrics")
    details: bool = Field(
        False,
        description=(
            "also the run, the trades' figures beyond R (Sharpe, Sortino, exposure, durations, "
            "MAE/MFE, streaks) and the run's risk summary (blocked periods, vetoes by reason) "
            "over the filter's period; 404 for an unknown run"
        ),
    )
