"""The classifier finds the simulator's known regimes well above chance."""

from __future__ import annotations

import pytest

from transmission.market.simulator import simulate
from transmission.regime.agreement import RegimeAgreement, regime_agreement


@pytest.fixture(scope="module")
def agreement_60_days() -> RegimeAgreement:
    market = simulate(days=60, seed=7)
    return regime_agreement(market.bars, market.regimes, min_age_minutes=60)


def test_agreement_an_hour_into_a_segment_holds_its_floor(
    agreement_60_days: RegimeAgreement,
) -> None:
    # Four labels make chance 25%; measured 0.63 on this seed (0.63-0.68 across seeds 1, 7, 11,
    # 23). The floor leaves room for deliberate tuning, not for a broken classifier.
    assert agreement_60_days.agreement >= 0.55
    assert agreement_60_days.bars > 1000


def test_agreement_rises_with_the_age_of_the_segment(agreement_60_days: RegimeAgreement) -> None:
    by_age = agreement_60_days.by_age
    assert by_age[90] > by_age[30] > by_age[0] - 0.02


def test_trend_direction_is_rarely_reversed_late_in_a_segment(
    agreement_60_days: RegimeAgreement,
) -> None:
    confusion = agreement_60_days.confusion
    up_as_down = confusion.loc["TREND_UP"].get("TREND_DOWN", 0)
    assert up_as_down / confusion.loc["TREND_UP"].sum() < 0.15
