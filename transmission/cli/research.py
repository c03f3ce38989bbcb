"""`backtest`, `metrics` and `trades`: run the engine on history and read what it journalled."""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from transmission.cli.common import DbOption, friendly_errors, out, print_json, progress_bar

# The library is imported inside each command: `transmission --help` and every other command
# start without loading pandas, DuckDB and the engine they do not need.


class Grouping(StrEnum):
    strategy = "strategy"
    regime = "regime"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command(help="Replay bars (a file or the simulator) through the engine into the journal.")(
        backtest
    )
    app.command(help="Performance metrics of the journal's trades (a run: the latest).")(metrics)
    app.command(help="Export trades with the API's trade fields, as CSV or JSON.")(trades)


@friendly_errors
def backtest(
    data: Annotated[Path | None, typer.Option(help="Bar file (CSV or Parquet).")] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="A dataset of the journal's bar store (`transmission ingest` fills it)."),
    ] = None,
    simulate: Annotated[
        int | None, typer.Option(help="Simulate this many trading days instead of a file.")
    ] = None,
    symbol: Annotated[str, typer.Option(help="Contract traded (MNQ, NQ, MES, ES).")] = "MNQ",
    db: DbOption = ...,  # type: ignore[assignment]
    config: Annotated[Path | None, typer.Option(help="Engine config file (TOML).")] = None,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    rerun: Annotated[
        bool, typer.Option(help="Run again even if this exact run is already complete.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Interrupted runs resume from their checkpoint when started again with the same inputs."""
    from transmission.config import load_config
    from transmission.engine.feeds import from_file, from_simulator, from_store
    from transmission.engine.runner import run_source
    from transmission.journal import Journal
    from transmission.journal.queries import TradeFilter, regime_changes_frame, risk_events_frame
    from transmission.services import Services

    if sum(given is not None for given in (data, dataset, simulate)) != 1:
        raise ValueError("give exactly one of --data FILE, --dataset NAME or --simulate DAYS")
    engine_config = load_config(config, symbol=symbol)
    with Journal(db) as journal:
        if data is not None:
            source = from_file(data, engine_config.symbol)
        elif dataset is not None:
            source = from_store(journal, dataset, engine_config.symbol)
        else:
            assert simulate is not None
            if simulate < 1:
                raise ValueError(f"--simulate needs at least 1 day, got {simulate}")
            source = from_simulator(simulate, engine_config.symbol, seed=seed)
        with progress_bar(len(source.bars), "replay") as bar:
            task = bar.add_task("replay", total=len(source.bars))
            summary = run_source(
                journal,
                source,
                engine_config,
                rerun=rerun,
                progress=lambda n: bar.advance(task, n),
            )
        f = TradeFilter(run_id=summary.run_id)
        window = engine_config.risk_config().performance_window
        figures = Services(journal).performance(f, window=window)
        trips = risk_events_frame(journal, summary.run_id)
        regimes = regime_changes_frame(journal, summary.run_id)
    report: dict[str, Any] = {
        "run_id": summary.run_id,
        "status": summary.status,
        "source": source.description,
        "bars": len(source.bars),
        "bars_processed": summary.bars,
        "bars_quarantined": len(source.quarantined),
        "resumed_from": summary.resumed_from.isoformat() if summary.resumed_from else None,
        "elapsed_s": round(summary.elapsed_s, 3),
        "bars_per_second": round(summary.bars_per_second, 1) if summary.bars else None,
        "regime_changes": len(regimes),
        "tripwire_trips": int((trips["event"] == "trip").sum()) if len(trips) else 0,
        "metrics": figures,
        "db": str(db),
    }
    if as_json:
        print_json(report)
        return
    _print_summary(report)


def _fmt(value: Any, spec: str = ".2f") -> str:
    if value is None:
        return "-"
    return format(value, spec) if isinstance(value, float) else str(value)


def _print_summary(report: dict[str, Any]) -> None:
    m = report["metrics"]
    table = Table(title=f"backtest {report['run_id']} ({report['status']})", show_header=False)
    table.add_row("source", report["source"])
    table.add_row("journal", report["db"])
    table.add_row("bars", f"{report['bars']:,} ({report['bars_quarantined']} quarantined)")
    if report["bars_processed"]:
        table.add_row(
            "speed", f"{report['bars_per_second']:,.0f} bars/s in {report['elapsed_s']:.2f} s"
        )
    if report["resumed_from"]:
        table.add_row("resumed after", report["resumed_from"])
    table.add_row("trades", str(m["total_trades"]))
    pf = "inf" if m["profit_factor_infinite"] else _fmt(m["all_profit_factor"])
    table.add_row("profit factor", pf)
    table.add_row("E[R]", _fmt(m["all_expected_r"], "+.3f"))
    table.add_row(
        "win rate (Wilson 95% lower bound)",
        f"{_fmt(m['all_win_rate'], '.1%')} ({_fmt(m['all_win_rate_wilson_lb'], '.1%')})",
    )
    table.add_row("total R", _fmt(m["total_r"], "+.2f"))
    table.add_row("max drawdown R", _fmt(m["max_drawdown_r"]))
    table.add_row("SQN", _fmt(m["sqn"]))
    table.add_row("regime changes", str(report["regime_changes"]))
    table.add_row("tripwire trips", str(report["tripwire_trips"]))
    out.print(table)


@friendly_errors
def metrics(
    db: DbOption = ...,  # type: ignore[assignment]
    window: Annotated[int, typer.Option(min=1, help="Rolling window: the last N trades.")] = 20,
    by: Annotated[Grouping | None, typer.Option(help="Group by strategy or regime.")] = None,
    run: Annotated[str | None, typer.Option(help="Run id (default: the latest run).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Totals over all trades; profit factor, E[R], win rate and its bound over the window too."""
    from transmission.journal import open_reader
    from transmission.journal.queries import TradeFilter
    from transmission.services import Services

    with open_reader(db) as journal:
        figures = Services(journal).performance(
            TradeFilter(run_id=run), window=window, by=by.value if by else None
        )
    if as_json:
        print_json(figures)
        return
    groups = figures if by else {"all": figures}
    columns = [
        ("trades", "total_trades", "d"),
        ("PF", "all_profit_factor", ".2f"),
        ("E[R]", "all_expected_r", "+.3f"),
        ("win", "all_win_rate", ".1%"),
        ("win LB", "all_win_rate_wilson_lb", ".1%"),
        (f"PF last {window}", "profit_factor", ".2f"),
        (f"E[R] last {window}", "expected_r", "+.3f"),
        ("total R", "total_r", "+.2f"),
        ("max DD R", "max_drawdown_r", ".2f"),
        ("SQN", "sqn", ".2f"),
    ]
    table = Table(by.value if by else "", *[c[0] for c in columns], title="performance in R")
    for name, row in groups.items():
        table.add_row(name, *[_fmt(row[key], spec) for _, key, spec in columns])
    out.print(table)


@friendly_errors
def trades(
    db: DbOption = ...,  # type: ignore[assignment]
    format: Annotated[ExportFormat, typer.Option(help="Output format.")] = ExportFormat.csv,
    strategy: Annotated[str | None, typer.Option(help="Only this strategy.")] = None,
    regime: Annotated[str | None, typer.Option(help="Only this regime.")] = None,
    since: Annotated[str | None, typer.Option(help="First trading day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last trading day (YYYY-MM-DD).")] = None,
    run: Annotated[str | None, typer.Option(help="Run id (default: the latest run).")] = None,
    output: Annotated[Path | None, typer.Option(help="Write to this file, not stdout.")] = None,
) -> None:
    """Trades in exit order."""
    from transmission.journal import open_reader
    from transmission.journal.queries import TradeFilter
    from transmission.services import Services, records

    f = TradeFilter(
        run_id=run,
        strategy=strategy,
        regime=regime.upper() if regime else None,
        since=_day(since, "--since"),
        until=_day(until, "--until"),
    )
    with open_reader(db) as journal:
        frame = Services(journal).trades.export(f)
    if format is ExportFormat.csv:
        text = frame.to_csv(index=False)
    else:
        import json

        text = json.dumps(records(frame), indent=2) + "\n"
    if output is not None:
        output.write_text(text)
    else:
        sys.stdout.write(text)


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{option} expects a date as YYYY-MM-DD, got {value!r}") from None
