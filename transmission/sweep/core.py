"""`sweep`: a grid of parameters over one data set, on Dask, journalled and resumable."""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from transmission.engine.feeds import BarSource
from transmission.journal import Journal
from transmission.lab.data import as_source
from transmission.overfitting import sharpe_ratio
from transmission.sweep import store
from transmission.sweep.cluster import announce, get_client, run_all
from transmission.sweep.data import content_key, trading_days
from transmission.sweep.grid import Constraint, expand
from transmission.sweep.point import run_point, window_of
from transmission.sweep.result import SERIES_KEYS, SweepResult, objective_column
from transmission.sweep.spec import SweepSpec

Progress = bool | Callable[[int, int], None]


def sweep(
    data: Any,
    strategy: Any,
    grid: Mapping[str, Sequence[Any] | Any],
    *,
    objective: str = "expected_r",
    constraint: Constraint | None = None,
    risk: dict[str, Any] | None = None,
    config: Any = None,
    start: Any = None,
    end: Any = None,
    client: Any = None,
    max_tries: int | float | None = None,
    seed: int | None = None,
    journal: str | Path | None = None,
    progress: Progress = True,
) -> SweepResult:
    """Run `strategy` at every point of `grid` over `data`.

    `data`, `strategy` and `config` take what `tm.backtest` takes: a bar file, a DataFrame of
    1-minute OHLCV or `tm.simulate(...)`; a strategy class (one defined in a notebook cell
    too: it is shipped to the workers by value), an instance, a registered name, a regime ->
    strategy mapping, or None (the config's gearbox); a TOML path, an EngineConfig or a dict;
    `start`, `end` cut the data to [start, end).

    `grid` maps a parameter to its values: a feature period (`ema_fast`), a strategy parameter
    (`stop_atr`), or a dotted `section.name` (`risk.max_trades_per_day`, `regime.trend_adx`,
    `vwap_pullback.target_r`). `objective` is the metrics column to maximise ("-name"
    minimises); `constraint` filters points; `max_tries` draws that many at random (seeded).
    `risk` overrides the risk profile. The points run on Dask (`client`: a Client, an address,
    or None for TRANSMISSION_DASK_ADDRESS or a LocalCluster); rows are journalled as they come,
    so a killed sweep resumes where it stopped and a finished one is read back, not rerun.
    """
    spec = SweepSpec.build(config, strategy, risk=risk)
    source = as_source(data, spec.symbol, start=start, end=end)
    points = expand(grid, constraint=constraint, max_tries=max_tries, seed=seed)
    return run_sweep(
        source,
        spec,
        points,
        objective=objective,
        client=client,
        seed=seed,
        journal=journal,
        progress=progress,
    )


def run_sweep(
    source: BarSource,
    spec: SweepSpec,
    points: list[dict[str, Any]],
    *,
    objective: str,
    client: Any,
    seed: int | None,
    journal: str | Path | None,
    progress: Progress,
    kind: str = "sweep",
    shared: Any = None,
) -> SweepResult:
    """The driver: the points not yet journalled go to the cluster; every row is journalled by
    this process alone as it arrives. `shared`: the source already on the workers (`share`)."""
    for point in points:
        spec.config_for(point)  # a bad name or value fails here, before any work
    column, _ = objective_column(objective)
    window_source = window_of(source, spec.window)
    if window_source.bars.empty:
        raise ValueError("the sweep's data (or window) holds no bars")
    data_key = content_key(window_source)
    ids = [_point_id(data_key, spec, point) for point in points]
    sweep_id = "sweep-" + hashlib.sha256(json.dumps([kind, ids]).encode()).hexdigest()[:12]
    with Journal(_journal_path(journal)) as db:
        status = store.start_sweep(
            db,
            sweep_id,
            kind=kind,
            dataset=source.dataset,
            strategy=spec.label,
            spec={"spec": spec.config, "strategy": spec.label, "window": spec.window,
                  "code": spec.strategy.code_identity(), "points": points, "data": data_key},
            points=len(points),
        )  # fmt: skip
        done = store.finished_points(db, sweep_id)
        todo = [
            (f"{sweep_id}-{pid}", (spec, point))
            for pid, point in zip(ids, points, strict=True)
            if pid not in done
        ]
        recomputed = len(todo)
        if todo:
            report = _progress(progress, len(points), len(done))
            by_key = {
                f"{sweep_id}-{pid}": (seq, pid, p)
                for seq, (pid, p) in enumerate(zip(ids, points, strict=True))
            }
            # Points of one feature configuration next to each other: a worker reuses them.
            todo.sort(key=lambda task: spec.feature_key(task[1][1]))
            groups = [spec.feature_key(task[1][1]) for task in todo]
            cluster = get_client(client)
            announce(cluster)
            tasks = run_all(cluster, run_point, source if shared is None else shared, todo, groups)
            for key, row in tasks:
                seq, pid, point = by_key[key]
                store.save_result(db, sweep_id, pid, seq, point, _json_row(row))
                done[pid] = _json_row(row)
                report(1)
            report(0, close=True)
        if status != store.COMPLETED:
            store.finish_sweep(db, sweep_id)
    rows = [done[pid] for pid in ids]
    days = trading_days(window_source)
    frame, series = _frame(points, rows, days)
    if column not in frame.columns:
        raise ValueError(
            f"objective {objective!r} is not a metrics column: "
            f"{', '.join(c for c in frame.columns if c not in points[0])}"
        )
    return SweepResult(frame, list(points[0]), objective, sweep_id, days, series, seed, recomputed)


def _point_id(data_key: str, spec: SweepSpec, point: dict[str, Any]) -> str:
    text = json.dumps([data_key, spec.identity(), point], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _journal_path(journal: str | Path | None) -> Path:
    if journal is not None:
        return Path(journal)
    from transmission.settings import default_db_path

    return default_db_path()


def _json_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()
    }


def _frame(
    points: list[dict[str, Any]], rows: list[dict[str, Any]], days: list[str]
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    records, series = [], []
    for point, row in zip(points, rows, strict=True):
        daily = np.array([row["daily_r"].get(day, 0.0) for day in days])
        record = {**point, **{k: v for k, v in row.items() if k not in SERIES_KEYS}}
        record["sharpe"] = sharpe_ratio(daily)
        records.append(record)
        series.append({key: row[key] for key in SERIES_KEYS})
    frame = pd.DataFrame.from_records(records)
    frame.index.name = "point"
    return frame, series


def _progress(progress: Progress, total: int, already: int) -> Callable[..., None]:
    if callable(progress):
        callback = progress
        callback(already, total)
        state = {"n": already}

        def step(n: int, close: bool = False) -> None:
            state["n"] += n
            if n:
                callback(state["n"], total)

        return step
    if not progress:
        return lambda n, close=False: None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=already, desc="sweep points", file=sys.stderr)

    def tick(n: int, close: bool = False) -> None:
        if n:
            bar.update(n)
        if close:
            bar.close()

    return tick
