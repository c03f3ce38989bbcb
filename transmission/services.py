"""The one service facade that the CLI, the API, the widgets and the reports call.

Each function reads the journal through `transmission.journal.queries` and computes figures
through `transmission.metrics`; nothing here formats for a particular front end beyond returning
JSON-safe records.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from transmission.journal import Journal
from transmission.journal.queries import (
    TradeFilter,
    count_trades,
    resolve_run,
    trade_by_id,
    trade_results,
    trades_frame,
    trades_version,
)
from transmission.metrics import DEFAULT_WINDOW, compute_metrics, metrics_frame

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
    """Newest first, paginated, with the total that matches the filter."""
    f = f or TradeFilter()
    frame = trades_frame(journal, f, limit=limit, offset=offset, newest_first=True)
    return TradePage(records(frame), count_trades(journal, f), limit, offset)


def get_trade(journal: Journal, trade_id: str) -> dict[str, Any] | None:
    row = trade_by_id(journal, trade_id)
    return {k: _json_value(v) for k, v in row.items()} if row else None


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
