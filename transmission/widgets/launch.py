"""Open the live monitor: options, then an engine in this kernel or a remote API, then the board.

The live-monitor notebook calls `MonitorOptions.resolve(...)` with its parameters and then
`open_monitor(options)`. `transmission monitor` serves that notebook with Voila and passes its
command-line options to the kernel as JSON in `TRANSMISSION_MONITOR`, which `resolve` lays over
the notebook's own values.
"""

from __future__ import annotations

import atexit
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from transmission.config import load_config
from transmission.engine.build import build_live_engine
from transmission.engine.live import LiveEngine
from transmission.journal import Journal, JournalBusyError
from transmission.services import Services
from transmission.settings import load_settings
from transmission.widgets.dashboard import DEFAULT_INTERVAL, Dashboard
from transmission.widgets.local import EngineFeed
from transmission.widgets.remote import RemoteFeed, check_url

ENV_VAR = "TRANSMISSION_MONITOR"


class MonitorOptions(BaseModel):
    """What the monitor watches and how; every field is a parameter of the live notebook."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["local", "remote"] = Field(
        "local", description="local: an engine in this kernel; remote: a `transmission serve`"
    )
    data: Path | None = Field(
        None,
        description="bar file to replay (None: the shared sample if present, else the simulator)",
    )
    simulate_days: int = Field(5, ge=1, le=2000, description="simulator days, when simulating")
    seed: int = Field(7, description="simulator seed")
    symbol: str = Field("MNQ", description="contract the engine trades")
    config: Path | None = Field(None, description="engine config file (TOML)")
    speed: float = Field(10_000.0, gt=0, description="replay pace (60: a market minute a second)")
    db: Path | None = Field(None, description="journal file (None: a new temporary one)")
    flush_every_bars: int = Field(
        20, ge=1, le=100_000, description="bars per journal commit (1: every bar, as live)"
    )
    url: str = Field("http://127.0.0.1:8000", description="the API's address (remote mode)")
    token: str | None = Field(None, description="API token (None: TRANSMISSION_API_TOKEN)")
    history: int = Field(500, ge=1, le=1000, description="recent trades fetched at start")
    window: int = Field(20, ge=1, description="rolling-metrics window, in trades")
    rows: int = Field(10, ge=1, le=200, description="rows of the recent-trades table")
    interval: float = Field(DEFAULT_INTERVAL, gt=0, le=10, description="seconds between redraws")
    run_seconds: float = Field(0.0, ge=0, description="how long `Monitor.wait` waits")

    @classmethod
    def resolve(cls, **params: Any) -> MonitorOptions:
        """Options from notebook parameters, with `transmission monitor`'s on top (if any)."""
        values = dict(params)
        raw = os.environ.get(ENV_VAR)
        if raw:
            try:
                served = json.loads(raw)
            except ValueError as exc:
                raise ValueError(f"{ENV_VAR} is not JSON: {exc}") from None
            if not isinstance(served, dict):
                raise ValueError(f"{ENV_VAR} must be a JSON object of monitor options")
            values.update(served)
        return cls.build(**values)

    @classmethod
    def build(cls, **values: Any) -> MonitorOptions:
        """Validated options; a clear error naming each bad parameter."""
        try:
            options = cls(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'options'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ValueError(f"bad monitor parameters: {problems}") from None
        if options.mode == "remote":
            check_url(options.url)
        elif options.data is not None and not options.data.is_file():
            raise ValueError(f"bad monitor parameters: data: no bar file at {options.data}")
        return options

    def to_env(self) -> str:
        """The options given explicitly (defaults too), as the JSON `resolve` reads from
        TRANSMISSION_MONITOR: a served page must not wait because 0 is also the default."""
        return self.model_dump_json(exclude_unset=True)


@dataclass
class Monitor:
    """A dashboard and what feeds it; display it, `wait`, read `summary()`, `close()`."""

    dashboard: Dashboard
    options: MonitorOptions
    engine: LiveEngine | None = None
    journal: Journal | None = None
    opened: float = field(default_factory=time.monotonic)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.dashboard._repr_mimebundle_(**kwargs)

    def wait(self, seconds: float | None = None) -> pd.Series | None:
        """Block this cell up to `seconds` (default: the run_seconds option), or until the
        replay ends, then return the summary; the dashboard keeps updating meanwhile. With 0
        seconds (the served page) return None at once, so nothing is shown."""
        seconds = self.options.run_seconds if seconds is None else seconds
        if seconds <= 0:
            return None
        if self.engine is not None:
            self.engine.finished.wait(seconds)
        else:
            time.sleep(seconds)
        self.dashboard.flush()
        return self.summary()

    def summary(self) -> pd.Series:
        """What happened so far, and the update rate the dashboard held."""
        state, stats = self.dashboard.state, self.dashboard.stats
        engine = self.engine
        return pd.Series(
            {
                "source": self.dashboard.feed.description if self.dashboard.feed else "-",
                "run_id": state.run_id,
                "regime": state.regime,
                "bars_processed": state.bars_processed,
                "trades": state.trades_total,
                "current_r": round(state.current_r, 3),
                "replay_finished": engine.finished.is_set() if engine else None,
                "engine_error": repr(engine.error) if engine and engine.error else None,
                "events_received": int(sum(state.counts.values())),
                "redraws_per_second": round(stats.redraws_per_second, 2),
                "widget_messages_per_second": round(stats.widget_updates_per_second, 2),
            },
            name="monitor",
        )

    def close(self) -> None:
        """Stop the dashboard and the engine, and close the journal (idempotent)."""
        self.dashboard.close()
        if self.engine is not None:
            self.engine.stop()
            self.engine = None
        if self.journal is not None:
            self.journal.close()
            self.journal = None


def open_monitor(options: MonitorOptions | None = None, **params: Any) -> Monitor:
    """Start the engine (local) or connect to the API (remote), and a running dashboard."""
    options = options or MonitorOptions.build(**params)
    if options.mode == "remote":
        token = options.token or load_settings().api_token
        feed = RemoteFeed(options.url, token, history=options.history)
        dashboard = Dashboard(feed, window=options.window, rows=options.rows)
        monitor = Monitor(dashboard.start(options.interval), options)
    else:
        monitor = _open_local(options)
    # A kernel that exits with the engine's thread mid-write would leave DuckDB unhappy.
    atexit.register(monitor.close)
    return monitor


def _open_local(options: MonitorOptions) -> Monitor:
    from transmission.research import load_source  # loads bars: only the local mode needs it

    config = load_config(options.config, symbol=options.symbol)
    db = options.db or Path(tempfile.mkdtemp(prefix="transmission-monitor-")) / "monitor.duckdb"
    try:
        journal = Journal(db)
    except JournalBusyError:
        raise RuntimeError(
            f"journal {db} is held by another process (a `transmission serve`, or another "
            "monitor page): watch that one with mode='remote', or give another db"
        ) from None
    try:
        source = load_source(
            options.data, symbol=config.symbol, days=options.simulate_days, seed=options.seed
        )
        # The same replay watched to its end before starts over rather than show a frozen
        # page (an unfinished one resumes from its checkpoint instead).
        engine = build_live_engine(
            journal,
            config,
            source=source,
            speed=options.speed,
            flush_every_bars=options.flush_every_bars,
        )
    except BaseException:
        journal.close()
        raise
    risk = config.risk_config()
    dashboard = Dashboard(
        EngineFeed(Services(journal, engine), history=options.history),
        limits=risk,
        window=options.window,
        rows=options.rows,
        title=f"transmission · {config.symbol} · {source.description}",
    )
    engine.start()
    dashboard.start(options.interval)
    return Monitor(dashboard, options, engine, journal)
