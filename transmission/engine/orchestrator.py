"""The orchestrator wires one bar through the components; each step is its component's job.

    1-minute bar -> session (calendar) -> signal bar (aggregator) -> features -> regime
        -> gearbox (strategies) -> risk (veto or size) -> broker (fills) -> events (bus)

The journal, the WebSocket and the widgets all listen on the bus. Time comes from the bars
(market time) and from the injected clock (`ts_init` of events); nothing here reads the wall
clock. `on_bar` is the only entry point for data, so replay, paced replay and live feeds run the
same code.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from transmission.config import EngineConfig
from transmission.contracts import contract_for
from transmission.engine.bus import EventBus
from transmission.engine.clock import Clock, ReplayClock
from transmission.engine.events import Event, RegimeChange, RiskUpdate, SignalEvent, TradeExecution
from transmission.engine.gearbox import Gearbox
from transmission.engine.plan import ReplayPlan
from transmission.execution import ClosedTrade, Fill, Order, PaperBroker
from transmission.features import BatchFeatures, IncrementalFeatures, reads_opening_ranges
from transmission.market.calendar import EXCHANGE_TZ, Session, SessionTracker, trading_days_of
from transmission.market.resample import (
    BarAggregator,
    SignalBar,
    handout_schedule,
    signal_bar_arrays,
)
from transmission.memory import release_freed_memory
from transmission.regime import RegimeClassifier
from transmission.regime.classifier import RULE_COLUMNS, TrackedRegimeClassifier, in_window
from transmission.risk import RiskChange, RiskManager
from transmission.strategies import BarView, Signal
from transmission.strategies.base import on_ticks

MINUTE_NS = 60_000_000_000
QUARTER_HOUR_NS = 15 * MINUTE_NS
DAY_MINUTES = 1440


_ZONE = ZoneInfo(EXCHANGE_TZ)  # an object, not its name: no zone lookup per Timestamp


@lru_cache(maxsize=256)
def _ts(ns: int) -> pd.Timestamp:
    # Events stamp the same bar times again and again (ts_event, ts_init, the trade's times);
    # a Timestamp costs ~5 us to make and is immutable, so a few recent ones are kept.
    return pd.Timestamp(ns, tz=_ZONE)


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """What the status route, the widgets and the CLI show of a running engine."""

    run_id: str
    symbol: str
    system_state: str
    current_regime: str
    regime_direction: str | None
    active_strategy: str | None
    daily_pnl_r: float
    weekly_pnl_r: float
    current_r: float
    consecutive_red_days: int
    can_trade: bool
    risk_reason: str | None
    last_bar_time: pd.Timestamp | None
    bars_processed: int
    open_position: dict[str, Any] | None


class Orchestrator:
    def __init__(
        self,
        config: EngineConfig,
        *,
        run_id: str,
        bus: EventBus | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self.run_id = run_id
        self.bus = bus or EventBus()
        self.clock = clock or ReplayClock()
        self.spec = contract_for(config.symbol)
        self.costs = config.cost_config()
        self.sessions = SessionTracker()
        self.aggregator = BarAggregator(config.timeframe_minutes)
        self.features: IncrementalFeatures | BatchFeatures = IncrementalFeatures(
            config.feature_config(), config.timeframe_minutes
        )
        self.classifier: RegimeClassifier | TrackedRegimeClassifier = RegimeClassifier(
            config.regime_config()
        )
        self.gearbox = Gearbox(config.gearbox, config.strategies, self.spec.tick)
        self.risk = RiskManager(config.risk_config(), tuple(self.gearbox.strategies))
        self.broker = PaperBroker(self.spec, self.costs)
        self.shadow = PaperBroker(self.spec, self.costs)
        self.live = True
        self.bars_processed = 0
        self.last_bar_ns: int | None = None
        self._last_close = float("nan")
        self._signal_seq = 0
        self._session: Session | None = None
        self._prev_session: Session | None = None
        self._stale_gap = False
        self._rules = config.session.rules
        self._stale_ns = int(config.session.stale_after_minutes * MINUTE_NS)
        self._flatten_ns = config.session.flatten_minutes_before_close * MINUTE_NS
        self._timeframe_ns = config.timeframe_minutes * MINUTE_NS
        self.lock = threading.RLock()
        self.plan: ReplayPlan | None = None
        self.cursor = 0  # the index in `plan` of the next bar

    # -- replays of a known history ------------------------------------------------------------

    def prepare_replay(self, bars: pd.DataFrame) -> None:
        """Compute the features and market regimes of every signal bar of `bars` at once.

        For backtests: `on_bar` then takes each signal bar's features, market regime and
        strategy signals from these instead of updating them bar by bar, and `fast_forward`
        steps over the bars on which nothing can happen. The numbers are the same (the batch and
        incremental parity tests); the per-bar cost is not. Feed exactly these bars, in order,
        from the first (a resumed run replays its history through `on_bar` too).
        """
        if self.bars_processed or self.last_bar_ns is not None:
            raise RuntimeError("prepare_replay must come before the first bar")
        ts = bars["ts"].dt.as_unit("ns").astype("int64").to_numpy()
        if len(ts) == 0:
            self.plan = ReplayPlan.empty()
            return
        if np.any(ts[1:] <= ts[:-1]):
            raise ValueError("a replay needs bars in strictly increasing time order")
        # A bar's trading day depends only on its local hour (any UTC offset is whole quarter
        # hours): one bar a quarter hour finds them all.
        quarter = ts // QUARTER_HOUR_NS
        first_of_quarter = np.flatnonzero(np.r_[True, quarter[1:] != quarter[:-1]])
        del quarter
        days = trading_days_of(bars["ts"].iloc[first_of_quarter]).unique()
        self.sessions.prefetch(day.date() for day in days)
        sessions = self._sessions_over(ts)
        o, h, low, c, v = (
            bars[k].to_numpy(np.float64) for k in ("open", "high", "low", "close", "volume")
        )
        minutes = self.config.timeframe_minutes
        signal = signal_bar_arrays(ts, o, h, low, c, v, sessions("utc_offset_ns"), minutes)
        start = signal["ts_ns"]
        of_signal = self._sessions_over(start)
        rth_open, rth_close = of_signal("rth_open_ns"), of_signal("rth_close_ns")
        in_rth = (rth_open <= start) & (start < rth_close)
        # As _on_signal_bar computes them: the session holding the signal bar's open.
        reads = self.gearbox.reads()
        only = None if reads is None else reads | set(RULE_COLUMNS)
        feature_config = self.config.feature_config()
        signal |= {
            "session": of_signal("ordinal"),
            "in_rth": in_rth,
            "minute_of_day": ((start + of_signal("utc_offset_ns")) // MINUTE_NS) % DAY_MINUTES,
        }
        if reads_opening_ranges(feature_config, only):
            signal["rth_open_ns"] = np.where(in_rth, rth_open, 0)
        regime = self.config.regime_config()
        window = None
        if self._rules:
            window = in_window(regime, start + self._timeframe_ns, rth_open, rth_close)
        del rth_open, rth_close, of_signal  # a million bars: 8 MB an array, before the features
        features = BatchFeatures(signal, feature_config, minutes, only=only)
        self.features = features
        # Each input and column goes once nothing reads it, and none is made before it is
        # needed: on a million bars, 8 MB an array, and the features are the peak.
        if self.gearbox.replays_bar_by_bar:
            signal["end_ns"] = start + self._timeframe_ns
            signal["end_minute"] = (signal["minute_of_day"] + minutes) % DAY_MINUTES
        for name in ("session", "minute_of_day", "rth_open_ns"):
            signal.pop(name, None)
        self.gearbox.prepare_replay(signal, features)
        signal.pop("end_minute", None)
        features.keep_only(tuple(name for name in features.columns if name in RULE_COLUMNS))
        self.classifier = TrackedRegimeClassifier(regime, features.values, signal["close"], window)
        # From here on the features reach only the classifier's gate (the gearbox answers from
        # its prepared signals).
        features.keep_only(("warm",))
        if "end_ns" not in signal:
            signal["end_ns"] = start + self._timeframe_ns
        self.plan = self._plan(ts, o, h, low, c, v, sessions, signal)
        release_freed_memory()

    def _plan(
        self,
        ts: np.ndarray,
        o: np.ndarray,
        h: np.ndarray,
        low: np.ndarray,
        c: np.ndarray,
        v: np.ndarray,
        sessions: Any,
        signal: dict[str, np.ndarray],
    ) -> ReplayPlan:
        at, closed_by_own = handout_schedule(
            ts, sessions("utc_offset_ns"), self.config.timeframe_minutes
        )
        ordinal = sessions("ordinal")
        breaks = np.ones(len(ts), dtype=bool)
        breaks[1:] = ordinal[1:] != ordinal[:-1]
        if self._rules:
            # As on_bar flags a stale gap: a bar inside RTH long after the one before it.
            rth = (sessions("rth_open_ns") <= ts) & (ts < sessions("rth_close_ns"))
            breaks[1:] |= (np.diff(ts) > self._stale_ns) & rth[1:]
        keep = ("ts_ns", "end_ns", "open", "high", "low", "close", "volume")
        return ReplayPlan(
            ts=ts,
            open=o,
            high=h,
            low=low,
            close=c,
            volume=v,
            breaks=np.flatnonzero(breaks).tolist(),
            handed=np.searchsorted(at, np.arange(len(ts) + 1, dtype=np.int32)).astype(np.int32),
            closed_by_own=closed_by_own,
            signal={key: signal[key] for key in keep},
        )

    def _sessions_over(self, ts: np.ndarray) -> Any:
        """For sorted epoch-ns times: a function giving a Session field for each time."""
        found: list[Session] = []
        counts: list[int] = []
        i = 0
        while i < len(ts):
            session = self.sessions.session_of(int(ts[i]))
            if not session.contains(int(ts[i])):
                raise RuntimeError(f"session {session.trading_day} does not hold {int(ts[i])}")
            end = int(np.searchsorted(ts, session.end_ns, side="left"))
            found.append(session)
            counts.append(end - i)
            i = end
        index = np.repeat(np.arange(len(found), dtype=np.int32), counts)

        def field(name: str) -> np.ndarray:
            return np.array([getattr(s, name) for s in found], dtype=np.int64)[index]

        return field

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
            if isinstance(self.clock, ReplayClock):
                self.clock.advance(ts_ns)
            plan = self.plan
            if plan is None:
                before, closed = self.aggregator.update(
                    ts_ns, open_, high, low, close, volume, session.utc_offset_ns
                )
            else:
                k = self.cursor
                if k >= len(plan) or plan.ts.item(k) != ts_ns:
                    raise ValueError(
                        f"bar {ts_ns} is not bar {k} of the prepared replay: a replay must feed "
                        "the bars it was prepared with, in order"
                    )
                self.cursor = k + 1
                before, closed = plan.handed_out(k)
            if before is not None:
                self._on_signal_bar(before)
            if self.live:
                if self.broker.working is not None or self.broker.position is not None:
                    self._execute(session, ts_ns, open_, high, low, close)
                if self.shadow.working is not None or self.shadow.position is not None:
                    self._execute_shadow(session, ts_ns, open_, high, low, close)
            if closed is not None:
                self._on_signal_bar(closed)
            self.last_bar_ns = ts_ns
            self._last_close = close
            self.bars_processed += 1

    def fast_forward(self, stop: int) -> int:
        """Step over the coming bars of a prepared replay on which nothing can happen.

        From `cursor` up to at most `stop` (an index into `plan`): bars of the same session, with
        no stale gap, no order working, no exit reachable, no regime transition, no signal of the
        strategy in gear, and no tripwire that can trip or reset. Their only effects (the
        cursors, the last bar, the mark of an open position) are applied at once; a journal of
        the run holds the same rows as one fed bar by bar (the golden replay tests). Returns the
        new cursor: the next bar for `on_bar`.
        """
        with self.lock:
            plan, i = self.plan, self.cursor
            if (
                plan is None
                or not self.live
                or i >= stop
                or self._session is None
                or self._stale_gap
                or self.risk.state.stale
                or self.broker.working is not None
                or self.shadow.working is not None
            ):
                return i
            j = min(stop, plan.next_break(i))
            j = self._untouched(plan, i, j)
            if j > i:
                j = self._steady_signal_bars(plan, i, j)
            if j > i:
                self._skip(plan, i, j)
            return j

    def _untouched(self, plan: ReplayPlan, i: int, j: int) -> int:
        """The end of the bars from `i` (to `j`) on which no order fills and no position exits."""
        session = self._session
        assert session is not None
        for broker in (self.broker, self.shadow):
            position = broker.position
            if position is None:
                continue
            # The time stop and the flat-by-the-close act on the bar whose end reaches them.
            max_hold = position.order.max_hold_ns
            if max_hold is not None:
                j = min(j, self._first_ending_at(plan, i, j, position.entry_ns + max_hold))
            if self._rules and session.has_rth:
                j = min(
                    j, self._first_ending_at(plan, i, j, session.rth_close_ns - self._flatten_ns)
                )
            # Look a little way ahead first: most positions exit soon.
            end, width = i, 64
            while end < j:
                stop = min(j, end + width)
                found = broker.untouched(plan.high[end:stop], plan.low[end:stop])
                if found < stop - end:
                    j = end + found
                    break
                end, width = stop, width * 8
        return j

    @staticmethod
    def _first_ending_at(plan: ReplayPlan, i: int, j: int, at_ns: int) -> int:
        return i + int(np.searchsorted(plan.ts[i:j], at_ns - MINUTE_NS, side="left"))

    def _steady_signal_bars(self, plan: ReplayPlan, i: int, j: int) -> int:
        """The end of the bars from `i` (to `j`) whose signal bars change nothing."""
        s0, s1 = plan.handed.item(i), plan.handed.item(j)
        if s1 == s0:
            return j
        classifier = self.classifier
        if not isinstance(classifier, TrackedRegimeClassifier):
            return i
        steady = min(s1, classifier.steady_until(s0))
        active = self.gearbox.strategy_for(classifier.regime)
        if active is not None:
            steady = min(steady, self.gearbox.next_signal(active, s0))
        if steady > s0:
            times = plan.signal["end_ns"][s0:steady]
            position = self.broker.position
            if position is None:
                steady = s0 + self.risk.steady_for(times, 0.0)
            else:
                # These bars reach neither the stop nor the target: every close, and so every
                # mark, lies between the marks at the stop and at the target. When no rule
                # changes anywhere between them, the marks themselves need not be computed.
                order, mark = position.order, self.broker.open_pnl_r
                bounds = (mark(order.stop), mark(order.target))
                if self.risk.steady_for(times, bounds) < len(times):
                    closes = plan.signal["close"][s0:steady]
                    steady = s0 + self.risk.steady_for(times, mark(closes))
        return j if steady == s1 else plan.handed_at(steady)

    def _skip(self, plan: ReplayPlan, i: int, j: int) -> None:
        """Apply bars `i` to `j` (excluded), known to change nothing but cursors and marks."""
        s0, s1 = plan.handed.item(i), plan.handed.item(j)
        if s1 > s0:
            self.features.seek(s1)  # type: ignore[union-attr]
            self.classifier.seek(s1)  # type: ignore[union-attr]
            self.gearbox.seek(s1)
            # What the last of those signal bars left: its mark, and the rules' decisions.
            last = s1 - 1
            self.risk.step_over(
                plan.signal["end_ns"].item(last),
                self.broker.open_pnl_r(plan.signal["close"].item(last)),
            )
        last_ns = plan.ts.item(j - 1)
        if isinstance(self.clock, ReplayClock):
            self.clock.advance(last_ns)
        self.last_bar_ns = last_ns
        self._last_close = plan.close.item(j - 1)
        self.bars_processed += j - i
        self.cursor = j

    def _roll_session(self, ts_ns: int) -> Session:
        session = self.sessions.session_of(ts_ns)
        if self.live and self._rules and self._session is not None:
            # Data ended a session with no bar after the flat time: flatten at the last close.
            self._flatten(self.last_bar_ns or ts_ns, self._last_close, "session_end")
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

    def _on_signal_bar(self, sb: SignalBar) -> None:
        session = self._session_of(sb.ts_ns)
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
        stale, self._stale_gap = self._stale_gap, False
        in_window = not self._rules or self.classifier.in_window(
            sb.end_ns, session.rth_open_ns, session.rth_close_ns
        )
        transition = self.classifier.update(f, sb.close, in_window=in_window, stale=stale)
        end_minute = (minute + self.config.timeframe_minutes) % DAY_MINUTES
        bar = BarView(
            sb.ts_ns, sb.end_ns, sb.open, sb.high, sb.low, sb.close, sb.volume, in_rth, end_minute
        )
        signals = self.gearbox.update(bar, f)
        if not self.live:
            return
        now = sb.end_ns
        regime = self.classifier.regime
        active = self.gearbox.strategy_for(regime)
        if transition is not None:
            self._publish(
                RegimeChange(
                    ts_event=_ts(now),
                    ts_init=_ts(self.clock.now_ns()),
                    symbol=self.spec.symbol,
                    previous=transition.previous,
                    regime=transition.regime,
                    direction=transition.direction,
                    active_strategy=active,
                    reason=transition.reason,
                )
            )
            working = self.broker.working
            if working is not None and working.strategy != active:
                self.broker.cancel("regime changed")
        self.risk.set_stale(stale)
        self.risk.mark(self.broker.open_pnl_r(sb.close))
        for change in self.risk.changes(now):
            self._publish_risk(now, change)
        signal = signals.get(active) if active else None
        if signal is not None and active is not None:
            self._consider(now, sb, signal, active, regime)

    def _consider(
        self, now: int, sb: SignalBar, signal: Signal, strategy: str, regime: str
    ) -> None:
        signal = on_ticks(signal, self.spec)
        self._signal_seq += 1
        signal_id = f"{self.run_id}-S{self._signal_seq:06d}"
        slippage = self.costs.slippage_for(regime)
        size = self.risk.size(
            signal.entry,
            signal.stop,
            self.spec,
            self.costs.round_trip_per_contract(self.spec, regime),
        )
        busy = self.broker.working is not None or self.broker.position is not None
        decision = self.risk.can_trade(now, strategy)
        veto: str | None
        if busy:
            outcome, veto = "vetoed", "a position or order is already working"
        elif decision.tripped:
            outcome, veto = "vetoed", decision.reason
            if (
                self.config.shadow_trades
                and self.shadow.working is None
                and self.shadow.position is None
                and self.risk.blocked_only_by_performance(now, strategy)
            ):
                outcome = "shadow"
        elif size.contracts == 0:
            outcome, veto = "vetoed", size.reason
        else:
            outcome, veto = "accepted", None
        self._publish(
            SignalEvent(
                ts_event=_ts(now),
                ts_init=_ts(self.clock.now_ns()),
                signal_id=signal_id,
                symbol=self.spec.symbol,
                strategy=strategy,
                regime=regime,
                side=signal.side_name,
                order_type=signal.order_type,
                entry_price=signal.entry,
                stop_price=signal.stop,
                target_price=signal.target,
                reason=signal.reason,
                decision=outcome,
                veto_reason=veto,
                contracts=size.contracts if outcome == "accepted" else 0,
            )
        )
        if outcome == "vetoed":
            return
        contracts = size.contracts if outcome == "accepted" else 1
        order = Order(
            order_id=signal_id,
            signal_id=signal_id,
            side=signal.side,
            order_type=signal.order_type,
            price=signal.entry,
            stop=signal.stop,
            target=signal.target,
            contracts=contracts,
            risk_usd=abs(signal.entry - signal.stop) * self.spec.point_value * contracts,
            strategy=strategy,
            regime=regime,
            slippage_ticks=slippage,
            placed_ns=now,
            expires_ns=now + signal.valid_bars * self._timeframe_ns
            if signal.order_type == "stop"
            else None,
            max_hold_ns=signal.max_hold_minutes * MINUTE_NS if signal.max_hold_minutes else None,
        )
        (self.broker if outcome == "accepted" else self.shadow).submit(order)

    # -- execution ----------------------------------------------------------------------------

    def _execute(
        self, session: Session, ts_ns: int, open_: float, high: float, low: float, close: float
    ) -> None:
        fill, closed = self.broker.on_bar(ts_ns, open_, high, low, close)
        if fill is not None:
            self.risk.on_entry()
            self._publish_entry(fill)
        if closed is not None:
            self._on_closed(closed)
        position = self.broker.position
        end = ts_ns + MINUTE_NS
        flat_at = session.rth_close_ns - self._flatten_ns if session.has_rth else None
        if position is not None:
            max_hold = position.order.max_hold_ns
            if self._rules and flat_at is not None and end >= flat_at:
                at_open = ts_ns >= flat_at
                self._flatten(ts_ns if at_open else end, open_ if at_open else close, "eod_flat")
            elif max_hold is not None and end >= position.entry_ns + max_hold:
                trade = self.broker.close_position(end, close, "time_stop")
                if trade is not None:
                    self._on_closed(trade)
        working = self.broker.working
        if working is not None and self._rules and flat_at is not None and end >= flat_at:
            self.broker.cancel("flat by the close")

    def _flatten(self, ts_ns: int, price: float, reason: str) -> None:
        trade = self.broker.close_position(ts_ns, price, reason)
        if trade is not None:
            self._on_closed(trade)
        self.broker.cancel(reason)
        shadow = self.shadow.close_position(ts_ns, price, reason)
        if shadow is not None:
            self.risk.record_outcome(shadow.order.strategy, shadow.result_r)
        self.shadow.cancel(reason)

    def _execute_shadow(
        self, session: Session, ts_ns: int, open_: float, high: float, low: float, close: float
    ) -> None:
        """Paper-only trades of paused strategies: they feed the rolling window, never money."""
        _, closed = self.shadow.on_bar(ts_ns, open_, high, low, close)
        position = self.shadow.position
        end = ts_ns + MINUTE_NS
        if closed is None and position is not None:
            max_hold = position.order.max_hold_ns
            flat_at = session.rth_close_ns - self._flatten_ns if session.has_rth else None
            if (self._rules and flat_at is not None and end >= flat_at) or (
                max_hold is not None and end >= position.entry_ns + max_hold
            ):
                closed = self.shadow.close_position(end, close, "time_stop")
        if closed is not None:
            self.risk.record_outcome(closed.order.strategy, closed.result_r)

    def _on_closed(self, trade: ClosedTrade) -> None:
        order = trade.order
        self.risk.on_trade_closed(order.strategy, trade.result_r, trade.exit_ns)
        self._publish(
            TradeExecution(
                ts_event=_ts(trade.exit_ns),
                ts_init=_ts(self.clock.now_ns()),
                action="exit",
                exit_price=trade.exit_price,
                timestamp_exit=_ts(trade.exit_ns),
                result_r=trade.result_r,
                pnl_usd=trade.pnl_usd,
                commission_usd=trade.commission_usd,
                exit_reason=trade.exit_reason,
                **self._trade_fields(order, trade.entry_ns, trade.entry_price),
            )
        )

    def _publish_entry(self, fill: Fill) -> None:
        self._publish(
            TradeExecution(
                ts_event=_ts(fill.ts_ns),
                ts_init=_ts(self.clock.now_ns()),
                action="entry",
                **self._trade_fields(fill.order, fill.ts_ns, fill.price),
            )
        )

    def _trade_fields(self, order: Order, entry_ns: int, entry_price: float) -> dict[str, Any]:
        session = self._session_of(entry_ns)
        return {
            "trade_id": order.order_id.replace("-S", "-T"),
            "signal_id": order.signal_id,
            "symbol": self.spec.symbol,
            "trade_type": "Long" if order.side > 0 else "Short",
            "strategy_used": order.strategy,
            "regime": order.regime,
            "trading_day": session.trading_day.isoformat(),
            "contracts": order.contracts,
            "risk_usd": order.risk_usd,
            "entry_price": entry_price,
            "stop_price": order.stop,
            "target_price": order.target,
            "timestamp_entry": _ts(entry_ns),
        }

    # -- events -------------------------------------------------------------------------------

    def _publish(self, event: Event) -> None:
        self.bus.publish(event)

    def _publish_risk(self, now: int, change: RiskChange) -> None:
        decision = self.risk.can_trade(now)
        state = self.risk.state
        self._publish(
            RiskUpdate(
                ts_event=_ts(now),
                ts_init=_ts(self.clock.now_ns()),
                rule=change.rule,
                event=change.event,
                reason=change.reason,
                until=change.until,
                strategy=change.strategy,
                can_trade=not decision.tripped,
                risk_reason=decision.reason or None,
                daily_pnl_r=state.daily_pnl_r,
                weekly_pnl_r=state.weekly_pnl_r,
            )
        )

    # -- controls (called from the API or widget threads) -------------------------------------

    def halt(self, reason: str) -> None:
        """Manual halt (kill switch): no new entries until `resume`."""
        with self.bus.batch(), self.lock:
            self.risk.halt(reason)
            self._emit_risk_changes()

    def resume(self) -> None:
        with self.bus.batch(), self.lock:
            self.risk.resume()
            self._emit_risk_changes()

    def reset_rule(self, rule: str) -> None:
        with self.bus.batch(), self.lock:
            self.risk.reset(rule)
            self._emit_risk_changes()

    def flatten(self, reason: str) -> bool:
        """Close the open position at market (the last close: the paper broker's best price
        known) and cancel any working order; returns whether a position was closed."""
        with self.bus.batch(), self.lock:
            if self.last_bar_ns is None or self._last_close != self._last_close:  # no bar yet
                return False
            had = self.broker.position is not None
            self._flatten(self.last_bar_ns, self._last_close, f"flatten: {reason}")
            self._emit_risk_changes()
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
            for change in self.risk.changes(now_ns):
                self._publish_risk(now_ns, change)
            return True

    def _emit_risk_changes(self) -> None:
        now = self.last_bar_ns if self.last_bar_ns is not None else self.clock.now_ns()
        for change in self.risk.changes(now):
            self._publish_risk(now, change)

    def status(self) -> EngineStatus:
        with self.lock:
            now = self.last_bar_ns or 0
            decision = self.risk.can_trade(now)
            regime = self.classifier.regime
            state = self.risk.state
            position = self.broker.position
            return EngineStatus(
                run_id=self.run_id,
                symbol=self.spec.symbol,
                system_state="halted" if state.halted else "running",
                current_regime=regime,
                regime_direction=self.classifier.direction,
                active_strategy=self.gearbox.strategy_for(regime),
                daily_pnl_r=state.daily_pnl_r,
                weekly_pnl_r=state.weekly_pnl_r,
                current_r=state.equity_r,
                consecutive_red_days=state.consecutive_red_days,
                can_trade=not decision.tripped,
                risk_reason=decision.reason or None,
                last_bar_time=_ts(self.last_bar_ns) if self.last_bar_ns is not None else None,
                bars_processed=self.bars_processed,
                open_position=position.to_dict() if position is not None else None,
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
