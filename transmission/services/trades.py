"""Trade history: pages, one trade, and whole exports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from transmission.journal import Journal
from transmission.journal.queries import (
    TradeFilter,
    trade_by_id,
    trade_key,
    trade_page,
    trades_frame,
)
from transmission.services.shaping import json_record
from transmission.services.trade_index import TradeIndex

# Finds an open trade by (run id, journal key): `History.open_trade`.
OpenTrade = Callable[[str, str], dict[str, Any] | None]


@dataclass(frozen=True)
class TradePage:
    trades: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class Trades:
    """The journal's trades, as JSON-safe records or frames."""

    def __init__(self, journal: Journal, open_trade: OpenTrade | None = None) -> None:
        self.journal = journal
        self.open_trade = open_trade
        self.index = TradeIndex(journal)

    def page(self, f: TradeFilter | None = None, *, limit: int = 100, offset: int = 0) -> TradePage:
        """Newest first, paginated, with the total that matches the filter (a cursor aside);
        public integer ids (`trade_id`) beside the journal's keys (`trade_key`).

        Found through the run's in-memory index (`services.trade_index`: fast at any depth and
        for any filter); the SQL path answers what the index cannot (filters by time of day)."""
        f = f or TradeFilter()
        found = self.index.page(f, limit=limit, offset=offset)
        trades, total = found or trade_page(self.journal, f, limit=limit, offset=offset)
        return TradePage(trades, total, limit, offset)

    def cursor(self, trade_id: int) -> tuple[Any, str] | None:
        """Where a page after the closed trade `trade_id` starts (`TradeFilter.before`)."""
        return self.index.cursor(trade_id)

    def get(self, trade_id: int) -> dict[str, Any] | None:
        """One trade by public id; an open one (entered, not closed) with exit fields null."""
        row = trade_by_id(self.journal, trade_id)
        if row is not None:
            return json_record(row)
        found = trade_key(self.journal, trade_id)
        if found is None or self.open_trade is None:
            return None
        return self.open_trade(*found)

    def export(self, f: TradeFilter | None = None) -> pd.DataFrame:
        """Every matching trade in exit order (the `trades` command and the reports)."""
        return trades_frame(self.journal, f)
