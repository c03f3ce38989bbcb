from __future__ import annotations

import pandas as pd
import pytest

from transmission.engine.feeds import BarSource
from transmission.sweep.data import as_source, content_key, day_bounds, trading_days


def _frame() -> pd.DataFrame:
    index = pd.date_range("2024-01-02 09:30", periods=3, freq="1min", name="Date")
    return pd.DataFrame(
        {"Open": [1.0, 2, 3], "High": [2.0, 3, 4], "Low": [0.5, 1, 2], "Close": [1.5, 2, 3],
         "Volume": [10, 20, 30]},
        index=index,
    )  # fmt: skip


def test_a_dataframe_with_a_naive_datetime_index_becomes_eastern_bars() -> None:
    source = as_source(_frame())
    assert list(source.bars.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert str(source.bars["ts"].dt.tz) == "America/New_York"
    assert trading_days(source) == ["2024-01-02"]


def test_a_dataframe_without_prices_is_refused_naming_the_missing_columns() -> None:
    with pytest.raises(ValueError, match=r"lacks columns \['close'\]"):
        as_source(_frame().drop(columns=["Close"]))


def test_a_missing_bar_file_is_refused_naming_the_parameter() -> None:
    with pytest.raises(FileNotFoundError, match="parameter data"):
        as_source("/nonexistent/bars.csv")


def test_the_content_key_changes_with_any_price(bars: BarSource) -> None:
    changed = bars.bars.copy()
    changed.loc[len(changed) // 2, "close"] += 0.25
    other = BarSource(bars.dataset, bars.symbol, changed, bars.quarantined, "changed")
    assert content_key(bars) != content_key(other) and content_key(bars) == content_key(bars)


def test_day_bounds_hold_every_bar_of_each_trading_day(bars: BarSource) -> None:
    bounds = day_bounds(bars)
    assert list(bounds.index) == trading_days(bars)
    ns = bars.bars["ts"].dt.as_unit("ns").astype("int64")
    assert bounds["min"].iloc[0] == ns.iloc[0] and bounds["max"].iloc[-1] == ns.iloc[-1]
