"""JSON-safe records: what every front end receives from the facade."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from transmission.market.calendar import EXCHANGE_TZ


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-safe rows: timestamps as ISO strings, dates as ISO dates, NaN as None."""
    return [
        {str(key): json_value(value) for key, value in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def json_record(row: Mapping[Any, Any]) -> dict[str, Any]:
    """One JSON-safe row."""
    return {str(key): json_value(value) for key, value in row.items()}


def json_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def exchange_time(ns: int | None) -> pd.Timestamp | None:
    """Epoch nanoseconds as an exchange-time timestamp (None stays None)."""
    if ns is None:
        return None
    return pd.Timestamp(ns, unit="ns", tz="UTC").tz_convert(EXCHANGE_TZ)
