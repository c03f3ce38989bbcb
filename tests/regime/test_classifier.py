"""Regime rules in order, the dwell, hysteresis and the safety gate."""

from __future__ import annotations

from types import SimpleNamespace

from transmission.regime import RegimeClassifier, RegimeConfig, classify_bar

NAN = float("nan")
CFG = RegimeConfig()


def feats(**values: float) -> SimpleNamespace:
    base = dict(
        atr_pct=50.0,
        adx=22.0,
        er=0.25,
        chop=50.0,
        plus_di=20.0,
        minus_di=20.0,
        vwap=100.0,
        warm=True,
    )
    base.update(values)
    return SimpleNamespace(**base)


TREND_UP = feats(adx=30, er=0.4, plus_di=30, minus_di=10)
RANGE = feats(adx=15, chop=65)
VOLATILE = feats(atr_pct=95)
NEUTRAL = feats()


def test_volatile_wins_over_trend_when_atr_percentile_is_high() -> None:
    f = feats(atr_pct=92, adx=30, er=0.4, plus_di=30, minus_di=10)
    assert classify_bar(f, 101.0, CFG)[0] == "VOLATILE"  # type: ignore[index]


def test_trend_direction_needs_di_and_close_vs_vwap_to_agree() -> None:
    assert classify_bar(TREND_UP, 101.0, CFG)[:2] == ("TREND", "up")  # type: ignore[index]
    assert classify_bar(TREND_UP, 99.0, CFG) is None  # +DI up but close under VWAP
    down = feats(adx=30, er=0.4, plus_di=10, minus_di=30)
    assert classify_bar(down, 99.0, CFG)[:2] == ("TREND", "down")  # type: ignore[index]


def test_range_needs_low_adx_and_high_chop_or_low_er() -> None:
    assert classify_bar(RANGE, 100.0, CFG)[0] == "RANGE"  # type: ignore[index]
    assert classify_bar(feats(adx=15, chop=50, er=0.1), 100.0, CFG)[0] == "RANGE"  # type: ignore[index]
    assert classify_bar(feats(adx=15, chop=50, er=0.25), 100.0, CFG) is None


def test_nan_atr_percentile_skips_the_volatile_test_without_blocking() -> None:
    assert classify_bar(feats(atr_pct=NAN, adx=15, chop=65), 100.0, CFG)[0] == "RANGE"  # type: ignore[index]


def run(
    classifier: RegimeClassifier,
    bars: list[SimpleNamespace],
    close: float = 101.0,
    in_window: bool = True,
) -> list[str]:
    out = []
    for f in bars:
        classifier.update(f, close, in_window=in_window, stale=False)
        out.append(classifier.regime)
    return out


def test_candidate_becomes_active_after_three_consecutive_bars() -> None:
    seen = run(RegimeClassifier(), [TREND_UP, TREND_UP, TREND_UP, TREND_UP])
    assert seen == ["NO_TRADE", "NO_TRADE", "TREND", "TREND"]


def test_interrupted_candidate_starts_counting_again() -> None:
    seen = run(RegimeClassifier(), [RANGE, RANGE, NEUTRAL, RANGE, RANGE, RANGE])
    assert seen == ["NO_TRADE"] * 5 + ["RANGE"]


def test_no_rule_matching_keeps_the_current_regime() -> None:
    seen = run(RegimeClassifier(), [RANGE] * 3 + [NEUTRAL] * 5)
    assert seen[-1] == "RANGE"


def test_gate_forces_no_trade_at_once_and_reopens_on_the_held_regime() -> None:
    classifier = RegimeClassifier()
    run(classifier, [RANGE] * 3)
    assert classifier.regime == "RANGE"
    transition = classifier.update(RANGE, 100.0, in_window=False, stale=False)
    assert transition is not None and transition.regime == "NO_TRADE"
    assert "outside trading window" in transition.reason
    transition = classifier.update(RANGE, 100.0, in_window=True, stale=False)
    assert transition is not None and transition.regime == "RANGE"


def test_stale_feed_and_warm_up_give_no_trade() -> None:
    classifier = RegimeClassifier()
    run(classifier, [RANGE] * 3)
    assert classifier.update(RANGE, 100.0, in_window=True, stale=True).reason == "stale feed"  # type: ignore[union-attr]
    cold = RegimeClassifier()
    assert run(cold, [feats(warm=False, adx=15, chop=65)] * 4) == ["NO_TRADE"] * 4


def test_trading_window_is_five_minutes_after_open_to_fifteen_before_close() -> None:
    classifier = RegimeClassifier()
    minute = 60_000_000_000
    open_, close = 0, 390 * minute
    assert not classifier.in_window(4 * minute, open_, close)
    assert classifier.in_window(5 * minute, open_, close)
    assert classifier.in_window(375 * minute, open_, close)
    assert not classifier.in_window(376 * minute, open_, close)
    assert not classifier.in_window(100 * minute, 0, 0)  # no RTH that day
