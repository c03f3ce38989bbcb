"""`tm.backtest` as a notebook user calls it: data in every form, strategies in every form."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import transmission as tm
from tests.lab import user_code
from transmission.engine.feeds import BarSource
from transmission.features.custom import FeatureParityError
from transmission.journal import Journal
from transmission.journal.queries import runs_frame
from transmission.journal.store import JournalBusyError
from transmission.lab import StrategySpec, engine_config, resolve, run_backtest

TRADE_FIELDS = {
    "trade_id", "timestamp_entry", "timestamp_exit", "symbol", "trade_type", "strategy_used",
    "regime", "entry_price", "exit_price", "stop_price", "target_price", "contracts",
    "result_r", "pnl_usd", "exit_reason",
}  # fmt: skip


@pytest.fixture(scope="module")
def bars() -> BarSource:
    return tm.simulate(6, 3)


@pytest.fixture(scope="module")
def result(bars: BarSource, tmp_path_factory: pytest.TempPathFactory) -> Any:
    journal = tmp_path_factory.mktemp("lab") / "research.duckdb"
    return tm.backtest(bars, user_code.Breakout, journal=journal, stop_atr=2.0)


def test_import_transmission_loads_no_engine() -> None:
    import subprocess
    import sys

    code = "import sys, transmission; print('transmission.engine' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_user_strategy_with_a_user_feature_trades_and_is_journalled(result: Any) -> None:
    assert len(result.trades) > 0
    assert set(result.trades.columns) >= TRADE_FIELDS
    assert set(result.trades["strategy_used"]) == {"Breakout"}
    assert result.metrics["total_trades"] == len(result.trades)
    assert result.journal_path is not None
    with Journal(result.journal_path, read_only=True) as journal:
        assert result.run_id in set(runs_frame(journal)["run_id"])


def test_equity_is_by_exit_time_in_r_and_dollars(result: Any) -> None:
    equity = result.equity
    assert list(equity.columns) == ["equity_r", "drawdown_r", "equity_usd"]
    assert equity.index.is_monotonic_increasing
    assert equity["equity_r"].iloc[-1] == pytest.approx(result.trades["result_r"].sum())
    assert equity["equity_usd"].iloc[-1] == pytest.approx(result.trades["pnl_usd"].sum())


def test_the_html_summary_has_the_headline_and_the_blocked_periods(result: Any) -> None:
    page = result._repr_html_()
    assert result.run_id in page and "total R" in page and "result.plot()" in page
    assert "blocked" in page


def test_a_dataframe_with_a_datetime_index_is_data(bars: BarSource, tmp_path: Path) -> None:
    frame = bars.bars.set_index(bars.bars["ts"].dt.tz_localize(None)).drop(columns="ts")
    from_frame = tm.backtest(frame, user_code.Breakout, journal=tmp_path / "j.duckdb")
    from_source = tm.backtest(bars, user_code.Breakout, journal=tmp_path / "j.duckdb")
    pd.testing.assert_series_equal(from_frame.trades["result_r"], from_source.trades["result_r"])


def test_start_and_end_cut_the_data(bars: BarSource, tmp_path: Path) -> None:
    first = bars.bars["ts"].iloc[0]
    cut = tm.backtest(bars, "ema_cross", start=first + pd.Timedelta(days=2), journal=tmp_path / "j")
    assert cut.bars["ts"].iloc[0] >= first + pd.Timedelta(days=2)


def test_a_gearbox_mapping_mixes_user_and_built_in_strategies(
    bars: BarSource, tmp_path: Path
) -> None:
    gearbox = {"TREND": user_code.Breakout, "RANGE": "vwap_band_reversion", "VOLATILE": None}
    result = tm.backtest(bars, gearbox, journal=tmp_path / "j.duckdb", Breakout={"stop_atr": 2})
    assert set(result.trades["strategy_used"]) <= {"Breakout", "vwap_band_reversion"}
    assert result.spec.params == {"Breakout": {"stop_atr": 2}}


def test_an_instance_is_a_strategy(bars: BarSource, tmp_path: Path) -> None:
    result = tm.backtest(bars, user_code.Breakout(stop_atr=2.0), journal=tmp_path / "j.duckdb")
    assert len(result.trades) > 0


def test_a_parameter_typo_lists_the_allowed_names(bars: BarSource) -> None:
    with pytest.raises(TypeError, match=r"no parameter 'stop_atx' \(did you mean 'stop_atr'\?\)"):
        tm.backtest(bars, user_code.Breakout, stop_atx=2.0)
    with pytest.raises(TypeError, match="its parameters are: stop_atr, target_r"):
        tm.backtest(bars, user_code.Breakout, size=2)


def test_an_unknown_strategy_name_is_refused_with_the_registered_ones(bars: BarSource) -> None:
    with pytest.raises(
        ValueError, match=r"unknown strategy 'ema_crosss' \(did you mean 'ema_cross'"
    ):
        tm.backtest(bars, "ema_crosss")


def test_defining_a_strategy_again_replaces_the_first(bars: BarSource, tmp_path: Path) -> None:
    journal = tmp_path / "j.duckdb"
    first = tm.backtest(bars, user_code.Breakout, journal=journal)

    class Breakout(user_code.Breakout):  # the cell run again, with an edit
        target_r = 1.0

    again = tm.backtest(bars, Breakout, journal=journal)
    assert again.run_id != first.run_id, "the strategy's source is part of the run's identity"
    assert not again.trades["result_r"].equals(first.trades["result_r"])


def test_an_error_in_user_code_is_shown_at_the_users_frame(bars: BarSource) -> None:
    with pytest.raises(AttributeError) as caught:
        tm.backtest(bars, user_code.Faulty, journal=":memory:")
    frames = traceback.extract_tb(caught.value.__traceback__)
    files = [Path(frame.filename) for frame in frames]
    assert files[-1].name == "user_code.py" and frames[-1].name == "on_bar"
    assert not any("transmission/engine" in str(f) for f in files), "no engine frames"
    assert "raised in strategy 'Faulty'" in "".join(caught.value.__notes__)


def test_a_feature_whose_forms_disagree_is_refused_by_the_engine(bars: BarSource) -> None:
    class Drifting(user_code.Breakout):
        features = (user_code.drifting,)

    with pytest.raises(FeatureParityError, match=r"first at signal bar 29 \(.* ET\)"):
        tm.backtest(bars, Drifting, journal=":memory:")


def test_run_backtest_writes_no_file(bars: BarSource, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    spec = resolve(user_code.Breakout, {}, {})
    assert isinstance(spec, StrategySpec)
    spec.install(5)
    result = run_backtest(bars, spec, engine_config(None, spec))
    assert result.journal_path is None and len(result.trades) > 0
    assert list(tmp_path.iterdir()) == []


def test_a_journal_held_by_another_process_says_to_pass_another(
    bars: BarSource, locked_journal: Path
) -> None:
    with pytest.raises(JournalBusyError, match="pass journal= another file"):
        tm.backtest(bars, "ema_cross", journal=locked_journal)


def test_a_registered_class_given_itself_runs_as_by_its_name(bars: BarSource) -> None:
    from transmission.strategies.ema_cross import EmaCross

    by_class = tm.backtest(bars, EmaCross, journal=":memory:")
    by_name = tm.backtest(bars, "ema_cross", journal=":memory:")
    assert by_class.spec.user == {} and by_class.run_id == by_name.run_id
