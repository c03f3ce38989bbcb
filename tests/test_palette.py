"""The one regime palette: labels and colours that the plots, widgets and reports share."""

from __future__ import annotations

import pytest

from transmission.palette import REGIME_COLOURS, regime_colour, regime_label


@pytest.mark.parametrize(
    ("regime", "direction", "label"),
    [("TREND", "up", "TREND_UP"), ("TREND", "down", "TREND_DOWN"), ("TREND", None, "TREND"),
     ("RANGE", None, "RANGE"), ("VOLATILE", "up", "VOLATILE")],
)  # fmt: skip
def test_a_regime_s_label_carries_the_direction_of_a_trend_only(regime, direction, label):
    assert regime_label(regime, direction) == label
    assert regime_colour(regime, direction) == REGIME_COLOURS[label]


def test_an_unknown_regime_is_drawn_in_no_trade_grey():
    assert regime_colour("SIDEWAYS") == REGIME_COLOURS["NO_TRADE"]
