"""Trade history: pages, one trade, and whole exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from transmission.journal import Journal
from transmission.journal.queries import TradeFilter, count_trades, trade_by_id, trades_frame
from transmission.services.shaping import json_record, records


@dataclass(frozen=True)
class TradePage:
    trades: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class Trades:
    """The journal's trades, as JSON-safe records or frames."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    def page(self, f: TradeFilter | None = None, *, limit: int = 100, offset: int = 0) -> TradePage:
        """Newest first, paginated, with the total that matches the filter."""
        f = f or TradeFilter()
        frame = trades_frame(self.journal, f, limit=limit, offset=offset, newest_first=True)
        return TradePage(records(frame), count_trades(self.journal, f), limit, offset)

    def get(self, trade_id: str) -> dict[str, Any] | None:
        """One trade by id (None: no such trade)."""
        row = trade_by_id(self.journal, trade_id)
        return json_record(row) if row else None

    def export(self, f: TradeFilter | None = None) -> pd.DataFrame:
        """Every matching trade in exit order (the `trades` command and the reports)."""
        return trades_frame(self.journal, f)
