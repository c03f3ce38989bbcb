"""The one service facade that the CLI, the API, the widgets and the reports call.

Each function reads the journal through `transmission.journal.queries` and computes figures
through `transmission.metrics`; nothing here formats for a particular front end beyond returning
JSON-safe records.
"""

from __future__ import annotations

import copy
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pandas as pd

from transmission.config import EngineConfig
from transmission.contracts import contract_for
from transmission.engine.orchestrator import EngineStatus
from transmission.features import compute_features
from transmission.journal import Journal
from transmission.journal.queries import (
    TradeFilter,
    bars_frame,
    resolve_run,
    run_info,
    trade_by_id,
    trade_key,
    trade_page,
    trade_results,
    trades_frame,
    trades_version,
)
from transmission.journal.store import first_row
from transmission.market.calendar import annotate, epoch_ns
from transmission.market.resample import resample
from transmission.metrics import DEFAULT_WINDOW, compute_metrics, metrics_frame
from transmission.risk import RiskManager, RuleStatus
from transmission.strategies import BarView, Signal, create
from transmission.strategies import available as available_strategies
from transmission.strategies.base import on_ticks

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine


def open_trade(
    journal: Journal, engine: LiveEngine | None, run_id: str, key: str
) -> dict[str, Any] | None:
    from transmission.history import open_trade as find  # history reads engine_state from here

    return find(journal, engine, run_id, key)


GROUPINGS = ("strategy", "regime")


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows: timestamps as ISO strings, dates as ISO dates, NaN as None."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({str(key): _json_value(value) for key, value in row.items()})
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


@dataclass(frozen=True)
class TradePage:
    trades: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def list_trades(
    journal: Journal, f: TradeFilter | None = None, *, limit: int = 100, offset: int = 0
) -> TradePage:
    """Newest first, paginated, with the total that matches the filter (cursor aside); public
    integer ids (`trade_id`) beside the journal's keys (`trade_key`)."""
    trades, total = trade_page(journal, f, limit=limit, offset=offset)
    return TradePage(trades, total, limit, offset)


def get_trade(
    journal: Journal, trade_id: int, engine: LiveEngine | None = None
) -> dict[str, Any] | None:
    """One trade by public id; an open one (entered, not yet closed) with its exit fields null."""
    row = trade_by_id(journal, trade_id)
    if row is not None:
        return {k: _json_value(v) for k, v in row.items()}
    found = trade_key(journal, trade_id)
    return open_trade(journal, engine, *found) if found else None


def export_trades(journal: Journal, f: TradeFilter | None = None) -> pd.DataFrame:
    """Every matching trade in exit order (the `trades` command and the reports)."""
    return trades_frame(journal, f)


class MetricsCache:
    """Metrics per (journal, run, filters, window, grouping), recomputed only when trades change."""

    def __init__(self, size: int = 128) -> None:
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Any) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value


_cache = MetricsCache()


def performance(
    journal: Journal,
    f: TradeFilter | None = None,
    *,
    window: int = DEFAULT_WINDOW,
    by: str | None = None,
) -> dict[str, Any]:
    """PerformanceMetrics as a dict (overall), or {group: dict} when grouped by strategy/regime.

    Totals are over every matching trade; the ratio figures over the last `window` of them.
    """
    if window < 1:
        raise ValueError(f"window must be a positive number of trades, got {window}")
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}: choose one of {', '.join(GROUPINGS)}")
    f = f or TradeFilter()
    run = resolve_run(journal, f.run_id)
    key = (journal.path, run, f, window, by, trades_version(journal, run))

    def compute() -> dict[str, Any]:
        results = trade_results(journal, f)
        if by is None:
            return compute_metrics(results["result_r"].to_numpy(), window=window).to_dict()
        frame = metrics_frame(results, window=window, by=by)
        return {str(name): _row_dict(row) for name, row in frame.iterrows()}

    result: dict[str, Any] = _cache.get(key, compute)
    return result


def _row_dict(row: pd.Series) -> dict[str, Any]:
    return {str(key): _json_value(value) for key, value in row.to_dict().items()}


# -- engine state, risk and signal previews (the API's status, risk and signal routes) ---------
# A running engine answers for itself; a journal answers with its run's last checkpoint, so a
# served journal (`--feed none`) shows the state its engine stopped in.

HISTORY_DAYS = 60  # how far back a signal preview replays bars (features warm up in < 25 sessions)


@dataclass(frozen=True)
class EngineState:
    """An engine's state at its last processed bar, live or restored from a run's checkpoint."""

    run_id: str
    source: str  # "engine" or "journal"
    run_status: str
    config: EngineConfig
    dataset: str
    last_bar_ns: int | None
    bars_processed: int
    regime: str
    direction: str | None
    risk: RiskManager
    broker: dict[str, Any]
    shadow: dict[str, Any]

    @property
    def active_strategy(self) -> str | None:
        return self.config.gearbox.get(self.regime)

    @property
    def now_ns(self) -> int:
        return self.last_bar_ns or 0


@dataclass(frozen=True)
class RiskReport:
    can_trade: bool
    risk_reason: str | None
    tripwires: list[RuleStatus]


def engine_state(
    journal: Journal, engine: LiveEngine | None = None, run_id: str | None = None
) -> EngineState | None:
    """The running engine's state (when given), else the run's (None: the latest) checkpoint."""
    if engine is not None and (run_id is None or run_id == engine.run_id):
        return _live_state(engine)
    run = resolve_run(journal, run_id)
    info = run_info(journal, run) if run else None
    checkpoint = journal.load_checkpoint(run) if run else None
    if info is None or checkpoint is None or "orchestrator" not in checkpoint.state:
        return None
    params = info["params"]
    params = json.loads(params) if isinstance(params, str) else params
    try:
        config = EngineConfig(**params["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"run {run}: its stored engine config cannot be read: {exc}") from None
    saved = checkpoint.state["orchestrator"]
    risk = RiskManager(config.risk_config(), config.strategy_names())
    risk.restore(saved["risk"])
    regime, direction = _last_regime(journal, str(run))
    return EngineState(
        run_id=str(run),
        source="journal",
        run_status=str(info["status"]),
        config=config,
        dataset=str(info["dataset"]),
        last_bar_ns=checkpoint.last_bar_ns,
        bars_processed=checkpoint.bars_processed,
        regime=regime,
        direction=direction,
        risk=risk,
        broker=saved["broker"],
        shadow=saved["shadow"],
    )


def _live_state(engine: LiveEngine) -> EngineState:
    orchestrator = engine.run.orchestrator
    status = engine.status()
    for _ in range(3):  # the engine thread may change a dict while we copy it: copy again
        try:
            saved = copy.deepcopy(orchestrator.state_dict())
            break
        except RuntimeError:
            continue
    else:
        saved = copy.deepcopy(orchestrator.state_dict())
    risk = RiskManager(engine.config.risk_config(), engine.config.strategy_names())
    risk.restore(saved["risk"])
    last = status.last_bar_time
    return EngineState(
        run_id=engine.run_id,
        source="engine",
        run_status="running" if engine.running else "stopped",
        config=engine.config,
        dataset=engine.run.dataset,
        last_bar_ns=int(last.value) if last is not None else None,
        bars_processed=status.bars_processed,
        regime=status.current_regime,
        direction=status.regime_direction,
        risk=risk,
        broker=saved["broker"],
        shadow=saved["shadow"],
    )


def _last_regime(journal: Journal, run_id: str) -> tuple[str, str | None]:
    row = first_row(
        journal.cursor(),
        "SELECT regime, direction FROM regime_changes WHERE run_id = ? "
        "ORDER BY ts DESC, seq DESC LIMIT 1",
        [run_id],
    )
    return (str(row[0]), row[1]) if row else ("NO_TRADE", None)


def system_status(
    journal: Journal, engine: LiveEngine | None = None, run_id: str | None = None
) -> EngineStatus | None:
    """The engine's status; from the run's checkpoint when no engine runs. None: no run."""
    if engine is not None and (run_id is None or run_id == engine.run_id):
        return engine.status()
    state = engine_state(journal, None, run_id)
    if state is None:
        return None
    risk = state.risk
    decision = risk.can_trade(state.now_ns)
    position = state.broker.get("position")
    halted = risk.state.halted
    return EngineStatus(
        run_id=state.run_id,
        symbol=state.config.symbol,
        system_state="halted" if halted else state.run_status,
        current_regime=state.regime,
        regime_direction=state.direction,
        active_strategy=state.active_strategy,
        daily_pnl_r=risk.state.daily_pnl_r,
        weekly_pnl_r=risk.state.weekly_pnl_r,
        current_r=risk.state.equity_r,
        consecutive_red_days=risk.state.consecutive_red_days,
        can_trade=not decision.tripped,
        risk_reason=decision.reason or None,
        last_bar_time=_exchange_time(state.last_bar_ns),
        bars_processed=state.bars_processed,
        open_position=position,
    )


def risk_report(
    journal: Journal, engine: LiveEngine | None = None, run_id: str | None = None
) -> RiskReport | None:
    """Every tripwire's state and whether the engine may open a trade now. None: no run."""
    if engine is not None and (run_id is None or run_id == engine.run_id):
        status = engine.status()
        return RiskReport(status.can_trade, status.risk_reason, engine.risk_statuses())
    state = engine_state(journal, None, run_id)
    if state is None:
        return None
    decision = state.risk.can_trade(state.now_ns)
    return RiskReport(
        not decision.tripped, decision.reason or None, state.risk.statuses(state.now_ns)
    )


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


def preview_signal(
    journal: Journal,
    engine: LiveEngine | None = None,
    *,
    strategy: str | None = None,
    run_id: str | None = None,
) -> SignalPreview:
    """Evaluate `strategy` (None: the regime's active one) on the last closed signal bar.

    The strategy is a fresh instance replayed over the run's recent bars (up to the engine's
    last bar), so the live strategy's state is never touched; the risk decision is the one the
    engine would take now: busy broker, tripwires, then sizing. Raises LookupError when there
    is no run or no processed bar yet, ValueError for an unknown strategy.
    """
    if strategy is not None and strategy not in available_strategies():
        known = ", ".join(available_strategies())
        raise ValueError(f"unknown strategy {strategy!r}: available are {known}")
    state = engine_state(journal, engine, run_id)
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
        journal,
        state.dataset,
        state.config.symbol,
        since=last - pd.Timedelta(days=HISTORY_DAYS),
        until=last + pd.Timedelta(minutes=1),
    )
    signal, bar_end_ns = last_bar_signal(bars, state.config, name)
    preview = replace(preview, bar_time=_exchange_time(bar_end_ns))
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
    config, risk = state.config, state.risk
    spec = contract_for(config.symbol)
    costs = config.cost_config()
    size = risk.size(
        signal.entry, signal.stop, spec, costs.round_trip_per_contract(spec, state.regime)
    )
    decision = risk.can_trade(now_ns, name)
    busy = state.broker.get("working") is not None or state.broker.get("position") is not None
    shadow_free = state.shadow.get("working") is None and state.shadow.get("position") is None
    veto: str | None
    if name != state.active_strategy:
        outcome = "vetoed"
        veto = f"{name} does not drive in regime {state.regime}"
    elif busy:
        outcome, veto = "vetoed", "a position or order is already working"
    elif decision.tripped:
        outcome, veto = "vetoed", decision.reason
        if config.shadow_trades and shadow_free and risk.blocked_only_by_performance(now_ns, name):
            outcome = "shadow"
    elif size.contracts == 0:
        outcome, veto = "vetoed", size.reason
    else:
        outcome, veto = "accepted", None
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
        contracts=size.contracts if outcome == "accepted" else 0,
        risk_usd=size.risk_usd if outcome == "accepted" else None,
    )


def _exchange_time(ns: int | None) -> pd.Timestamp | None:
    if ns is None:
        return None
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert("America/New_York")


def last_checkpoint(
    journal: Journal, run_id: str | None = None
) -> tuple[str, pd.Timestamp | None, int] | None:
    """(run id, last bar time, bars processed) of a run's checkpoint: a cheap liveness read."""
    run = resolve_run(journal, run_id)
    if run is None:
        return None
    row = first_row(
        journal.cursor(),
        "SELECT epoch_ns(last_bar_ts), bars_processed FROM engine_state WHERE run_id = ?",
        [run],
    )
    if row is None:
        return run, None, 0
    return run, _exchange_time(int(row[0]) if row[0] is not None else None), int(row[1])
