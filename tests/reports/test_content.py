"""What the reports read: sessions, days with data, and figures equal to transmission.metrics."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from transmission.metrics import compute_metrics
from transmission.reports import tables
from transmission.reports.content import (
    load_daily,
    load_weekly,
    parse_day,
    week_start,
)
from transmission.reports.errors import ReportInputError
from transmission.reports.tables import Column, html_table, regime_segments

from .conftest import TRADED_DAY, WINDOW


def results_r(db: Path, since: str | None, until: str) -> list[float]:
    """Trade results straight from the file, independently of the package's queries."""
    sql = "SELECT result_r FROM trades WHERE trading_day <= ?"
    params: list[object] = [until]
    if since:
        sql += " AND trading_day >= ?"
        params.append(since)
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(sql + " ORDER BY timestamp_exit, trade_id", params).fetchall()
    return [row[0] for row in rows]


def test_week_start_of_any_day_is_its_monday() -> None:
    assert {week_start(date(2023, 11, d)) for d in range(27, 31)} == {date(2023, 11, 27)}


@pytest.mark.parametrize("text", ["2023-11-31", "yesterday", "28/11/2023"])
def test_parse_day_with_a_malformed_date_says_what_it_got(text: str) -> None:
    with pytest.raises(ReportInputError, match=f"YYYY-MM-DD, got '{text}'"):
        parse_day(text, "--date")


def test_daily_metrics_of_a_traded_day_equal_transmission_metrics(report_db: Path) -> None:
    content = load_daily(report_db, TRADED_DAY, window=WINDOW)
    day = compute_metrics(results_r(report_db, TRADED_DAY, TRADED_DAY), window=WINDOW)
    to_date = compute_metrics(results_r(report_db, None, TRADED_DAY), window=WINDOW)
    assert content.day_metrics == day.to_dict()
    assert content.window_metrics == to_date.to_dict()
    assert len(content.trades) == day.total_trades == 3
    assert to_date.window_trades == WINDOW < to_date.total_trades


def test_daily_without_a_date_reports_the_last_trading_day_of_the_run(report_db: Path) -> None:
    assert load_daily(report_db).day == date(2023, 12, 4)


def test_daily_of_a_day_with_bars_but_no_trades_has_empty_metrics(report_db: Path) -> None:
    content = load_daily(report_db, "2023-11-21")
    assert content.trades.empty and not content.bars.empty
    assert content.day_metrics["total_trades"] == 0
    assert content.day_metrics["all_expected_r"] is None


def test_regime_segments_tile_the_session_from_its_first_to_its_last_bar(report_db: Path) -> None:
    content = load_daily(report_db, TRADED_DAY)
    segments = regime_segments(content)
    assert segments["start"].iloc[0] == content.bars["ts"].iloc[0]
    assert segments["end"].iloc[-1] == content.bars["ts"].iloc[-1] + pd.Timedelta(minutes=1)
    assert (segments["start"].iloc[1:].to_numpy() == segments["end"].iloc[:-1].to_numpy()).all()
    assert set(segments["regime"]) >= {"RANGE", "TREND"}


def test_weekly_daily_rows_sum_to_the_week_metrics(report_db: Path) -> None:
    content = load_weekly(report_db, "2023-11-29")
    week = compute_metrics(results_r(report_db, "2023-11-27", "2023-12-01"))
    assert content.week == date(2023, 11, 27)
    assert content.week_metrics == week.to_dict()
    assert content.daily["trades"].sum() == week.total_trades
    assert content.daily["result_r"].sum() == pytest.approx(week.total_r, abs=1e-12)
    assert set(content.by_strategy) == set(content.trades["strategy_used"])


def test_html_table_escapes_journal_text() -> None:
    rows = [{"reason": "<script>alert(1)</script>"}]
    html = html_table(rows, [Column("Reason", "reason")], "t", "none")
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_weekly_without_a_week_reports_the_last_complete_week(report_db: Path) -> None:
    # The sample ends on Monday 4 December: that week has barely begun.
    report = load_weekly(report_db)
    assert report.week == date(2023, 11, 27)
    assert report.coverage == ""


def test_weekly_of_the_week_the_data_ends_in_says_it_is_partial(report_db: Path) -> None:
    report = load_weekly(report_db, "2023-12-04")
    assert report.coverage == "Partial week: the data ends Mon 04 Dec."
    notes = dict(zip(report.daily["trading_day"], report.daily["note"], strict=True))
    assert notes[date(2023, 12, 4)] == ""
    assert {notes[date(2023, 12, d)] for d in (5, 6, 7, 8)} == {"after the data ends"}
    assert "Partial week: the data ends Mon 04 Dec." in tables.weekly_header(report)
    assert "no session" not in tables.daily_pnl_table(report)


def test_weekly_days_without_an_exchange_session_say_so(report_db: Path) -> None:
    thanksgiving = load_weekly(report_db, "2023-11-20")
    row = thanksgiving.daily.set_index("trading_day").loc[date(2023, 11, 23)]
    assert row["note"] in ("", "no session (exchange closed)")
    assert row["bars"] > 0 or row["note"] == "no session (exchange closed)"


def test_the_pnl_bars_of_a_one_trade_day_take_a_fifth_of_the_width_not_all_of_it(
    report_db: Path,
) -> None:
    from transmission.reports import figures

    one_trade = load_daily(report_db, "2023-11-22")  # the sample's first day: a single trade
    assert len(one_trade.trades) == 1
    fig = figures.trade_pnl_figure(one_trade)
    ax = fig.axes[0]
    (bar,) = ax.patches
    low, high = ax.get_xlim()
    assert bar.get_width() / (high - low) < 0.2


def test_the_weekly_equity_curve_runs_against_time_through_the_week_not_trade_numbers(
    report_db: Path,
) -> None:
    # Issue 13: equity in R and $ against time. The curve drawn by trade number made a quiet
    # day vanish; now the week runs Monday to its last trading day's close.
    from matplotlib.dates import num2date

    from transmission.reports import figures

    content = load_weekly(report_db, "2023-11-29")
    fig = figures.equity_drawdown_figure(content)
    r_axis, usd_axis = fig.axes[0], fig.axes[-1]
    (curve, *_) = r_axis.get_lines()
    times = [num2date(x).replace(tzinfo=None) for x in curve.get_xdata(orig=False)]
    assert times[-1] == pd.Timestamp("2023-12-01 16:00").to_pydatetime()  # Friday's close
    assert curve.get_ydata()[-1] == pytest.approx(content.trades["result_r"].sum())
    dollars = usd_axis.get_lines()[0].get_ydata()
    assert dollars[-1] == pytest.approx(content.trades["pnl_usd"].sum())
    assert usd_axis.get_ylabel() == "cumulative $"
