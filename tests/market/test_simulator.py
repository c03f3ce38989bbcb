"""The seeded simulator: determinism, valid bars on the exchange calendar, ground-truth regimes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from transmission.features.efficiency import efficiency_ratio
from transmission.market.calendar import annotate
from transmission.market.resample import resample
from transmission.market.simulator import (
    OVERNIGHT,
    RANGE,
    REGIMES,
    RTH_REGIMES,
    TREND_DOWN,
    TREND_UP,
    VOLATILE,
    SimulatedMarket,
    regime_at,
    simulate,
)
from transmission.market.validation import validate_bars

ET = "America/New_York"


@pytest.fixture(scope="module")
def market() -> SimulatedMarket:
    return simulate(days=60, seed=11)


def test_simulate_same_seed_gives_identical_bars_and_regimes() -> None:
    first, second = simulate(days=5, seed=3), simulate(days=5, seed=3)

    pd.testing.assert_frame_equal(first.bars, second.bars)
    pd.testing.assert_frame_equal(first.regimes, second.regimes)


def test_simulate_different_seeds_give_different_markets() -> None:
    first, second = simulate(days=5, seed=3), simulate(days=5, seed=4)

    assert not np.array_equal(first.bars["close"].to_numpy(), second.bars["close"].to_numpy())
    assert not first.regimes["regime"].equals(second.regimes["regime"])


def test_simulate_bars_are_a_valid_bar_frame_on_the_tick(market: SimulatedMarket) -> None:
    bars = market.bars

    good, quarantined = validate_bars(bars)

    assert quarantined.empty and len(good) == len(bars)
    assert list(bars.columns) == ["ts", "open", "high", "low", "close", "volume"]
    assert str(bars["ts"].dtype) == f"datetime64[ns, {ET}]"
    assert isinstance(bars.index, pd.RangeIndex)
    prices = bars[["open", "high", "low", "close"]].to_numpy()
    assert np.all(prices / 0.25 == np.round(prices / 0.25))
    assert (bars["volume"] >= 1).all() and (bars["volume"] == bars["volume"].round()).all()
    assert bars["close"].between(12_000, 20_000).all()


def test_simulate_sessions_follow_the_globex_calendar() -> None:
    bars = annotate(simulate(days=12, seed=1, start="2024-01-08").bars)

    days = pd.DatetimeIndex(bars["trading_day"].unique())
    # MLK day (Jan 15) is a Globex session without RTH; weekends never trade.
    assert days[0] == pd.Timestamp("2024-01-08") and len(days) == 12
    assert (days.day_of_week < 5).all()
    local = bars["ts"].dt.tz_localize(None)
    assert not ((local.dt.hour == 17) | (local.dt.day_of_week == 5)).any()
    mlk = bars[bars["trading_day"] == pd.Timestamp("2024-01-15")]
    assert len(mlk) > 0 and not mlk["in_rth"].any()
    first = bars.groupby("trading_day")["ts"].min()
    assert (first.dt.tz_localize(None).dt.time == pd.Timestamp("18:00").time()).all()


def test_simulate_starts_at_next_trading_day_after_a_holiday() -> None:
    bars = simulate(days=1, start="2024-01-01").bars

    assert bars["ts"].iloc[0] == pd.Timestamp("2024-01-01 18:00", tz=ET)
    assert bars["ts"].iloc[-1] == pd.Timestamp("2024-01-02 16:59", tz=ET)


def test_simulate_rth_is_tiled_by_regime_segments_of_90_to_200_minutes(
    market: SimulatedMarket,
) -> None:
    regimes = market.regimes
    bars = annotate(market.bars)
    truth = regime_at(regimes, bars["ts"])

    assert set(regimes["regime"]) <= set(REGIMES)
    assert truth.notna().all()
    assert truth[bars["in_rth"]].isin(RTH_REGIMES).all()
    assert (truth[~bars["in_rth"]] == OVERNIGHT).all()
    rth_segments = regimes[regimes["regime"] != OVERNIGHT]
    minutes = (rth_segments["end"] - rth_segments["start"]).dt.total_seconds() / 60
    assert minutes.between(90, 200).all()
    assert (regimes["start"].iloc[1:].to_numpy() >= regimes["end"].iloc[:-1].to_numpy()).all()
    days = bars.groupby("trading_day")[["rth_open", "rth_close"]].first()
    rth_minutes = (days["rth_close"] - days["rth_open"]).dt.total_seconds().sum() / 60
    assert minutes.sum() == rth_minutes


def test_simulate_regimes_change_at_every_rth_segment(market: SimulatedMarket) -> None:
    regimes = market.regimes["regime"]
    rth = regimes != OVERNIGHT
    consecutive = rth & rth.shift(1, fill_value=False)

    assert not (regimes[consecutive].to_numpy() == regimes.shift(1)[consecutive].to_numpy()).any()
    share = (regimes[rth] == VOLATILE).mean()
    assert 0.08 < share < 0.25


def test_simulate_five_minute_efficiency_ratio_is_high_in_trends_low_in_ranges(
    market: SimulatedMarket,
) -> None:
    bars = resample(market.bars, 5)
    bars["er"] = efficiency_ratio(bars["close"].to_numpy(), 10)
    # Only bars whose whole 10-bar window lies in one segment.
    window_start = bars["ts"] - pd.Timedelta(minutes=50)
    bars["regime"] = regime_at(market.regimes, bars["ts"])
    same = regime_at(market.regimes, window_start) == bars["regime"]
    segment = np.searchsorted(market.regimes["start"], bars["ts"], side="right")
    same &= segment == np.searchsorted(market.regimes["start"], window_start, side="right")

    er = bars[same].groupby("regime")["er"].mean()

    assert er[TREND_UP] > 0.45 and er[TREND_DOWN] > 0.45
    assert er[RANGE] < 0.2
    assert min(er[TREND_UP], er[TREND_DOWN]) > er[RANGE] + 0.25


def test_simulate_trends_move_in_their_direction(market: SimulatedMarket) -> None:
    bars = market.bars
    regimes = market.regimes
    ts = bars["ts"].to_numpy()
    first = np.searchsorted(ts, regimes["start"].to_numpy())
    last = np.searchsorted(ts, regimes["end"].to_numpy()) - 1
    move = bars["close"].to_numpy()[last] - bars["open"].to_numpy()[first]

    assert (move[regimes["regime"] == TREND_UP] > 0).mean() > 0.9
    assert (move[regimes["regime"] == TREND_DOWN] < 0).mean() > 0.9


def test_simulate_volatile_true_range_is_about_three_times_calm_same_minute(
    market: SimulatedMarket,
) -> None:
    bars = market.bars.copy()
    previous = bars["close"].shift(1).fillna(bars["open"])
    bars["tr"] = np.maximum(bars["high"], previous) - np.minimum(bars["low"], previous)
    bars["regime"] = regime_at(market.regimes, bars["ts"])
    bars["minute"] = bars["ts"].dt.hour * 60 + bars["ts"].dt.minute
    rth = bars[bars["regime"].isin(RTH_REGIMES)]
    calm = rth[rth["regime"] != VOLATILE].groupby("minute")["tr"].mean()
    wild = rth[rth["regime"] == VOLATILE].groupby("minute")["tr"].mean()

    ratio = (wild / calm).dropna().median()

    assert 2.5 <= ratio <= 3.3


def test_simulate_volume_is_u_shaped_in_rth_and_thin_overnight(market: SimulatedMarket) -> None:
    bars = market.bars
    local = bars["ts"].dt.tz_localize(None)
    minute = local.dt.hour * 60 + local.dt.minute
    median = bars.groupby(minute)["volume"].median()

    opening, midday, closing = median.loc[570:584], median.loc[720:779], median.loc[945:959]
    assert opening.mean() > 2 * midday.mean() and closing.mean() > 1.3 * midday.mean()
    assert median.loc[60:179].mean() < midday.mean() / 5


def test_regime_at_outside_every_segment_is_missing(market: SimulatedMarket) -> None:
    ts = pd.Series(
        [pd.Timestamp("2023-01-01 12:00", tz=ET), market.regimes["start"].iloc[1], pd.NaT],
        index=[5, 6, 7],
    )

    truth = regime_at(market.regimes, ts)

    assert truth.index.tolist() == [5, 6, 7]
    assert pd.isna(truth.loc[5]) and pd.isna(truth.loc[7])
    assert truth.loc[6] == market.regimes["regime"].iloc[1]


def test_simulate_micro_and_es_contracts_use_their_level() -> None:
    es = simulate("MES", days=2).bars

    assert 4_000 < es["close"].mean() < 5_500


def test_simulate_250_days_covers_a_year_of_sessions() -> None:
    market = simulate(days=250)

    assert len(market.bars) > 300_000
    assert market.bars["ts"].is_monotonic_increasing
