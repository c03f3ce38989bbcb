"""Runs, equity, candles and open positions: the reads behind the API's chart routes.

Values in, records out: the SQL is `journal.queries`', the figures `metrics`' and `features`'.
An engine's state (for the open position and how far a run has got) comes from `EngineStates`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from transmission.contracts import contract_for
from transmission.features import compute_features
from transmission.journal import Journal
from transmission.journal.queries import (
    EXIT_FIELDS,
    TZ,
    TradeFilter,
    bars_frame,
    equity_rows,
    last_bar_before,
    last_bar_time,
    newest_signals_frame,
    public_trade_id,
    regime_changes_frame,
    resolve_run,
    run_info,
    run_number,
    runs_with_counts,
    trade_key_for_signal,
)
from transmission.market.calendar import annotate, trading_days_of
from transmission.market.resample import resample
from transmission.metrics import drawdown_r, equity_curve_r
from transmission.services.engine_state import EngineStates, run_config
from transmission.strategies.names import display_name

if TYPE_CHECKING:
    from transmission.engine.live import LiveEngine

CANDLE_MINUTES = (1, 5)
FEATURE_HISTORY = pd.Timedelta(days=3)  # VWAP restarts each session: a session back suffices


def _plain(value: Any) -> Any:
    if value is None or value is pd.NaT or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def runs(journal: Journal) -> list[dict[str, Any]]:
    """Every run, newest first: what it ran on (kind, symbol, dataset, config) and its counts."""
    out = []
    for row in runs_with_counts(journal).to_dict(orient="records"):
        params = row.pop("params")
        params = json.loads(params) if isinstance(params, str) else (params or {})
        config = params.get("config") or {}
        out.append(
            {
                **{str(k): _plain(v) for k, v in row.items()},
                "description": params.get("description"),
                "timeframe_minutes": config.get("timeframe_minutes"),
                "gearbox": config.get("gearbox"),
                "params": params,
            }
        )
    return out


def equity(journal: Journal, f: TradeFilter, *, by: str) -> dict[str, Any]:
    """The run's equity curve in R and $, one point per closed trade (`by="trade"`) or per
    trading day (`by="day"`), with the drawdown in R."""
    rows = equity_rows(journal, f)
    result_r = rows["result_r"].to_numpy(dtype=float)
    pnl_usd = rows["pnl_usd"].to_numpy(dtype=float)
    run = resolve_run(journal, f.run_id)
    if by == "day" and len(rows):
        days = rows.assign(r=result_r, usd=pnl_usd).groupby("trading_day", sort=True)
        daily = days.agg(r=("r", "sum"), usd=("usd", "sum"), trades=("r", "size")).reset_index()
        r, usd = daily["r"].to_numpy(dtype=float), daily["usd"].to_numpy(dtype=float)
        points = [
            {
                "trading_day": _plain(day),
                "trades": int(n),
                "pnl_r": float(day_r),
                "pnl_usd": float(day_usd),
                "equity_r": float(cum_r),
                "equity_usd": float(cum_usd),
                "drawdown_r": float(dd),
            }
            for day, n, day_r, day_usd, cum_r, cum_usd, dd in zip(
                daily["trading_day"],
                daily["trades"],
                r,
                usd,
                equity_curve_r(r),
                np.cumsum(usd),
                drawdown_r(r),
                strict=True,
            )
        ]
    else:
        number = run_number(journal, run) or 0
        points = [
            {
                "trade_id": public_trade_id(number, str(key)),
                "timestamp_exit": _plain(ts),
                "trading_day": _plain(day),
                "pnl_r": float(r),
                "pnl_usd": float(usd),
                "equity_r": float(cum_r),
                "equity_usd": float(cum_usd),
                "drawdown_r": float(dd),
            }
            for key, ts, day, r, usd, cum_r, cum_usd, dd in zip(
                rows["trade_id"],
                rows["timestamp_exit"],
                rows["trading_day"],
                result_r,
                pnl_usd,
                equity_curve_r(result_r),
                np.cumsum(pnl_usd),
                drawdown_r(result_r),
                strict=True,
            )
        ]
    return {"run_id": run, "by": by, "points": points}


def candles(
    journal: Journal,
    run_id: str | None,
    engine: LiveEngine | None = None,
    *,
    minutes: int,
    since: pd.Timestamp | None,
    until: pd.Timestamp | None,
    limit: int,
) -> dict[str, Any] | None:
    """OHLCV bars of the run's data (1- or 5-minute) with session VWAP, its 1 and 2 sigma
    bands and the regime in force at each bar's close; the last `limit` bars of the range
    (default: up to the run's last bar). A run's bars stop at the last one its engine has
    processed (a replay's file is stored whole at its start). None: no such run."""
    if minutes not in CANDLE_MINUTES:
        raise ValueError(f"candles come in {CANDLE_MINUTES} minutes, not {minutes}")
    run = resolve_run(journal, run_id)
    found = run_config(journal, run)
    if found is None:
        return None
    info, config = found
    dataset, symbol = str(info["dataset"]), str(info["symbol"])
    base: dict[str, Any] = {"run_id": run, "symbol": symbol, "minutes": minutes, "candles": []}
    processed = _processed_until(journal, engine, str(run), dataset, symbol)
    if processed is None:
        return base
    end = processed if until is None else min(until, processed)
    start = since if since is not None else end - pd.Timedelta(minutes=minutes * limit * 2)
    bars = bars_frame(journal, dataset, symbol, since=start - FEATURE_HISTORY, until=end)
    if bars.empty:
        return base
    signal_bars = annotate(resample(bars, minutes).reset_index(drop=True))
    features = compute_features(signal_bars, config.feature_config(), bar_minutes=minutes)
    frame = signal_bars[["ts", "open", "high", "low", "close", "volume"]].assign(
        vwap=features["vwap"], vwap_sigma=features["vwap_sigma"]
    )
    frame = frame[frame["ts"] >= start].tail(limit).reset_index(drop=True)
    close_ts = frame["ts"] + pd.Timedelta(minutes=minutes)
    frame["regime"] = _regime_at(journal, str(run), close_ts)
    sigma = frame["vwap_sigma"]
    for k in (1, 2):
        frame[f"vwap_upper_{k}"] = frame["vwap"] + k * sigma
        frame[f"vwap_lower_{k}"] = frame["vwap"] - k * sigma
    base["candles"] = [
        {str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")
    ]
    return base


def _processed_until(
    journal: Journal, engine: LiveEngine | None, run: str, dataset: str, symbol: str
) -> pd.Timestamp | None:
    """Just after the run's last processed bar: its engine's, its checkpoint's, else the data's."""
    last: pd.Timestamp | None = None
    if engine is not None and engine.run_id == run:
        last = engine.status().last_bar_time
    else:
        checkpoint = journal.load_checkpoint(run)
        if checkpoint is not None and checkpoint.last_bar_ns is not None:
            last = pd.Timestamp(checkpoint.last_bar_ns, unit="ns", tz="UTC").tz_convert(TZ)
        else:
            last = last_bar_time(journal, dataset, symbol)
    return last + pd.Timedelta(minutes=1) if last is not None else None


def _regime_at(journal: Journal, run: str, times: pd.Series) -> list[str]:
    changes = regime_changes_frame(journal, run)
    if changes.empty or times.empty:
        return ["NO_TRADE"] * len(times)
    change_ns = changes["ts"].astype("int64").to_numpy()
    at = np.searchsorted(change_ns, times.astype("int64").to_numpy(), side="right") - 1
    regimes = changes["regime"].to_numpy()
    return [str(regimes[i]) if i >= 0 else "NO_TRADE" for i in at]


@dataclass(frozen=True)
class OpenPosition:
    """A trade open now, as a trade record with its exit fields null, and its unrealized P&L."""

    trade: dict[str, Any]
    last_price: float | None
    last_price_time: pd.Timestamp | None
    unrealized_usd: float | None
    unrealized_r: float | None


def open_positions(
    journal: Journal, states: EngineStates, run_id: str | None = None
) -> list[OpenPosition]:
    """The run's open position (0 or 1), marked at the last bar's close (before costs)."""
    state = states.state(run_id)
    if state is None or not state.broker.get("position"):
        return []
    position = state.broker["position"]
    order = position["order"]
    spec = contract_for(state.config.symbol)
    entry_ns = int(position["entry_ns"])
    entry_time = pd.Timestamp(entry_ns, unit="ns", tz="UTC").tz_convert("America/New_York")
    key = trade_key_for_signal(str(order["signal_id"]))
    trade = {
        "trade_id": public_trade_id(run_number(journal, state.run_id) or 0, key),
        "trade_key": key,
        "run_id": state.run_id,
        "signal_id": order["signal_id"],
        "symbol": state.config.symbol,
        "trade_type": "Long" if order["side"] > 0 else "Short",
        "strategy_used": order["strategy"],
        "regime": order["regime"],
        "trading_day": trading_days_of(pd.Series([entry_time])).iloc[0].date().isoformat(),
        "timestamp_entry": entry_time.isoformat(),
        "entry_price": float(position["entry_price"]),
        "stop_price": float(order["stop"]),
        "target_price": float(order["target"]),
        "contracts": int(order["contracts"]),
        "risk_usd": float(order["risk_usd"]),
        **dict.fromkeys(EXIT_FIELDS),
    }
    last_ns = state.last_bar_ns
    mark = (
        last_bar_before(journal, state.dataset, state.config.symbol, _after(last_ns))
        if last_ns is not None
        else None
    )
    if mark is None:
        return [OpenPosition(trade, None, None, None, None)]
    price = mark[1]
    points = (price - trade["entry_price"]) * (1 if order["side"] > 0 else -1)
    usd = points * spec.point_value * trade["contracts"]
    risk = trade["risk_usd"]
    return [OpenPosition(trade, price, mark[0], usd, usd / risk if risk else None)]


def _after(last_bar_ns: int) -> pd.Timestamp:
    return pd.Timestamp(last_bar_ns, unit="ns", tz="UTC") + pd.Timedelta(nanoseconds=1)


class History:
    """Runs, equity curves, candles and open positions of one journal (and its engine)."""

    def __init__(self, journal: Journal, states: EngineStates) -> None:
        self.journal = journal
        self.states = states

    def runs(self) -> list[dict[str, Any]]:
        return runs(self.journal)

    def equity(self, f: TradeFilter, *, by: str) -> dict[str, Any]:
        return equity(self.journal, f, by=by)

    def candles(
        self,
        run_id: str | None,
        *,
        minutes: int,
        since: pd.Timestamp | None,
        until: pd.Timestamp | None,
        limit: int,
    ) -> dict[str, Any] | None:
        return candles(
            self.journal,
            run_id,
            self.states.engine,
            minutes=minutes,
            since=since,
            until=until,
            limit=limit,
        )

    def recent_signals(
        self, run_id: str | None, limit: int, decision: str | None = None
    ) -> dict[str, Any] | None:
        """The run's newest `limit` signals, newest first, with their decision and veto reason,
        as the WebSocket's `signal` message carries them (display name and id, a timestamp);
        None for a run the journal does not hold."""
        run = resolve_run(self.journal, run_id)
        if run is None or run_info(self.journal, run) is None:
            return None
        frame = newest_signals_frame(self.journal, run, limit, decision)
        signals = []
        for row in frame.to_dict("records"):
            record = {str(k): _plain(v) for k, v in row.items()}
            record["timestamp"] = record.pop("ts")
            record["strategy_id"] = record["strategy"]
            record["strategy"] = display_name(record["strategy_id"])
            signals.append(record)
        return {"run_id": run, "signals": signals}

    def positions(self, run_id: str | None = None) -> list[OpenPosition]:
        return open_positions(self.journal, self.states, run_id)

    def open_trade(self, run_id: str, key: str) -> dict[str, Any] | None:
        """The open trade with journal key `key`, a record with exit fields null; else None."""
        for position in self.positions(run_id):
            if position.trade["trade_key"] == key:
                return position.trade
        return None
