"""`backtest`, `metrics` and `trades`: run the engine on history and read what it journalled."""

from __future__ import annotations

import dataclasses
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from transmission.cli.common import (
    DbOption,
    console,
    friendly_errors,
    out,
    print_json,
    progress_bar,
)

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
    app.command(help="The journal's runs: what each was run on, its status and its trades.")(runs)


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
    symbol: Annotated[
        str | None,
        typer.Option(help="Contract traded (MNQ, NQ, MES, ES); default: the config's, else MNQ."),
    ] = None,
    db: DbOption = ...,  # type: ignore[assignment]
    config: Annotated[Path | None, typer.Option(help="Engine config file (TOML).")] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz", help="Zone of the file's naive timestamps (default America/New_York)."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option(help="First trading day to run (YYYY-MM-DD).")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last trading day to run (YYYY-MM-DD).")] = None,
    risk_profile: Annotated[
        str | None,
        typer.Option(help="Risk profile: live (the default), research or off (docs/risk.md)."),
    ] = None,
    compare_risk: Annotated[
        bool,
        typer.Option(
            help="Also run the same signals without tripwires and show both side by side."
        ),
    ] = False,
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
    from transmission.market.loader import select_trading_days
    from transmission.services import Services

    if sum(given is not None for given in (data, dataset, simulate)) != 1:
        raise ValueError("give exactly one of --data FILE, --dataset NAME or --simulate DAYS")
    data_options = {"timezone": tz, "start": _day(start, "--start"), "end": _day(end, "--end")}
    engine_config = load_config(
        config,
        symbol=symbol,
        data={key: value for key, value in data_options.items() if value is not None},
        risk={"profile": risk_profile} if risk_profile else None,
    )
    with Journal(db) as journal:
        if data is not None:
            source = from_file(data, engine_config.symbol, source_tz=engine_config.data.timezone)
        elif dataset is not None:
            source = from_store(journal, dataset, engine_config.symbol)
        else:
            assert simulate is not None
            if simulate < 1:
                raise ValueError(f"--simulate needs at least 1 day, got {simulate}")
            source = from_simulator(simulate, engine_config.symbol, seed=seed)
        source = dataclasses.replace(
            source,
            bars=select_trading_days(source.bars, engine_config.data.start, engine_config.data.end),
        )
        for warning in source.warnings:
            console.print(f"warning: {warning}", style="bold yellow", markup=False)
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
        services = Services(journal)
        figures = services.performance(f, window=window)
        # The bars are in memory: the figures beyond R take them rather than read them again.
        stats = services.run_figures.stats(f, bars=source.bars)
        blocked = services.run_figures.risk(summary.run_id, bars=source.bars)
        trips = risk_events_frame(journal, summary.run_id)
        regimes = regime_changes_frame(journal, summary.run_id)
        comparison = None
        if compare_risk:
            comparison = _without_tripwires(journal, source, engine_config, figures, rerun=rerun)
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
        "stats": stats,
        "risk": blocked,
        "risk_comparison": comparison,
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


def _span(minutes: float, group: list[dict[str, Any]]) -> str:
    days = sum(b["trading_days"] for b in group)
    if minutes >= 2 * 24 * 60:
        return f"{days} trading days"
    return f"{minutes / 60:.1f} h" if minutes >= 90 else f"{minutes:.0f} min"


def _blocks_by_rule(blocks: list[dict[str, Any]]) -> dict[tuple[str, str | None], list[Any]]:
    grouped: dict[tuple[str, str | None], list[Any]] = {}
    for block in blocks:
        grouped.setdefault((block["rule"], block["strategy"]), []).append(block)
    return grouped


def _without_tripwires(
    journal: Any, source: Any, config: Any, figures: dict[str, Any], *, rerun: bool
) -> dict[str, Any]:
    """The same signals under the `off` profile (sizing only), beside the run's own figures."""
    from transmission.engine.runner import run_source
    from transmission.journal.queries import TradeFilter
    from transmission.services import Services

    off = config.model_copy(update={"risk": {**config.risk, "profile": "off"}})
    summary = run_source(journal, source, off, rerun=rerun)
    without = Services(journal).performance(TradeFilter(run_id=summary.run_id))
    keys = ("total_trades", "total_r", "all_expected_r", "max_drawdown_r", "sqn")
    return {
        "run_id": summary.run_id,
        "with_tripwires": {key: figures[key] for key in keys},
        "without_tripwires": {key: without[key] for key in keys},
        # Positive: the tripwires kept this much R; negative: they cost it.
        "saved_r": round(float(figures["total_r"]) - float(without["total_r"]), 4),
    }


def _print_summary(report: dict[str, Any]) -> None:
    m = report["metrics"]
    risk = report["risk"]
    for line in risk["headlines"]:
        out.print(Text.assemble(("risk: ", "bold yellow"), line), highlight=False)
    table = Table(title=f"backtest {report['run_id']} ({report['status']})", show_header=False)
    table.add_row("risk profile", risk["profile"])
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
    _add_stats_rows(table, report["stats"])
    table.add_row("regime changes", str(report["regime_changes"]))
    table.add_row("tripwire trips", str(report["tripwire_trips"]))
    for (rule, strategy), group in _blocks_by_rule(risk["blocks"]).items():
        scope = f" {strategy}" if strategy else ""
        last = group[-1]["end"]
        table.add_row(
            f"blocked: {rule}{scope}",
            f"{len(group)} time{'s' if len(group) != 1 else ''}, "
            f"{_span(sum(b['minutes'] or 0 for b in group), group)} in all; first "
            f"{group[0]['start'][:16]}, last until {last[:16] if last else 'the end of the data'}",
        )
    for veto in risk["vetoes"]:
        table.add_row(f"signals {veto['decision']}: {veto['vetoed_by']}", str(veto["signals"]))
    comparison = report.get("risk_comparison")
    if comparison:
        with_, without = comparison["with_tripwires"], comparison["without_tripwires"]
        table.add_row(
            "with / without tripwires",
            f"{with_['total_trades']} / {without['total_trades']} trades, "
            f"{_fmt(with_['total_r'], '+.2f')} / {_fmt(without['total_r'], '+.2f')} R, "
            f"max DD {_fmt(with_['max_drawdown_r'])} / {_fmt(without['max_drawdown_r'])} R",
        )
        verb = "saved" if comparison["saved_r"] >= 0 else "cost"
        table.add_row(
            "risk manager " + verb,
            f"{abs(comparison['saved_r']):.2f} R (run {comparison['run_id']})",
        )
    out.print(table)


def _add_stats_rows(table: Table, stats: dict[str, Any]) -> None:
    """The figures beyond R (metrics.trade_stats) as summary rows."""
    table.add_row("P&L $", _fmt(stats["total_pnl_usd"], "+,.2f"))
    table.add_row(
        "Sharpe / Sortino (daily P&L, annualised)",
        f"{_fmt(stats['sharpe_daily'])} / {_fmt(stats['sortino_daily'])}"
        f" over {stats['trading_days']} trading days",
    )
    table.add_row("exposure (time in market)", _fmt(stats["exposure"], ".1%"))
    table.add_row(
        "duration min (mean / median / max)",
        " / ".join(
            _fmt(stats[key], ".0f")
            for key in ("avg_duration_minutes", "median_duration_minutes", "max_duration_minutes")
        ),
    )
    table.add_row(
        "MAE / MFE R (mean; worst / best)",
        f"{_fmt(stats['avg_mae_r'], '+.2f')} / {_fmt(stats['avg_mfe_r'], '+.2f')}; "
        f"{_fmt(stats['worst_mae_r'], '+.2f')} / {_fmt(stats['best_mfe_r'], '+.2f')}",
    )
    table.add_row(
        "best / worst trade R",
        f"{_fmt(stats['best_trade_r'], '+.2f')} / {_fmt(stats['worst_trade_r'], '+.2f')}",
    )
    table.add_row(
        "longest streak (wins / losses)",
        f"{stats['longest_win_streak']} / {stats['longest_loss_streak']}",
    )
    if stats["sample_warning"]:
        table.add_row(Text("sample", style="yellow"), stats["sample_warning"])


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
        run = _say_which_run(journal, run)
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

    with open_reader(db) as journal:
        run = _say_which_run(journal, run)
        f = TradeFilter(
            run_id=run,
            strategy=strategy,
            regime=regime.upper() if regime else None,
            since=_day(since, "--since"),
            until=_day(until, "--until"),
        )
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


def _say_which_run(journal: Any, run_id: str | None) -> str:
    """The run a command reads (None: the latest), named on stderr with what it was run on
    (stdout stays the data); an unknown run is a ValueError (exit 2)."""
    from transmission.services import describe_run

    run = describe_run(journal, run_id)
    console.print(run.line, highlight=False, soft_wrap=True)
    return run.run_id


@friendly_errors
def runs(
    db: DbOption = ...,  # type: ignore[assignment]
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Newest first: id, kind, status, data (dataset, bars digest, description), version, trades."""
    from transmission.journal import open_reader

    with open_reader(db) as journal:
        frame = journal.runs_overview()
    records = frame.to_dict("records")
    if as_json:
        print_json(records)
        return
    table = Table(
        "run", "kind", "status", "started", "data", "bars", "trades", "version", title="runs"
    )
    for row in records:
        table.add_row(
            row["run_id"],
            row["kind"],
            row["status"],
            f"{row['started_at']:%Y-%m-%d %H:%M:%S}",
            f"{row['description'] or '-'}\n{row['dataset']}",
            f"{row['bars_processed']:,} ({row['bars_quarantined']} quarantined)",
            str(row["trades"]),
            row["version"] or "-",
        )
    out.print(table)
