"""The orchestrator wires one bar through the components; each step is its component's job.

    1-minute bar -> session (calendar) -> signal pipeline (signal bars, features, regime,
        strategies) -> admission (risk) -> broker (fills) -> session exits -> events (bus)

Its parts are built by the composition root (`engine/build.py`) and handed in. The journal, the
WebSocket and the widgets all listen on the bus. Time comes from the bars (market time) and from
the injected clock (`ts_init` of events); nothing here reads the wall clock. `on_bar` is the only
entry point for data, so replay, paced replay and live feeds run the same code.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, MutableMapping
from typing import Any

import pandas as pd

from transmission.config import EngineConfig
from transmission.engine import fast_forward
from transmission.engine.bus import EventBus
from transmission.engine.clock import Clock
from transmission.engine.event_factory import EventFactory
from transmission.engine.orders import entry_order
from transmission.engine.parts import EngineParts
from transmission.engine.replay import ReplayPipeline
from transmission.engine.status import EngineStatus, engine_status
from transmission.execution import ClosedTrade
from transmission.execution.port import ExecutionPort, Foresight
from transmission.market.calendar import MINUTE_NS, Session
from transmission.market.resample import SignalBar
from transmission.risk.admission import admit
from transmission.risk.signal_check import checked
from transmission.risk.sizing import Size
from transmission.strategies import Signal

__all__ = ["EngineStatus", "Orchestrator"]


class Orchestrator:
    """Feeds bars through its parts, trades what risk admits, publishes what happened."""

    def __init__(
        self,
        config: EngineConfig,
        parts: EngineParts,
        *,
        run_id: str,
        bus: EventBus,
        clock: Clock,
    ) -> None:
        self.config = config
        self.run_id = run_id
        self.bus = bus
        self.clock = clock
        self.spec = parts.spec
        self.costs = parts.costs
        self.sessions = parts.sessions
        self.pipeline = parts.pipeline
        self.gearbox = parts.pipeline.gearbox
        self.risk = parts.risk
        self.broker = parts.broker
        self.shadow = parts.shadow
        self.exits = parts.exits
        # Whether each broker can tell ahead which bars leave it as it is (replays skip those).
        self._foresight = tuple((b, isinstance(b, Foresight)) for b in (self.broker, self.shadow))
        self.events = EventFactory(self.spec.symbol, clock, self._trading_day_of)
        self._prepare_replay = parts.prepare_replay
        self.replay: ReplayPipeline | None = None
        self.live = True  # False while a restart replays its history: no trading
        self.bars_processed = 0
        self.last_bar_ns: int | None = None
        self._last_close = float("nan")
        self._signal_seq = 0
        self._session: Session | None = None
        self._prev_session: Session | None = None
        self._stale_gap = False
        self._rules = config.session.rules
        self._stale_ns = int(config.session.stale_after_minutes * MINUTE_NS)
        self._timeframe_ns = config.timeframe_minutes * MINUTE_NS
        self.lock = threading.RLock()

    # -- replays of a known history ------------------------------------------------------------

    def prepare_replay(
        self, bars: pd.DataFrame, feature_cache: MutableMapping[Hashable, Any] | None = None
    ) -> None:
        """Compute the features, regimes and signals of every signal bar of `bars` at once
        (`ReplayPipeline`), so `fast_forward` can step over the bars on which nothing happens.
        Feed exactly these bars, in order, from the first. `feature_cache`: see
        `ReplayPipeline.prepare` (a sweep reuses features across its points)."""
        if self.bars_processed or self.last_bar_ns is not None:
            raise RuntimeError("prepare_replay must come before the first bar")
        self.pipeline = self.replay = self._prepare_replay(bars, feature_cache=feature_cache)

    @property
    def cursor(self) -> int:
        """The index of the next bar of a prepared replay."""
        return self.replay.cursor if self.replay is not None else 0

    def fast_forward(self, stop: int) -> int:
        """Step over the coming bars of a prepared replay on which nothing can happen (see
        `engine/fast_forward.py`), up to at most bar `stop`. Returns the next bar for `on_bar`."""
        with self.lock:
            replay = self.replay
            if replay is None:
                return 0
            i = replay.cursor
            if (
                not self.live
                or i >= stop
                or self._session is None
                or self._stale_gap
                or self.risk.state.stale
                or self.broker.working is not None
                or self.shadow.working is not None
            ):
                return i
            j = fast_forward.steady_until(
                replay, stop, self._session, self._foresight, self.exits, self.risk, self.broker
            )
            if j > i:
                self._skip(replay, i, j)
            return j

    def _skip(self, replay: ReplayPipeline, i: int, j: int) -> None:
        """Apply bars `i` to `j` (excluded), known to change nothing but cursors and marks."""
        plan = replay.plan
        s0, s1 = plan.handed.item(i), plan.handed.item(j)
        if s1 > s0:
            for s in fast_forward.transitions_between(replay, s0, s1):
                self._step_over_transition(replay, s)
            replay.seek(s1)
            # What the last of those signal bars left: its mark, and the rules' decisions.
            last = s1 - 1
            self.risk.step_over(
                plan.signal["end_ns"].item(last),
                self.broker.open_pnl_r(plan.signal["close"].item(last)),
            )
        last_ns = plan.ts.item(j - 1)
        self.clock.advance(last_ns)
        self.last_bar_ns = last_ns
        self._last_close = plan.close.item(j - 1)
        self.bars_processed += j - i
        replay.cursor = j

    def _step_over_transition(self, replay: ReplayPipeline, s: int) -> None:
        """Signal bar `s` of a stepped-over run of bars makes a regime transition: apply it and
        publish it as `_on_signal_bar` does (the bar's batch, its time on the clock)."""
        plan = replay.plan
        transition = replay.classifier.update_fresh(s)
        if transition is None:
            raise RuntimeError(f"signal bar {s} was said to make a regime transition")
        self.clock.advance(plan.ts.item(plan.handed_at(s)))
        active = self.gearbox.strategy_for(transition.regime)
        with self.bus.batch():
            self.bus.publish(
                self.events.regime_change(plan.signal["end_ns"].item(s), transition, active)
            )

    # -- the per-bar path ---------------------------------------------------------------------

    def on_bar(
        self, ts_ns: int, open_: float, high: float, low: float, close: float, volume: float
    ) -> None:
        """Process one validated 1-minute bar (bar-open time in epoch ns).

        Its events are one batch of the bus (`EventBus.batch`), handed out once the bar is done.
        """
        with self.bus.batch(), self.lock:
            session = self._session
            if session is None or not session.start_ns <= ts_ns < session.end_ns:
                session = self._roll_session(ts_ns)
            last = self.last_bar_ns
            if (
                self._rules
                and last is not None
                and ts_ns - last > self._stale_ns
                and session.rth_open_ns <= ts_ns < session.rth_close_ns
            ):
                self._stale_gap = True
            self.clock.advance(ts_ns)
            before, closed = self.pipeline.hand_out(ts_ns, open_, high, low, close, volume, session)
            if before is not None:
                self._on_signal_bar(before)
            if self.live:
                for broker in (self.broker, self.shadow):
                    if broker.working is not None or broker.position is not None:
                        self._execute(broker, session, ts_ns, open_, high, low, close)
            if closed is not None:
                self._on_signal_bar(closed)
            self.last_bar_ns = ts_ns
            self._last_close = close
            self.bars_processed += 1

    def _roll_session(self, ts_ns: int) -> Session:
        session = self.sessions.session_of(ts_ns)
        if self.live and self._session is not None:
            # Data ended a session with no bar after the flat time.
            exit_ = self.exits.at_session_end(self.last_bar_ns or ts_ns, self._last_close)
            if exit_ is not None:
                for broker in (self.broker, self.shadow):
                    trade = broker.close_position(exit_.ts_ns, exit_.price, exit_.reason)
                    if trade is not None:
                        self._on_closed(broker, trade)
                    broker.cancel(exit_.reason)
        self._prev_session, self._session = self._session, session
        self.risk.roll(session.ordinal, session.week)
        return session

    def _session_of(self, ts_ns: int) -> Session:
        session = self._session
        if session is not None and session.contains(ts_ns):
            return session
        prev = self._prev_session
        if prev is not None and prev.contains(ts_ns):
            return prev
        return self.sessions.session_of(ts_ns)

    def _trading_day_of(self, ts_ns: int) -> Any:
        return self._session_of(ts_ns).trading_day

    def _on_signal_bar(self, sb: SignalBar) -> None:
        session = self._session_of(sb.ts_ns)
        stale, self._stale_gap = self._stale_gap, False
        transition, signals = self.pipeline.step(sb, session, stale)
        if not self.live:
            return
        now = sb.end_ns
        regime = self.pipeline.regime
        active = self.gearbox.strategy_for(regime)
        if transition is not None:
            self.bus.publish(self.events.regime_change(now, transition, active))
            working = self.broker.working
            if working is not None and working.strategy != active:
                self.broker.cancel("regime changed")
        self.risk.set_stale(stale)
        self.risk.mark(self.broker.open_pnl_r(sb.close))
        self._publish_risk_changes(now)
        signal = signals.get(active) if active else None
        if signal is not None and active is not None:
            self._consider(now, signal, active, regime)

    def _consider(self, now: int, signal: Signal, strategy: str, regime: str) -> None:
        signal, invalid = checked(signal, self.spec)
        self._signal_seq += 1
        signal_id = f"{self.run_id}-S{self._signal_seq:06d}"
        size = (
            Size(0, 0.0, invalid)
            if invalid
            else self.risk.size(
                signal.entry,
                signal.stop,
                self.spec,
                self.costs.round_trip_per_contract(self.spec, regime),
            )
        )
        for broker in (self.broker, self.shadow):
            working = broker.working
            if working is not None and working.expires_ns is not None and working.expires_ns <= now:
                # Its validity ends with this bar: it can no longer fill, so holds nothing up.
                broker.cancel("expired")
        busy = self.broker.working is not None or self.broker.position is not None
        decision = self.risk.can_trade(now, strategy)
        shadow_allowed = (
            decision.tripped
            and self.config.shadow_trades
            and self.shadow.working is None
            and self.shadow.position is None
            and self.risk.blocked_only_by_performance(now, strategy)
        )
        admission = admit(decision, size, busy=busy, shadow_allowed=shadow_allowed, invalid=invalid)
        self.bus.publish(self.events.signal(now, signal_id, signal, strategy, regime, admission))
        if admission.outcome == "vetoed":
            return
        order = entry_order(
            signal_id,
            signal,
            contracts=admission.contracts if admission.outcome == "accepted" else 1,
            strategy=strategy,
            regime=regime,
            spec=self.spec,
            costs=self.costs,
            now_ns=now,
            timeframe_ns=self._timeframe_ns,
        )
        (self.broker if admission.outcome == "accepted" else self.shadow).submit(order)

    # -- execution ----------------------------------------------------------------------------

    def _execute(
        self,
        broker: ExecutionPort,
        session: Session,
        ts_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
    ) -> None:
        """One bar's fills on `broker`, then the session exits (the same rule for both)."""
        fill, closed = broker.on_bar(ts_ns, open_, high, low, close)
        if fill is not None and broker is self.broker:
            self.risk.on_entry()
            self.bus.publish(self.events.entry(fill))
        if closed is not None:
            self._on_closed(broker, closed)
        exit_, cancel = self.exits.on_bar(
            broker.position, broker.working, session, ts_ns, open_, close
        )
        if exit_ is not None:
            trade = broker.close_position(exit_.ts_ns, exit_.price, exit_.reason)
            if trade is not None:
                self._on_closed(broker, trade)
        if cancel is not None:
            broker.cancel(cancel)

    def _on_closed(self, broker: ExecutionPort, trade: ClosedTrade) -> None:
        """A real trade moves money and is published; a shadow trade feeds only the strategy's
        rolling window (the performance tripwires)."""
        strategy = trade.order.strategy
        if broker is not self.broker:
            self.risk.record_outcome(strategy, trade.result_r)
            return
        self.risk.on_trade_closed(strategy, trade.result_r, trade.exit_ns)
        self.bus.publish(self.events.exit(trade))

    def _publish_risk_changes(self, now: int | None = None) -> None:
        if now is None:  # a control: at the last bar's time
            now = self.last_bar_ns if self.last_bar_ns is not None else self.clock.now_ns()
        for change in self.risk.changes(now):
            decision = self.risk.can_trade(now)
            self.bus.publish(self.events.risk_update(now, change, decision, self.risk.state))

    # -- controls (called from the API or widget threads) -------------------------------------

    def halt(self, reason: str) -> None:
        """Manual halt (kill switch): no new entries until `resume`."""
        self._control(self.risk.halt, reason)

    def resume(self) -> None:
        self._control(self.risk.resume)

    def reset_rule(self, rule: str) -> None:
        self._control(self.risk.reset, rule)

    def _control(self, apply: Callable[..., object], *args: str) -> None:
        with self.bus.batch(), self.lock:
            apply(*args)
            self._publish_risk_changes()

    def flatten(self, reason: str) -> bool:
        """Close the open position at market and cancel any working order; returns whether a
        position was closed. The price is the last close less the configured slippage (the best
        price the paper broker knows, as a dry-run exchange fills a market order at its last
        price), stamped at that bar's end, when it was known (as the session-end exit is)."""
        with self.bus.batch(), self.lock:
            if self.last_bar_ns is None or self._last_close != self._last_close:  # no bar yet
                return False
            had = self.broker.position is not None
            why = f"flatten: {reason}"
            known_ns = self.last_bar_ns + MINUTE_NS
            for broker in (self.broker, self.shadow):
                trade = broker.close_position(known_ns, self._last_close, why)
                if trade is not None:
                    self._on_closed(broker, trade)
                broker.cancel(why)
            self._publish_risk_changes()
            return had

    def watch_feed(self, now_ns: int) -> bool:
        """The feed's watchdog, at `now_ns` on the feed's clock: no bar for the stale time during
        RTH trips `stale_feed` until bars come back (the signal bar after them clears it, as
        after any gap). Returns whether it tripped now."""
        with self.bus.batch(), self.lock:
            last = self.last_bar_ns
            if not self._rules or last is None or self.risk.state.stale:
                return False
            session = self._session_of(now_ns)
            in_rth = session.rth_open_ns <= now_ns < session.rth_close_ns
            if not in_rth or now_ns - last <= self._stale_ns:
                return False
            self.risk.set_stale(True)
            self._stale_gap = True
            self._publish_risk_changes(now_ns)
            return True

    def status(self) -> EngineStatus:
        with self.lock:
            return engine_status(
                self.run_id,
                self.spec.symbol,
                self.pipeline,
                self.risk,
                self.broker,
                self.last_bar_ns,
                self.bars_processed,
            )

    # -- persistence --------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """What a restart cannot rebuild from the bars: orders, positions, risk, counters."""
        return {
            "broker": self.broker.state_dict(),
            "shadow": self.shadow.state_dict(),
            "risk": self.risk.state_dict(),
            "signal_seq": self._signal_seq,
        }

    def restore(self, state: dict[str, Any]) -> None:
        self.broker.restore(state["broker"])
        self.shadow.restore(state["shadow"])
        self.risk.restore(state["risk"])
        self._signal_seq = int(state["signal_seq"])
