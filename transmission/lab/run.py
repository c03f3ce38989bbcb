"""`tm.backtest`: data and a strategy in, a `BacktestResult` out, the run journalled like the CLI's.

Two layers, so that sweeps can reuse the first:

- `run_backtest(source, spec, config)`: one run, no file I/O (an in-memory journal unless one is
  handed in), returning the result's frames;
- `backtest(data, strategy, ...)`: resolves the data, the strategy and the config, journals to a
  DuckDB file (`default_journal()` unless `journal=`), and shows user errors at the user's frame.
"""

from __future__ import annotations

import os
import time
from collections.abc import Hashable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from transmission.config import EngineConfig, load_config
from transmission.engine.feeds import BarSource
from transmission.engine.runner import run_id_for, run_source
from transmission.journal import Journal
from transmission.journal.queries import (
    TradeFilter,
    regime_changes_frame,
    risk_events_frame,
    signals_frame,
)
from transmission.journal.store import JournalBusyError
from transmission.lab.data import as_source
from transmission.lab.result import BacktestResult
from transmission.lab.strategy import StrategySpec, resolve, user_traceback
from transmission.services import Trades

JOURNAL_ENV = "TRANSMISSION_RESEARCH_JOURNAL"


def default_journal() -> Path:
    """Where `tm.backtest` journals by default: $TRANSMISSION_RESEARCH_JOURNAL, else
    ~/.transmission/research.duckdb (one per user, read by the API, widgets and reports)."""
    override = os.environ.get(JOURNAL_ENV)
    return Path(override) if override else Path.home() / ".transmission" / "research.duckdb"


def engine_config(config: Any, spec: StrategySpec | None = None) -> EngineConfig:
    """`config=` (None, a TOML path, an EngineConfig or a dict of overrides) with the gearbox
    and strategy parameters of `spec` on top. Install `spec` first (its names must exist)."""
    if config is None:
        base = load_config()
    elif isinstance(config, EngineConfig):
        base = config
    elif isinstance(config, Mapping):
        base = load_config(**dict(config))
    elif isinstance(config, (str, Path)):
        base = load_config(config)
    else:
        raise TypeError(
            f"config must be a TOML path, an EngineConfig or a dict, got {type(config).__name__}"
        )
    if spec is None:
        return base
    values = base.model_dump()
    values["gearbox"] = dict(spec.gearbox)
    values["strategies"] = {**base.strategies, **spec.params}
    return load_config(**values)


def run_backtest(
    source: BarSource,
    spec: StrategySpec,
    config: EngineConfig,
    *,
    journal: Journal | None = None,
    store_bars: bool | None = None,
    feature_cache: MutableMapping[Hashable, Any] | None = None,
) -> BacktestResult:
    """One backtest of `source` with the strategies of `spec` under `config` (whose gearbox and
    strategy parameters should be `engine_config(..., spec)`'s), into `journal` (an in-memory
    one when None: no file I/O, as a sweep's workers need). The run id covers the bars, the
    config and the source of every user strategy and feature. `store_bars`: journal the bars
    too (default: only into a journal handed in); `feature_cache`: features kept between runs
    of one feature configuration (`Orchestrator.prepare_replay`; a sweep's points share it)."""
    spec.install(config.timeframe_minutes)
    started = time.perf_counter()
    run_id = run_id_for("backtest", f"{source.identity}:{spec.code_identity()}", config)
    own = journal is None
    target = Journal(":memory:") if journal is None else journal
    try:
        keep_bars = not own if store_bars is None else store_bars
        summary = run_source(
            target,
            source,
            config,
            rerun=True,
            run_id=run_id,
            store_bars=keep_bars,
            feature_cache=feature_cache,
        )
        trades = Trades(target).export(TradeFilter(run_id=summary.run_id))
        signals = signals_frame(target, summary.run_id)
        regimes = regime_changes_frame(target, summary.run_id)
        risk = risk_events_frame(target, summary.run_id)
    finally:
        if own:
            target.close()
    return BacktestResult(
        run_id=summary.run_id,
        source=source,
        config=config,
        spec=spec,
        trades=trades,
        signals=signals,
        regimes=regimes,
        risk_events=risk,
        journal_path=None if own else Path(target.path),
        elapsed_s=time.perf_counter() - started,
    )


def backtest(
    data: Any,
    strategy: Any = None,
    *,
    config: Any = None,
    start: Any = None,
    end: Any = None,
    journal: str | Path | None = None,
    **params: Any,
) -> BacktestResult:
    """Backtest `strategy` on `data` and journal the run.

    data: a bar file's path, a DataFrame of 1-minute OHLCV (a DatetimeIndex or a timestamp
        column; naive times are US/Eastern), or `tm.simulate(days, seed)`.
    strategy: a `tm.Strategy` subclass (or any class with the strategy contract), an instance, a
        registered name, or a mapping regime -> any of those (None stands aside); None: the
        default gearbox (or `config`'s).
    config: a TOML path, an EngineConfig, or a dict of overrides ({"risk": {...}, ...}).
    start, end: cut the data to [start, end).
    journal: the DuckDB file to write (default `default_journal()`).
    params: the strategy's parameters; with a gearbox, {strategy name: {parameter: value}}.
    """
    try:
        base = engine_config(config)
        source = as_source(data, base.symbol, start=start, end=end)
        spec = resolve(strategy, params, base.gearbox)
        spec.install(base.timeframe_minutes)
        resolved = engine_config(base, spec)
        path = journal or default_journal()
        try:
            store = Journal(path)
        except JournalBusyError as exc:
            raise JournalBusyError(
                f"{exc}; another kernel or process is writing it: pass journal= another file"
            ) from None
        with store:
            return run_backtest(source, spec, resolved, journal=store)
    except Exception as exc:
        tb = user_traceback(exc)
        if tb is None:
            raise
        # From the user's own frame: the engine's frames between here and there say nothing
        # about what went wrong in their code.
        raise exc.with_traceback(tb) from None
