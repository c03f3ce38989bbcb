"""The signal pipeline: a 1-minute bar in; closed signal bars, their regime and signals out.

    1-minute bars -> signal bars -> features -> regime -> gearbox (every strategy's signal)

One interface, two implementations: `LivePipeline` computes everything bar by bar;
`ReplayPipeline` (engine/replay.py) reads it from what it computed for a whole known history at
once. Fed the same bars they give the same results (the golden replay tests).
"""

from __future__ import annotations

from typing import Any, Protocol

from transmission.engine.gearbox import Gearbox
from transmission.features import IncrementalFeatures
from transmission.market.calendar import MINUTE_NS, Session
from transmission.market.resample import BarAggregator, SignalBar
from transmission.regime import RegimeClassifier, RegimeTransition
from transmission.strategies import BarView, Signal

DAY_MINUTES = 1440

Step = tuple[RegimeTransition | None, dict[str, Signal]]


class SignalPipeline(Protocol):
    """What the orchestrator needs of the path from bars to signals."""

    gearbox: Gearbox

    @property
    def regime(self) -> str: ...

    @property
    def direction(self) -> str | None: ...

    def hand_out(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        session: Session,
    ) -> tuple[SignalBar | None, SignalBar | None]:
        """Take a 1-minute bar: the signal bar closed before it (by its arrival after a gap) and
        the one it closed itself, as `BarAggregator.update` gives them."""
        ...

    def step(self, sb: SignalBar, session: Session, stale: bool) -> Step:
        """A closed signal bar through features, regime and strategies: the regime transition
        it made, and every strategy's signal on it."""
        ...


class _Stages:
    """Features -> regime -> strategies, on one closed signal bar (both pipelines)."""

    features: Any
    classifier: Any
    gearbox: Gearbox
    rules: bool  # the session rules: trading window and stale data gate the regime
    timeframe_minutes: int

    @property
    def regime(self) -> str:
        regime: str = self.classifier.regime
        return regime

    @property
    def direction(self) -> str | None:
        direction: str | None = self.classifier.direction
        return direction

    def step(self, sb: SignalBar, session: Session, stale: bool) -> Step:
        in_rth = session.rth_open_ns <= sb.ts_ns < session.rth_close_ns
        minute = ((sb.ts_ns + session.utc_offset_ns) // MINUTE_NS) % DAY_MINUTES
        f = self.features.update(
            sb.ts_ns,
            sb.open,
            sb.high,
            sb.low,
            sb.close,
            sb.volume,
            session.ordinal,
            in_rth,
            minute,
            session.rth_open_ns,
        )
        in_window = not self.rules or self.classifier.in_window(
            sb.end_ns, session.rth_open_ns, session.rth_close_ns
        )
        transition = self.classifier.update(f, sb.close, in_window=in_window, stale=stale)
        end_minute = (minute + self.timeframe_minutes) % DAY_MINUTES
        bar = BarView(
            sb.ts_ns, sb.end_ns, sb.open, sb.high, sb.low, sb.close, sb.volume, in_rth, end_minute
        )
        return transition, self.gearbox.update(bar, f)


class LivePipeline(_Stages):
    """Everything computed bar by bar: live feeds, paced replays, restarts."""

    def __init__(
        self,
        aggregator: BarAggregator,
        features: IncrementalFeatures,
        classifier: RegimeClassifier,
        gearbox: Gearbox,
        *,
        rules: bool,
        timeframe_minutes: int,
    ) -> None:
        self.aggregator = aggregator
        self.features = features
        self.classifier = classifier
        self.gearbox = gearbox
        self.rules = rules
        self.timeframe_minutes = timeframe_minutes

    def hand_out(
        self,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
        session: Session,
    ) -> tuple[SignalBar | None, SignalBar | None]:
        return self.aggregator.update(ts_ns, open_, high, low, close, volume, session.utc_offset_ns)
