"""ATR, +DI/-DI, ADX and EMA equal TA-Lib's, from TA-Lib's first defined bar on."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from transmission.features import compute_features
from transmission.features.ema import ema
from transmission.features.wilder import atr, directional


def assert_matches_talib(ours: np.ndarray, reference: np.ndarray) -> None:
    defined = np.flatnonzero(~np.isnan(reference))
    assert len(defined) > 0
    first = defined[0]
    assert np.isnan(ours[:first]).all()
    np.testing.assert_allclose(ours[first:], reference[first:], rtol=1e-9, atol=1e-9)


HLC = ("high", "low", "close")


@pytest.mark.parametrize("bar_minutes", [5, 1])
@pytest.mark.parametrize(
    ("column", "reference", "inputs", "period"),
    [
        ("atr", talib.ATR, HLC, 14),
        ("plus_di", talib.PLUS_DI, HLC, 14),
        ("minus_di", talib.MINUS_DI, HLC, 14),
        ("adx", talib.ADX, HLC, 14),
        ("ema_fast", talib.EMA, ("close",), 20),
        ("ema_slow", talib.EMA, ("close",), 50),
    ],
)
def test_feature_on_real_sample_equals_talib(
    column, reference, inputs, period, bar_minutes, nq_one_minute, nq_five_minute
):
    bars = nq_five_minute if bar_minutes == 5 else nq_one_minute
    features = compute_features(bars, bar_minutes=bar_minutes)
    expected = reference(*(bars[c].to_numpy(float) for c in inputs), period)
    assert_matches_talib(features[column].to_numpy(), expected)


@settings(max_examples=100, deadline=None)
@given(
    moves=st.lists(st.integers(-3, 3), min_size=2, max_size=80),
    spread=st.integers(0, 2),
    period=st.integers(2, 6),
)
def test_wilder_and_ema_on_tick_walks_with_flat_stretches_equal_talib(moves, spread, period):
    close = 100.0 + 0.25 * np.cumsum(moves)
    high = close + 0.25 * spread
    low = close - 0.25 * spread
    # Flat stretches make the smoothed range ~0, where TA-Lib reports DI as 0 and holds ADX.
    reference_atr = talib.ATR(high, low, close, period)
    if not np.isnan(reference_atr).all():
        assert_matches_talib(atr(high, low, close, period), reference_atr)
    plus_di, minus_di, adx = directional(high, low, close, period)
    for ours, reference in (
        (plus_di, talib.PLUS_DI(high, low, close, period)),
        (minus_di, talib.MINUS_DI(high, low, close, period)),
        (adx, talib.ADX(high, low, close, period)),
        (ema(close, period), talib.EMA(close, period)),
    ):
        if np.isnan(reference).all():
            assert np.isnan(ours).all()
        else:
            assert_matches_talib(ours, reference)
