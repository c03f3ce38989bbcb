"""Loading a bar file into the journal's bar store: validate, quarantine, store, count."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from transmission.contracts import contract_for
from transmission.journal import Journal
from transmission.market.calendar import EXCHANGE_TZ
from transmission.market.loader import load_bars

CONFLICT_REASON = "conflicts with a stored bar for the same timestamp"


@dataclass(frozen=True)
class IngestReport:
    source: str
    dataset: str
    symbol: str
    rows_read: int
    accepted: int
    already_stored: int
    duplicates_skipped: int
    quarantined: int
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def ingest_file(
    journal: Journal,
    path: str | Path,
    *,
    symbol: str,
    dataset: str | None = None,
    source_tz: str = EXCHANGE_TZ,
) -> IngestReport:
    """Store a file's good bars; quarantine bad ones (prices off the contract's tick too);
    loading a file twice changes nothing. Naive timestamps are taken as `source_tz`."""
    path = Path(path)
    dataset = dataset or path.name.split(".")[0]
    result = load_bars(path, source_tz=source_tz, tick=contract_for(symbol).tick)
    bars = result.bars
    quarantined = result.quarantined
    stored = journal.stored_bars(dataset, symbol, bars["ts"])
    if len(stored):
        merged = bars.assign(_ts=bars["ts"].dt.tz_convert("UTC")).merge(
            stored.assign(_ts=pd.to_datetime(stored["ts"], utc=True)).drop(columns="ts"),
            on="_ts",
            how="left",
            suffixes=("", "_stored"),
        )
        has_stored = merged["open_stored"].notna().to_numpy()
        same = np.ones(len(merged), dtype=bool)
        for column in ("open", "high", "low", "close", "volume"):
            same &= np.isclose(merged[column], merged[f"{column}_stored"], equal_nan=False)
        conflict = has_stored & ~same
        if conflict.any():
            bad = bars[conflict]
            quarantined = pd.concat(
                [
                    quarantined,
                    pd.DataFrame(
                        {
                            "source": str(path),
                            "line": bad.get("line", pd.Series(0, index=bad.index)),
                            "ts": bad["ts"],
                            "raw": bad[["open", "high", "low", "close", "volume"]]
                            .astype(str)
                            .agg(",".join, axis=1),
                            "reason": CONFLICT_REASON,
                        }
                    ),
                ],
                ignore_index=True,
            )
            bars = bars[~conflict]
    inserted, already = journal.insert_bars(dataset, symbol, bars)
    journal.insert_quarantine(dataset, symbol, quarantined)
    reasons = Counter(str(r).split(":")[0] for r in quarantined["reason"])
    return IngestReport(
        source=str(path),
        dataset=dataset,
        symbol=symbol,
        rows_read=result.rows_read,
        accepted=inserted,
        already_stored=already,
        duplicates_skipped=result.duplicates_skipped,
        quarantined=len(quarantined),
        quarantine_reasons=dict(reasons),
    )
