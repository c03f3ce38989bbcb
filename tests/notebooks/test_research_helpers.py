"""The package side of the research notebooks: bar sources, backtests, the regime lab, plots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import transmission as tm
from transmission import plots, research
from transmission.engine.feeds import BarSource, from_simulator
from transmission.journal import Journal
from transmission.journal.queries import runs_frame
from transmission.lab import BacktestResult

LABELS = {"TREND_UP", "TREND_DOWN", "RANGE", "VOLATILE", "NO_TRADE"}


@pytest.fixture(scope="module")
def simulated() -> BarSource:
    return from_simulator(8, "MNQ", seed=3)


@pytest.fixture(scope="module")
def frame(simulated: BarSource) -> pd.DataFrame:
    return research.signal_frame(simulated.bars)


@pytest.fixture(scope="module")
def backtest(simulated: BarSource, tmp_path_factory: pytest.TempPathFactory) -> BacktestResult:
    return tm.backtest(simulated, journal=tmp_path_factory.mktemp("bt") / "bt.duckdb")


# -- sources ------------------------------------------------------------------------------------


def test_without_a_sample_the_source_is_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(research.SAMPLE_ENV, "")
    assert research.find_sample() is None
    source = research.load_source(days=2, seed=5)
    assert source.description == "simulator: 2 days, seed 5"


def test_the_sample_variable_points_at_another_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    bars = tmp_path / "bars.csv"
    bars.write_text("timestamp,open,high,low,close,volume\n2024-01-03 10:00,1,2,0.5,1.5,10\n")
    monkeypatch.setenv(research.SAMPLE_ENV, str(bars))
    assert research.find_sample() == bars
    assert len(research.load_source().bars) == 1


def test_a_missing_bar_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"bar file .*nope\.csv does not exist"):
        research.load_source(tmp_path / "nope.csv")


def test_the_simulator_needs_a_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(research.SAMPLE_ENV, "")
    with pytest.raises(ValueError, match="at least 1 day"):
        research.load_source(days=0)


# -- variants -----------------------------------------------------------------------------------


def test_variants_run_one_backtest_each_into_one_journal(
    simulated: BarSource, tmp_path: Path
) -> None:
    journal = tmp_path / "variants.duckdb"
    table = research.backtest_variants(
        simulated, {"default": {}, "slow dwell": {"regime": {"dwell_bars": 8}}}, journal
    )
    assert list(table.index) == ["default", "slow dwell"]
    assert list(table.columns) == list(research.SUMMARY_COLUMNS)
    with Journal(journal, read_only=True) as store:
        assert len(runs_frame(store)) == 2


# -- regime lab ---------------------------------------------------------------------------------


def test_signal_frame_labels_every_bar(frame: pd.DataFrame) -> None:
    assert set(frame["label"]) <= LABELS
    assert (frame.loc[frame["regime"] == "TREND", "direction"].isin(["up", "down"])).all()
    assert not frame.loc[~frame["in_rth"], "label"].ne("NO_TRADE").any(), "gated outside RTH"


def test_segments_tile_the_called_regimes_and_skip_the_gate(frame: pd.DataFrame) -> None:
    segments = research.regime_segments(frame)
    assert "NO_TRADE" not in set(segments["regime"])
    assert segments["bars"].sum() == (frame["label"] != "NO_TRADE").sum()
    dwell = research.dwell_times(segments)
    assert dwell["share_of_time"].sum() == pytest.approx(1.0)


def test_a_shorter_dwell_makes_more_segments(frame: pd.DataFrame) -> None:
    quick = research.regime_segments(research.reclassify(frame, {"dwell_bars": 1}))
    slow = research.regime_segments(research.reclassify(frame, {"dwell_bars": 6}))
    assert len(quick) > len(slow)


def test_agreement_counts_only_bars_the_classifier_calls(
    frame: pd.DataFrame, simulated: BarSource
) -> None:
    assert simulated.regimes is not None
    result = research.agreement(frame, simulated.regimes)
    assert 0.0 <= result.rate <= 1.0
    assert int(result.confusion.to_numpy().sum()) == result.bars > 0
    rates = research.agreement_by_lag(frame, simulated.regimes, [0, 30])
    assert list(rates.index) == [0, 30]


def test_threshold_sweep_reports_shares_that_add_up(
    frame: pd.DataFrame, simulated: BarSource
) -> None:
    sweep = research.threshold_sweep(frame, "trend_adx", [20.0, 30.0], simulated.regimes)
    shares = sweep.filter(like="share_").sum(axis=1)
    assert shares.to_numpy() == pytest.approx([1.0, 1.0])
    assert sweep.loc[30.0, "share_RANGE"] >= sweep.loc[20.0, "share_RANGE"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda f: research.threshold_sweep(f, "nope", [1.0]), "'nope' is not a RegimeConfig"),
        (lambda f: research.reclassify(f, {"nope": 1}), r"unknown regime thresholds \['nope'\]"),
    ],
)
def test_bad_thresholds_are_named(frame: pd.DataFrame, call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(frame)  # type: ignore[operator]


def test_a_negative_lag_is_refused(frame: pd.DataFrame, simulated: BarSource) -> None:
    with pytest.raises(ValueError, match="lag_minutes must be zero or positive"):
        research.agreement(frame, simulated.regimes, lag_minutes=-5)  # type: ignore[arg-type]


# -- plots --------------------------------------------------------------------------------------


def test_backtest_figure_has_price_equity_and_histogram(
    backtest: BacktestResult, tmp_path: Path
) -> None:
    fig = plots.backtest_figure(backtest.bars, backtest.regimes, backtest.trades, "t")
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert "Equity in R" in fig.axes[1].get_title()
    target = tmp_path / "img" / "research.png"
    plots.save_figure(fig, target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_price_figure_zooms_on_a_day_and_refuses_a_day_without_bars(
    backtest: BacktestResult,
) -> None:
    day = str(backtest.trades["trading_day"].iloc[0])
    fig = plots.price_figure(backtest.bars, backtest.regimes, backtest.trades, day=day)
    assert "trading day" in fig.axes[0].get_xlabel()
    with pytest.raises(ValueError, match="no bars on trading day 1999-01-04"):
        plots.price_figure(backtest.bars, backtest.regimes, backtest.trades, "1999-01-04")


def test_regime_day_figure_draws_the_features_and_refuses_a_day_without_rth(
    frame: pd.DataFrame, simulated: BarSource
) -> None:
    fig = plots.regime_day_figure(frame, None, simulated.regimes)
    assert len(fig.axes) == 5  # price, ADX (and its ER twin), CHOP, ATR percentile
    with pytest.raises(ValueError, match="no RTH signal bars on 2024-01-15"):
        plots.regime_day_figure(frame, "2024-01-15")  # MLK day, and past these 8 days


def test_lab_figures_draw(frame: pd.DataFrame, simulated: BarSource) -> None:
    segments = research.regime_segments(frame)
    assert plots.dwell_figure(segments).axes
    sweep = research.threshold_sweep(frame, "range_chop", [55.0, 61.8], simulated.regimes)
    assert "range_chop" in plots.sweep_figure(sweep).axes[0].get_title()
    rates = research.agreement_by_lag(frame, simulated.regimes, [0, 15, 30])
    assert "lag" in plots.lag_figure(rates).axes[0].get_title()
