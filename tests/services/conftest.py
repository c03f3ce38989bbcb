"""A real journal for the facade's tests: one backtest of 6 simulated days, built once.

The simulator (not the shared sample) so that these tests run wherever the suite runs; the
preview's reproduction test reads the real sample through the suite's `nq_backtest`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from transmission.config import load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.runner import run_source
from transmission.journal import Journal


@dataclass(frozen=True)
class Backtested:
    path: Path
    run_id: str
    trades: int


@pytest.fixture(scope="session")
def backtested(tmp_path_factory: pytest.TempPathFactory) -> Backtested:
    path = tmp_path_factory.mktemp("services") / "services.duckdb"
    with Journal(path) as journal:
        summary = run_source(journal, from_simulator(6, "MNQ", seed=11), load_config())
        trades = int(journal.query("SELECT count(*) AS n FROM trades")["n"].iloc[0])
    assert trades > 0, "the simulated backtest made no trade: pick another seed"
    return Backtested(path, summary.run_id, trades)
