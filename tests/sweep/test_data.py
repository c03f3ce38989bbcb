from __future__ import annotations

from transmission.engine.feeds import BarSource
from transmission.sweep.data import content_key, day_bounds, trading_days


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
