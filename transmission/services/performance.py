"""Performance figures in R, overall or grouped, memoised per trades version."""

from __future__ import annotations

from typing import Any

from transmission.journal import Journal
from transmission.journal.queries import TradeFilter, resolve_run, trade_results, trades_version
from transmission.metrics import DEFAULT_WINDOW, compute_metrics, metrics_frame
from transmission.services.cache import MetricsCache
from transmission.services.shaping import json_record

GROUPINGS = ("strategy", "regime")


class Performance:
    """`transmission.metrics` over the journal's trades; recomputed only when trades change."""

    def __init__(self, journal: Journal, cache: MetricsCache | None = None) -> None:
        self.journal = journal
        self.cache = cache if cache is not None else MetricsCache()

    def __call__(
        self, f: TradeFilter | None = None, *, window: int = DEFAULT_WINDOW, by: str | None = None
    ) -> dict[str, Any]:
        """PerformanceMetrics as a dict (overall), or {group: dict} grouped by strategy/regime.

        Totals are over every matching trade; the ratio figures over the last `window` of them.
        """
        if window < 1:
            raise ValueError(f"window must be a positive number of trades, got {window}")
        if by is not None and by not in GROUPINGS:
            raise ValueError(f"cannot group by {by!r}: choose one of {', '.join(GROUPINGS)}")
        journal = self.journal
        f = f or TradeFilter()
        run = resolve_run(journal, f.run_id)
        key = (journal.path, run, f, window, by, trades_version(journal, run))

        def compute() -> dict[str, Any]:
            results = trade_results(journal, f)
            if by is None:
                return compute_metrics(results["result_r"].to_numpy(), window=window).to_dict()
            frame = metrics_frame(results, window=window, by=by)
            return {str(name): json_record(row.to_dict()) for name, row in frame.iterrows()}

        result: dict[str, Any] = self.cache.get(key, compute)
        return result
