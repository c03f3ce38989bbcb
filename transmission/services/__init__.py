"""The one service facade that the API, the widgets, the CLI and the reports call.

`Services(journal, engine)` is built once per front end (the API's lifespan, a dashboard, a CLI
command, a report) and handed in; it holds the only cache. Its parts, one job each:

- `trades`: trade history (pages, one trade, exports);
- `history`: runs, equity curves, candles and open positions (the chart routes);
- `performance`: metrics in R, overall or grouped, memoised per trades version;
- `run_figures`: which run a read covers (and what it was run on), its trade stats beyond R and
  its risk summary (when trading was blocked, by which tripwire, vetoes by reason);
- `state`: engine status, risk and state, from the running engine's snapshot or a run's checkpoint;
- `preview`: what a strategy says now and what risk would decide;
- `control`: halt, resume and resets of the running engine.

Readers go through `transmission.journal.queries` and `transmission.metrics`; nothing here
formats for a particular front end beyond returning JSON-safe records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transmission.journal import Journal
from transmission.services.cache import MetricsCache
from transmission.services.control import Control, NoEngine
from transmission.services.engine_state import (
    Checkpoint,
    EngineState,
    EngineStates,
    Health,
    RiskReport,
)
from transmission.services.history import History, OpenPosition
from transmission.services.performance import GROUPINGS, Performance
from transmission.services.preview import HISTORY_DAYS, Previews, SignalPreview, last_bar_signal
from transmission.services.run_figures import RunDescription, RunFigures, describe_run
from transmission.services.shaping import records
from transmission.services.trades import TradePage, Trades

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine

__all__ = [
    "GROUPINGS",
    "HISTORY_DAYS",
    "Checkpoint",
    "Control",
    "EngineState",
    "EngineStates",
    "Health",
    "History",
    "MetricsCache",
    "NoEngine",
    "OpenPosition",
    "Performance",
    "Previews",
    "RiskReport",
    "RunDescription",
    "RunFigures",
    "Services",
    "SignalPreview",
    "TradePage",
    "Trades",
    "describe_run",
    "last_bar_signal",
    "records",
]


class Services:
    """Everything a front end reads or controls, over one journal and at most one engine."""

    def __init__(
        self,
        journal: Journal,
        engine: LiveEngine | None = None,
        *,
        cache: MetricsCache | None = None,
    ) -> None:
        self.journal = journal
        self.engine = engine
        self.state = EngineStates(journal, engine)
        self.history = History(journal, self.state)
        self.trades = Trades(journal, self.history.open_trade)
        self.performance = Performance(journal, cache)
        self.run_figures = RunFigures(journal)
        self.preview = Previews(journal, self.state)
        self.control = Control(engine)

    @property
    def default_run_id(self) -> str | None:
        """The run reads default to: the running engine's, else (None) the journal's latest."""
        return self.engine.run_id if self.engine is not None else None
