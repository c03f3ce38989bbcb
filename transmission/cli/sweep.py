"""`sweep` and `walkforward`: a parameter grid (TOML) over history, on Dask.

The grid file:

    strategy = "ema_cross"        # a registered strategy; leave out for the config's gearbox
    config = "ema_cross.toml"     # an engine config, relative to this file (optional)
    objective = "expected_r"      # a metrics column; "-max_drawdown_r" minimises
    max_tries = 20                # random search: this many points (optional)
    seed = 1
    [grid]
    ema_fast = [10, 20, 30]
    stop_atr = [1.5, 2.0]
    [risk]                        # risk profile overrides (optional)
    max_trades_per_day = 10
    [walkforward]                 # for `transmission walkforward`
    train_days = 20
    test_days = 5
    anchored = false
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from transmission.cli.common import DbOption, friendly_errors, out, print_json, progress_bar

GRID_KEYS = {"strategy", "config", "objective", "max_tries", "seed", "grid", "risk", "walkforward"}
WALKFORWARD_KEYS = {"train_days", "test_days", "anchored"}

GridOption = Annotated[Path, typer.Option("--grid", help="Grid file (TOML): see the help above.")]
DataOption = Annotated[Path | None, typer.Option(help="Bar file (CSV or Parquet).")]
SimulateOption = Annotated[
    int | None, typer.Option(help="Simulate this many trading days instead of a file.")
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="TRANSMISSION_DASK_ADDRESS",
        help="Dask scheduler address (default: a LocalCluster on this machine).",
    ),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the rows to this .csv or .json file.")
]
TopOption = Annotated[int, typer.Option(help="Rows to print, best first.")]


def register(app: typer.Typer) -> None:
    app.command(name="sweep", help="Sweep a parameter grid over history (on Dask).")(sweep)
    app.command(name="walkforward", help="Walk-forward optimisation of a parameter grid.")(
        walkforward
    )


def read_grid(path: Path) -> dict[str, Any]:
    """The grid file, checked: a clear one-line error for what is wrong."""
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"grid file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"grid file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - GRID_KEYS)
    if unknown:
        raise ValueError(f"grid file {path}: unknown keys {unknown}; allowed: {sorted(GRID_KEYS)}")
    grid = data.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ValueError(
            f"grid file {path}: a 'grid' table of parameters and their values is needed"
        )
    if "config" in data:
        data["config"] = (path.parent / data["config"]).resolve()
    return data


def _common(grid_file: Path, data: Path | None, simulate: int | None, seed: int) -> Any:
    from transmission.config import load_config
    from transmission.engine.feeds import from_file, from_simulator

    spec = read_grid(grid_file)
    config = load_config(spec.get("config"))
    if (data is None) == (simulate is None):
        raise ValueError("give exactly one of --data FILE or --simulate DAYS")
    if data is not None:
        source = from_file(data, config.symbol)
    else:
        assert simulate is not None
        if simulate < 1:
            raise ValueError(f"--simulate needs at least 1 day, got {simulate}")
        source = from_simulator(simulate, config.symbol, seed=seed)
    options = {
        "objective": spec.get("objective", "expected_r"),
        "risk": spec.get("risk"),
        "config": config,
        "max_tries": spec.get("max_tries"),
        "seed": spec.get("seed"),
    }
    return spec, source, options


class _Bar:
    """The rich progress bar as a sweep's progress callback."""

    def __init__(self, description: str) -> None:
        self.progress = progress_bar(0, description)
        self.task = self.progress.add_task(description, total=None)

    def __call__(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)


@friendly_errors
def sweep(
    grid: GridOption,
    data: DataOption = None,
    simulate: SimulateOption = None,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    db: DbOption = ...,  # type: ignore[assignment]
    scheduler: SchedulerOption = None,
    top: TopOption = 10,
    out_file: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """A killed sweep resumes when started again; a finished one is read from the journal."""
    from transmission.sweep import sweep as run

    spec, source, options = _common(grid, data, simulate, seed)
    bar = _Bar("sweep")
    with bar.progress:
        result = run(source, spec.get("strategy"), spec["grid"], client=scheduler, journal=db,
                     progress=bar, **options)  # fmt: skip
    stats = result.overfitting()
    ranked = result.ranked()
    if out_file is not None:
        _write(ranked, out_file)
    report = {
        "sweep_id": result.sweep_id,
        "points": len(result),
        "recomputed": result.recomputed,
        "best": result.best_params,
        "overfitting": stats,
        "top": json.loads(ranked.head(top).to_json(orient="records")),
    }
    if as_json:
        print_json(report)
        return
    _print_rows(f"sweep {result.sweep_id}: {len(result)} points", ranked.head(top), result.params)
    _print_stats(stats)


@friendly_errors
def walkforward(
    grid: GridOption,
    data: DataOption = None,
    simulate: SimulateOption = None,
    seed: Annotated[int, typer.Option(help="Simulator seed.")] = 7,
    db: DbOption = ...,  # type: ignore[assignment]
    scheduler: SchedulerOption = None,
    out_file: OutOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """In-sample sweeps and out-of-sample runs, window after window ([walkforward] table)."""
    from transmission.sweep import walk_forward

    spec, source, options = _common(grid, data, simulate, seed)
    windows = spec.get("walkforward")
    if not isinstance(windows, dict) or not {"train_days", "test_days"} <= set(windows):
        raise ValueError(
            f"grid file {grid}: the 'walkforward' table needs train_days and test_days"
        )
    unknown = sorted(set(windows) - WALKFORWARD_KEYS)
    if unknown:
        raise ValueError(f"grid file {grid}: the 'walkforward' table has unknown keys {unknown}")
    bar = _Bar("walk-forward")
    with bar.progress:
        result = walk_forward(source, spec.get("strategy"), spec["grid"], client=scheduler,
                              journal=db, progress=bar, **windows, **options)  # fmt: skip
    if out_file is not None:
        _write(result.windows, out_file)
    metrics = result.metrics.to_dict()
    report = {"windows": json.loads(result.windows.to_json(orient="records")),
              "degradation": result.degradation, "oos_metrics": metrics}  # fmt: skip
    if as_json:
        print_json(report)
        return
    _print_rows("walk-forward windows", result.windows, [])
    table = Table(title="out of sample", show_header=False)
    table.add_row("trades", str(metrics["total_trades"]))
    table.add_row("total R", _fmt(metrics["total_r"]))
    table.add_row("E[R]", _fmt(metrics["all_expected_r"]))
    for key, value in result.degradation.items():
        table.add_row(f"IS vs OOS {key}", _fmt(value))
    out.print(table)


SHOWN = ("trades", "expected_r", "profit_factor", "win_rate", "total_r", "max_drawdown_r",
         "sharpe", "blocked_minutes")  # fmt: skip


def _print_rows(title: str, frame: Any, params: list[str]) -> None:
    columns = [*params, *(c for c in SHOWN if c in frame.columns)] if params else list(frame)
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right")
    for _, row in frame.iterrows():
        table.add_row(*(_fmt(row[c]) for c in columns))
    out.print(table)


def _print_stats(stats: dict[str, Any]) -> None:
    table = Table(title="overfitting", show_header=False)
    table.add_row("trials", str(stats["trials"]))
    table.add_row("deflated Sharpe ratio", _fmt(stats.get("dsr")))
    table.add_row("PBO (CSCV)", _fmt(stats.get("pbo")))
    ci = f"{_fmt(stats.get('expected_r'))} [{_fmt(stats.get('expected_r_low'))}, "
    table.add_row("best E[R] (95% bootstrap)", ci + f"{_fmt(stats.get('expected_r_high'))}]")
    out.print(table)


def _write(frame: Any, path: Path) -> None:
    if path.suffix == ".csv":
        frame.to_csv(path)
    elif path.suffix == ".json":
        frame.to_json(path, orient="records", indent=1)
    else:
        raise ValueError(f"--out {path}: write .csv or .json")


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)
