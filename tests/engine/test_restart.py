"""Killing the engine (SIGKILL) mid-replay and starting it again loses and repeats nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from transmission.config import load_config
from transmission.engine.feeds import from_file
from transmission.engine.runner import run_source
from transmission.journal import Journal, open_reader
from transmission.journal.queries import (
    TradeFilter,
    regime_changes_frame,
    risk_events_frame,
    signals_frame,
    trades_frame,
)

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent

CONFIG = """
[journal]
flush_every_bars = 20
"""

# Replays like `transmission backtest`, and SIGKILLs itself a few bars after a checkpoint that
# holds an open position: the restart must restore that position.
KILLER = """
import os, signal, sys
from transmission.config import load_config
from transmission.engine.feeds import from_file, replay
from transmission.engine.runner import EngineRun
from transmission.journal import Journal

sample, db, config_path, min_bar = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
config = load_config(config_path)
source = from_file(sample, config.symbol)
journal = Journal(db)
journal.insert_bars(source.dataset, source.symbol, source.bars)
run = EngineRun(journal, config, kind="backtest", dataset=source.dataset,
                source_identity=source.identity, params={"description": source.description})
run.start(replay(source.bars))
armed = False
for i, bar in enumerate(replay(source.bars)):
    run.on_bar(bar)
    flushed = run._since_flush == 0
    if i > min_bar and flushed and run.orchestrator.broker.position is not None:
        armed = True
        print("checkpoint with open position at bar", i, flush=True)
    if armed and run._since_flush == 7:
        os.kill(os.getpid(), signal.SIGKILL)
print("never killed", flush=True)
"""


def journal_contents(db: Path) -> dict[str, pd.DataFrame]:
    with open_reader(db) as journal:
        run_id = journal.query("SELECT run_id FROM runs")["run_id"][0]
        frames = {
            "trades": trades_frame(journal, TradeFilter(run_id=run_id)),
            "signals": signals_frame(journal, run_id),
            "regimes": regime_changes_frame(journal, run_id),
            "risk": risk_events_frame(journal, run_id),
        }
        status = journal.run_status(run_id)
    assert status == "completed"
    return frames


@pytest.mark.parametrize("min_bar", [3000, 9000])
def test_sigkilled_replay_resumes_to_the_same_journal_as_an_uninterrupted_run(
    sample_path: Path, tmp_path: Path, min_bar: int
) -> None:
    config_path = tmp_path / "engine.toml"
    config_path.write_text(CONFIG)
    killed_db = tmp_path / "killed.duckdb"
    script = tmp_path / "killer.py"
    script.write_text(textwrap.dedent(KILLER))
    first = subprocess.run(
        [
            sys.executable,
            str(script),
            str(sample_path),
            str(killed_db),
            str(config_path),
            str(min_bar),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == -signal.SIGKILL, first.stdout + first.stderr
    assert "checkpoint with open position" in first.stdout

    with Journal(killed_db) as journal:
        state = journal.query("SELECT state FROM engine_state")["state"][0]
    assert '"position": {' in state  # the checkpoint holds the open position

    resumed = subprocess.run(
        [
            str(BIN / "transmission"),
            "backtest",
            "--data",
            str(sample_path),
            "--symbol",
            "MNQ",
            "--db",
            str(killed_db),
            "--config",
            str(config_path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert resumed.returncode == 0, resumed.stderr
    assert '"resumed_from": "' in resumed.stdout

    clean_db = tmp_path / "clean.duckdb"
    with Journal(clean_db) as journal:
        run_source(journal, from_file(sample_path, "MNQ"), load_config(config_path))

    killed, clean = journal_contents(killed_db), journal_contents(clean_db)
    for name in clean:
        pd.testing.assert_frame_equal(
            killed[name].reset_index(drop=True), clean[name].reset_index(drop=True), obj=name
        )
    assert killed["trades"]["trade_id"].is_unique
    assert len(clean["trades"]) > 0
