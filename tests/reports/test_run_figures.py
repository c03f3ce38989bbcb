"""The reports name their run and show its figures beyond R and its risk summary (issue 13).

The HTML of the reports run once by the session's fixtures is checked against figures computed
here from the sample file and the journal's own rows, not from the reports' content.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.samples import SAMPLE
from transmission.config import load_config
from transmission.engine.feeds import from_file, from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal
from transmission.market.calendar import globex_session, trading_days_of
from transmission.metrics import trade_stats
from transmission.reports import tables
from transmission.reports.content import load_daily

from .conftest import TRADED_DAY, invoke

MNQ_POINT_VALUE = 2.0


def _sample_bars() -> pd.DataFrame:
    return from_file(SAMPLE, "MNQ").bars


def _trades(db: Path, since: str | None, until: str) -> pd.DataFrame:
    sql = "SELECT * FROM trades WHERE trading_day <= ?"
    params: list[object] = [until]
    if since:
        sql += " AND trading_day >= ?"
        params.append(since)
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql + " ORDER BY timestamp_exit, trade_id", params).df()


def _expected_stats(db: Path, since: str | None, until: str) -> dict[str, object]:
    """trade_stats of the trades of since..until over the sample's bars of those days."""
    bars = _sample_bars()
    end = globex_session(date.fromisoformat(until))[1]
    start = globex_session(date.fromisoformat(since))[0] if since else bars["ts"].iloc[0]
    bars = bars[(bars["ts"] >= start) & (bars["ts"] < end)].reset_index(drop=True)
    days = list(trading_days_of(bars["ts"]).unique())
    trades = _trades(db, since, until)
    return trade_stats(trades, bars, point_value=MNQ_POINT_VALUE, trading_days=days).to_dict()


def _stats_cells(soup: BeautifulSoup) -> dict[str, dict[str, str | None]]:
    """{column title: {figure key: data-value}} of the report's trade-stats table."""
    table = soup.select_one("table#trade-stats")
    assert table is not None, "the report has no trade-stats table"
    titles = [th.get_text() for th in table.select("thead th")][1:]
    columns: dict[str, dict[str, str | None]] = {title: {} for title in titles}
    for row in table.select("tbody tr"):
        for title, cell in zip(titles, row.select("td")[1:], strict=True):
            value = cell.get("data-value")
            columns[title][str(cell["data-key"])] = None if value is None else str(value)
    return columns


def _assert_stats_equal(shown: dict[str, str | None], expected: dict[str, object]) -> None:
    checked = 0
    for key, value in shown.items():
        if expected[key] is None:
            assert value is None, key
            continue
        assert float(str(value)) == pytest.approx(float(expected[key]), rel=1e-9), key  # type: ignore[arg-type]
        checked += 1
    assert checked >= 12


def _run_line(db: Path) -> tuple[str, str]:
    """How the run must be named: its id, kind, status, symbol, file and dataset; then the
    times of the sample's first and last bar."""
    with duckdb.connect(str(db), read_only=True) as con:
        run_id, dataset = con.execute("SELECT run_id, dataset FROM runs").fetchone()  # type: ignore[misc]
    bars = _sample_bars()
    first, last = bars["ts"].iloc[0], bars["ts"].iloc[-1]
    named = f"run {run_id} (backtest, completed; MNQ, {SAMPLE}, dataset {dataset}, "
    return named, f"{first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} ET"


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(), "html.parser")


@pytest.mark.slow
def test_daily_report_names_its_run_and_what_it_ran_on(
    daily_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, code, output = daily_run
    assert code == 0, output
    start, span = _run_line(report_db)
    subtitle = _soup(out / "daily" / f"{TRADED_DAY}.html").select_one(".tx-banner p")
    assert subtitle is not None
    assert start in subtitle.get_text() and span in subtitle.get_text()
    assert start in output and span in output  # the command says it too, before the kernel runs


@pytest.mark.slow
def test_daily_report_shows_trade_stats_of_the_day_and_the_run_to_date(
    daily_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, _, _ = daily_run
    columns = _stats_cells(_soup(out / "daily" / f"{TRADED_DAY}.html"))
    assert list(columns) == ["The day", "Run to date"]
    _assert_stats_equal(columns["The day"], _expected_stats(report_db, TRADED_DAY, TRADED_DAY))
    _assert_stats_equal(columns["Run to date"], _expected_stats(report_db, None, TRADED_DAY))


def _session_rows(db: Path, table: str, day: str) -> pd.DataFrame:
    start, end = globex_session(date.fromisoformat(day))
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"SELECT * FROM {table} WHERE ts >= ? AND ts < ? ORDER BY ts", [start, end]
        ).df()


@pytest.mark.slow
def test_daily_report_shows_when_trading_was_blocked_and_the_vetoes_by_reason(
    daily_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, _, _ = daily_run
    soup = _soup(out / "daily" / f"{TRADED_DAY}.html")
    trips = _session_rows(report_db, "risk_events", TRADED_DAY)
    trips = trips[trips["event"] == "trip"]
    blocked = soup.select("table#risk-blocked tbody tr")
    # The day trips daily_loss (-3R) and the losing streak at 14:55: both hold to the close.
    assert sorted(r.select("td")[0].get_text() for r in blocked) == sorted(trips["rule"])
    holding = {r.select("td")[0].get_text() for r in blocked if "still holding" in r.get_text()}
    assert holding == {"daily_loss", "losing_streak"}
    signals = _session_rows(report_db, "signals", TRADED_DAY)
    vetoed = signals[signals["decision"] != "accepted"]
    vetoes = {
        r.select("td")[0].get_text(): int(str(r.select("td")[2]["data-value"]).split(".")[0])
        for r in soup.select("table#risk-vetoes tbody tr")
    }
    assert sum(vetoes.values()) == len(vetoed) > 0
    daily_loss_reason = trips.loc[trips["rule"] == "daily_loss", "reason"].iloc[0]
    assert vetoes["daily_loss"] == (vetoed["veto_reason"] == daily_loss_reason).sum() == 1
    assert "Risk profile: live." in soup.get_text()


@pytest.mark.slow
def test_weekly_report_shows_trade_stats_and_the_risk_summary_of_the_week(
    weekly_run: tuple[Path, int, str], report_db: Path
) -> None:
    out, code, output = weekly_run
    assert code == 0, output
    soup = _soup(out / "weekly" / "2023-11-27.html")
    columns = _stats_cells(soup)
    assert list(columns) == ["The week", "Run to date"]
    _assert_stats_equal(columns["The week"], _expected_stats(report_db, "2023-11-27", "2023-12-01"))
    _assert_stats_equal(columns["Run to date"], _expected_stats(report_db, None, "2023-12-01"))
    with duckdb.connect(str(report_db), read_only=True) as con:
        trips = con.execute(
            "SELECT rule FROM risk_events WHERE event = 'trip' AND ts >= ? AND ts < ?",
            [globex_session(date(2023, 11, 27))[0], globex_session(date(2023, 12, 1))[1]],
        ).fetchall()
    blocked = [r.select("td")[0].get_text() for r in soup.select("table#risk-blocked tbody tr")]
    assert sorted(blocked) == sorted(rule for (rule,) in trips) and "daily_loss" in blocked
    assert soup.select("table#risk-vetoes tbody tr")
    start, span = _run_line(report_db)
    assert start in output and span in output


def test_weekly_report_of_an_unknown_run_exits_2_before_any_kernel_starts(
    report_db: Path, tmp_path: Path
) -> None:
    code, output = invoke(
        "report", "weekly", "--db", str(report_db), "--out", str(tmp_path), "--run", "nosuch"
    )
    assert code == 2, output
    assert "no run 'nosuch' in" in output
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def paused_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """40 simulated days: the win-rate pause of vwap_pullback trips on day 21 and never lifts."""
    db = tmp_path_factory.mktemp("paused") / "sim.duckdb"
    with Journal(db) as journal:
        run_source(journal, from_simulator(40, "MNQ"), load_config())
    return db


def test_daily_report_of_a_day_inside_a_long_pause_shows_the_block_that_began_before_it(
    paused_db: Path,
) -> None:
    content = load_daily(paused_db)  # the run's last day, 19 trading days into the pause
    with duckdb.connect(str(paused_db), read_only=True) as con:
        trip_ts, reason = con.execute(
            "SELECT ts, reason FROM risk_events WHERE rule = 'wilson_win_rate' AND event = 'trip'"
        ).fetchone()  # type: ignore[misc]
        vetoed = con.execute(
            "SELECT count(*) FROM signals WHERE decision != 'accepted' AND veto_reason LIKE ?",
            ["vwap_pullback: win-rate lower bound%"],
        ).fetchone()[0]  # type: ignore[index]
    assert trip_ts < globex_session(content.day)[0]
    (block,) = [b for b in content.risk["blocks"] if b["rule"] == "wilson_win_rate"]
    assert block["end"] is None and block["strategy"] == "vwap_pullback"
    assert block["trading_days"] == 20 and block["reason"] == reason
    # The headline counts what the pause vetoed over the whole run, not only that day.
    (headline,) = [h for h in content.risk["headlines"] if h.startswith("wilson_win_rate")]
    assert headline.endswith(f"wilson_win_rate vetoed {vetoed} signals in all") and vetoed > 0
    html = tables.daily_risk_summary(content)
    assert "still holding" in html and "20 trading days" in html and "to trade through" in html
