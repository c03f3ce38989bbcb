"""Signal previews: what a strategy says on the last closed signal bar, and what risk decides.

A preview never places an order and never touches the live strategy: a fresh instance is
replayed over the run's recent bars (up to the engine's last bar).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from transmission.config import EngineConfig
from transmission.contracts import contract_for
from transmission.features import compute_features
from transmission.journal import Journal
from transmission.journal.queries import bars_frame
from transmission.market.calendar import annotate, epoch_ns
from transmission.market.resample import resample
from transmission.risk.admission import admit
from transmission.services.engine_state import EngineState, EngineStates
from transmission.services.shaping import exchange_time
from transmission.strategies import BarView, Signal, create
from transmission.strategies import available as available_strategies
from transmission.strategies.base import on_ticks

HISTORY_DAYS = 60  # how far back a signal preview replays bars (features warm up in < 25 sessions)


@dataclass(frozen=True)
class SignalPreview:
    """What a strategy says on the last closed signal bar, and what risk would decide.

    `decision` uses the engine's words ("accepted", "vetoed", "shadow") plus "no_signal"; a
    preview never places an order.
    """

    run_id: str
    source: str
    strategy: str | None
    regime: str
    active_strategy: str | None
    bar_time: pd.Timestamp | None
    signal: dict[str, Any] | None
    decision: str
    veto_reason: str | None
    contracts: int
    risk_usd: float | None
    can_trade: bool
    risk_reason: str | None


class Previews:
    """Signal previews over the journal's bars and an engine's (or a checkpoint's) state."""

    def __init__(self, journal: Journal, states: EngineStates) -> None:
        self.journal = journal
        self.states = states

    def signal(self, strategy: str | None = None, *, run_id: str | None = None) -> SignalPreview:
        """Evaluate `strategy` (None: the regime's active one) on the last closed signal bar.

        The risk decision is the one the engine would take now: busy broker, tripwires, then
        sizing. Raises LookupError when there is no run or no processed bar yet, ValueError for
        an unknown strategy.
        """
        if strategy is not None and strategy not in available_strategies():
            known = ", ".join(available_strategies())
            raise ValueError(f"unknown strategy {strategy!r}: available are {known}")
        state = self.states.state(run_id)
        if state is None or state.last_bar_ns is None:
            raise LookupError("no engine state yet: no run in the journal, or no bar processed")
        name = strategy or state.active_strategy
        decision_now = state.risk.can_trade(state.now_ns)
        preview = SignalPreview(
            run_id=state.run_id,
            source=state.source,
            strategy=name,
            regime=state.regime,
            active_strategy=state.active_strategy,
            bar_time=None,
            signal=None,
            decision="no_signal",
            veto_reason=None if name else f"no strategy drives in regime {state.regime}",
            contracts=0,
            risk_usd=None,
            can_trade=not decision_now.tripped,
            risk_reason=decision_now.reason or None,
        )
        if name is None:
            return preview
        last = pd.Timestamp(state.last_bar_ns, unit="ns", tz="UTC")
        bars = bars_frame(
            self.journal,
            state.dataset,
            state.config.symbol,
            since=last - pd.Timedelta(days=HISTORY_DAYS),
            until=last + pd.Timedelta(minutes=1),
        )
        signal, bar_end_ns = last_bar_signal(bars, state.config, name)
        preview = replace(preview, bar_time=exchange_time(bar_end_ns))
        if signal is None or bar_end_ns is None:
            return preview
        priced = on_ticks(signal, contract_for(state.config.symbol))
        return _risk_decision(preview, state, priced, name, bar_end_ns)


def last_bar_signal(
    bars: pd.DataFrame, config: EngineConfig, name: str
) -> tuple[Signal | None, int | None]:
    """A fresh strategy fed every closed signal bar; its output on the last one."""
    if bars.empty:
        return None, None
    minutes = config.timeframe_minutes
    width = minutes * 60_000_000_000
    last_ns = int(epoch_ns(bars["ts"])[-1])
    signal_bars = resample(bars, minutes)
    # The engine closes a signal bar when its last minute arrives; a later bucket is still open.
    closed = signal_bars[epoch_ns(signal_bars["ts"]) + width <= last_ns + 60_000_000_000]
    if closed.empty:
        return None, None
    annotated = annotate(closed.reset_index(drop=True))
    features = compute_features(annotated, config.feature_config(), bar_minutes=minutes)
    spec = contract_for(config.symbol)
    instance = create(name, tick=spec.tick, **config.strategies.get(name, {}))
    starts = epoch_ns(annotated["ts"])
    columns = [
        annotated[c].to_numpy(dtype=float).tolist()
        for c in ("open", "high", "low", "close", "volume")
    ]
    in_rth = annotated["in_rth"].to_numpy(dtype=bool).tolist()
    end_minutes = ((annotated["minute_of_day"].to_numpy() + minutes) % 1440).tolist()
    signal = None
    for i, (ts_ns, f) in enumerate(
        zip(starts.tolist(), features.itertuples(index=False), strict=True)
    ):
        o, h, low, c, v = (column[i] for column in columns)
        bar = BarView(ts_ns, ts_ns + width, o, h, low, c, v, in_rth[i], end_minutes[i])
        signal = instance.on_bar(bar, f)
    return signal, int(starts[-1]) + width


def _risk_decision(
    preview: SignalPreview, state: EngineState, signal: Signal, name: str, now_ns: int
) -> SignalPreview:
    """The engine's own admission (`risk.admission.admit`) of `signal` in `state`, plus the one
    check a preview adds: a strategy not in gear in this regime would not be asked."""
    config, risk = state.config, state.risk
    spec = contract_for(config.symbol)
    costs = config.cost_config()
    size = risk.size(
        signal.entry, signal.stop, spec, costs.round_trip_per_contract(spec, state.regime)
    )
    decision = risk.can_trade(now_ns, name)
    busy = state.broker.get("working") is not None or state.broker.get("position") is not None
    shadow_free = state.shadow.get("working") is None and state.shadow.get("position") is None
    shadow_allowed = (
        config.shadow_trades and shadow_free and risk.blocked_only_by_performance(now_ns, name)
    )
    admission = admit(decision, size, busy=busy, shadow_allowed=shadow_allowed)
    outcome, veto, contracts = admission.outcome, admission.veto_reason, admission.contracts
    if name != state.active_strategy:
        outcome, veto, contracts = "vetoed", f"{name} does not drive in regime {state.regime}", 0
    return replace(
        preview,
        signal={
            "side": signal.side_name,
            "order_type": signal.order_type,
            "entry_price": signal.entry,
            "stop_price": signal.stop,
            "target_price": signal.target,
            "reason": signal.reason,
        },
        decision=outcome,
        veto_reason=veto,
        contracts=contracts,
        risk_usd=size.risk_usd if outcome == "accepted" else None,
    )
