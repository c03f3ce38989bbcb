"""The signal preview (`services.preview`, behind POST /api/signals/generate) replays strategies
as the engine does, on a real journal without a server.

At the close of every signal bar where the backtest's engine produced a signal, a fresh strategy
replayed over the journalled bars up to that moment must produce the same signal.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from tests.services.conftest import Backtested
from transmission.config import load_config
from transmission.engine.runner import RunSummary
from transmission.journal import Journal
from transmission.journal.queries import bars_frame, run_info, signals_frame
from transmission.services import Services, last_bar_signal


@pytest.fixture(scope="module")
def journal(backtested: Backtested) -> Iterator[Journal]:
    with Journal(backtested.path, read_only=True) as opened:
        yield opened


@pytest.fixture(scope="module")
def run_id(backtested: Backtested) -> str:
    return backtested.run_id


def test_preview_reproduces_every_signal_the_engine_made_on_the_real_sample(
    nq_backtest: tuple[Path, RunSummary],
):
    with Journal(nq_backtest[0], read_only=True) as journal:
        _assert_reproduces_every_signal(journal, nq_backtest[1].run_id)


def test_preview_reproduces_every_signal_the_engine_made_on_simulated_bars(
    journal: Journal, run_id: str
):
    _assert_reproduces_every_signal(journal, run_id)


def _assert_reproduces_every_signal(journal: Journal, run_id: str) -> None:
    config = load_config()
    info = run_info(journal, run_id)
    bars = bars_frame(journal, info["dataset"], info["symbol"])
    signals = signals_frame(journal, run_id)
    assert len(signals) > 0
    for row in signals.itertuples():
        # The bars the engine had seen when it closed that signal bar (the bar that closed it
        # may open the next one, which the preview leaves open, as the engine does).
        seen = bars[bars["ts"] <= row.ts]
        signal, bar_end = last_bar_signal(seen, config, row.strategy)
        assert signal is not None, f"no {row.strategy} signal at {row.ts}"
        assert pd.Timestamp(bar_end, unit="ns", tz="UTC") == row.ts
        assert signal.side_name == row.side and signal.reason == row.reason
        assert abs(signal.entry - row.entry_price) <= 0.25
        assert abs(signal.stop - row.stop_price) <= 0.25


def test_preview_of_a_journal_run_names_its_regime_and_places_no_order(
    journal: Journal, run_id: str
):
    trades_before = journal.query("SELECT count(*) AS n FROM trades")["n"].iloc[0]
    preview = Services(journal).preview.signal("vwap_band_reversion")
    assert preview.run_id == run_id and preview.source == "journal"
    assert preview.strategy == "vwap_band_reversion"
    assert preview.decision in {"accepted", "vetoed", "shadow", "no_signal"}
    assert journal.query("SELECT count(*) AS n FROM trades")["n"].iloc[0] == trades_before


def test_preview_of_an_unknown_strategy_is_a_value_error(journal: Journal):
    with pytest.raises(ValueError, match="unknown strategy 'nope'"):
        Services(journal).preview.signal("nope")


def test_preview_without_a_run_is_a_lookup_error(tmp_path):
    with Journal(tmp_path / "empty.duckdb") as empty, pytest.raises(LookupError, match="no run"):
        Services(empty).preview.signal()
