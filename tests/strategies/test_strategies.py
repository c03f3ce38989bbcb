"""Each strategy's entry rules from DESIGN.md section 6, on hand-made bars."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from transmission.strategies import LONG, SHORT, BarView, available, create

TICK = 0.25
NAN = float("nan")


def bar(
    close: float,
    high: float | None = None,
    low: float | None = None,
    minute: int = 11 * 60,
    in_rth: bool = True,
) -> BarView:
    high = close + 1 if high is None else high
    low = close - 1 if low is None else low
    return BarView(0, 0, close, high, low, close, 100.0, in_rth, minute)


def feats(vwap: float, sigma: float = 2.0, atr: float = 4.0, **extra: float) -> SimpleNamespace:
    return SimpleNamespace(vwap=vwap, vwap_sigma=sigma, atr=atr, **extra)


def test_registry_finds_every_strategy_by_name() -> None:
    assert {"vwap_pullback", "vwap_band_reversion", "opening_range_breakout", "ema_cross"} <= set(
        available()
    )
    with pytest.raises(ValueError, match="unknown strategy"):
        create("nope", tick=TICK)
    with pytest.raises(ValueError, match="bad parameters"):
        create("vwap_pullback", tick=TICK, no_such_param=1)


def test_vwap_pullback_long_after_six_closes_above_rising_vwap() -> None:
    s = create("vwap_pullback", tick=TICK)
    for i in range(6):
        assert s.on_bar(bar(110.0 + i), feats(100.0 + i * 0.5)) is None
    setup = bar(104.0, high=105.0, low=103.0)
    signal = s.on_bar(setup, feats(103.0))
    assert signal is not None and signal.side == LONG and signal.order_type == "stop"
    assert signal.entry == 105.0 + TICK
    assert signal.stop == min(103.0, 103.0 - 0.5 * 4.0) - TICK
    assert signal.target == pytest.approx(signal.entry + 2 * (signal.entry - signal.stop))
    assert signal.valid_bars == 2


def test_vwap_pullback_skips_a_stop_wider_than_two_atr() -> None:
    s = create("vwap_pullback", tick=TICK)
    for i in range(6):
        s.on_bar(bar(110.0 + i), feats(100.0 + i * 0.5))
    assert s.on_bar(bar(104.0, high=112.0, low=103.0), feats(103.0)) is None


def test_vwap_pullback_needs_six_bars_beyond_vwap() -> None:
    s = create("vwap_pullback", tick=TICK)
    for i in range(5):
        s.on_bar(bar(110.0 + i), feats(100.0 + i * 0.5))
    assert s.on_bar(bar(104.0, high=105.0, low=103.0), feats(102.6)) is None


def test_vwap_pullback_short_mirrors_the_long() -> None:
    s = create("vwap_pullback", tick=TICK)
    for i in range(6):
        s.on_bar(bar(90.0 - i), feats(100.0 - i * 0.5))
    signal = s.on_bar(bar(96.0, high=97.0, low=95.0), feats(97.0))
    assert signal is not None and signal.side == SHORT and signal.entry == 95.0 - TICK


def test_band_reversion_long_on_first_close_back_inside_minus_two_sigma() -> None:
    s = create("vwap_band_reversion", tick=TICK)
    assert s.on_bar(bar(95.0, low=94.0), feats(100.0)) is None  # close under -2 sigma (96)
    signal = s.on_bar(bar(96.5, low=95.5), feats(100.0))
    assert signal is not None and signal.side == LONG and signal.order_type == "market"
    assert signal.stop == min(94.0, 100.0 - 3 * 2.0) - TICK
    assert signal.target == 100.0 and signal.max_hold_minutes == 60


def test_band_reversion_skips_when_reward_is_under_one_r() -> None:
    s = create("vwap_band_reversion", tick=TICK)
    s.on_bar(bar(95.0, low=80.0), feats(100.0))
    assert s.on_bar(bar(96.5, low=95.5), feats(100.0)) is None


def test_band_reversion_only_signals_between_ten_and_half_past_three() -> None:
    s = create("vwap_band_reversion", tick=TICK)
    s.on_bar(bar(95.0, low=94.0, minute=9 * 60 + 50), feats(100.0))
    assert s.on_bar(bar(96.5, low=95.5, minute=9 * 60 + 55), feats(100.0)) is None


def test_opening_range_breakout_once_per_side_a_day() -> None:
    s = create("opening_range_breakout", tick=TICK)
    f = feats(100.0, or30_high=105.0, or30_low=95.0)
    first = s.on_bar(bar(106.0), f)
    assert first is not None and first.side == LONG
    assert first.stop == max(100.0, 106.0 - 2 * 4.0) - TICK
    assert s.on_bar(bar(107.0), f) is None
    short = s.on_bar(bar(94.0), f)
    assert short is not None and short.side == SHORT


def test_ema_cross_signals_on_the_cross_only() -> None:
    s = create("ema_cross", tick=TICK)
    assert s.on_bar(bar(100.0), SimpleNamespace(ema_fast=99.0, ema_slow=100.0, atr=2.0)) is None
    signal = s.on_bar(bar(100.0), SimpleNamespace(ema_fast=101.0, ema_slow=100.0, atr=2.0))
    assert signal is not None and signal.side == LONG
    assert signal.stop == 96.0 and signal.target == 106.0
    assert s.on_bar(bar(100.0), SimpleNamespace(ema_fast=102.0, ema_slow=100.0, atr=2.0)) is None
