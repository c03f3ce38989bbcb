"""The research API in a fresh, real kernel, as a user works in a notebook: a strategy class
with a custom feature defined in a cell, a backtest of the NQ sample, the class cell run again
(unchanged, then edited), and backtests again with no error and new results."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.samples import ROOT, require_sample

FEATURE_CELL = """
import numpy as np
import pandas as pd
import transmission as tm

def channel_batch(bars, n):
    return pd.DataFrame({"dc_high": bars["high"].rolling(n).max().shift(1),
                         "dc_low": bars["low"].rolling(n).min().shift(1)})

class ChannelLive:
    def __init__(self, n):
        self.highs, self.lows, self.n = [], [], n
    def update(self, bar):
        ready = len(self.highs) == self.n
        value = {"dc_high": max(self.highs) if ready else np.nan,
                 "dc_low": min(self.lows) if ready else np.nan}
        self.highs = (self.highs + [bar.high])[-self.n:]
        self.lows = (self.lows + [bar.low])[-self.n:]
        return value

channel = tm.feature("channel", batch=channel_batch, incremental=ChannelLive, n=20)
"""

CLASS_CELL = """
class Breakout(tm.Strategy):
    features = (channel,)
    stop_atr = 1.5
    target_r = {target_r}

    def on_bar(self, bar, f):
        if not (f.warm and bar.in_rth) or np.isnan(f.dc_high):
            return None
        risk = self.stop_atr * f.atr
        if bar.close > f.dc_high:
            return self.long(bar.close, bar.close - risk, bar.close + self.target_r * risk,
                             order_type="market")
        if bar.close < f.dc_low:
            return self.short(bar.close, bar.close + risk, bar.close - self.target_r * risk,
                              order_type="market")
        return None
"""

RUN_CELL = """
result = tm.backtest({sample!r}, Breakout, journal={journal!r})
runs.append(result)
print(json.dumps({{"run_id": result.run_id, "trades": len(result.trades),
                  "total_r": float(result.metrics["total_r"]),
                  "strategies": sorted(set(result.trades["strategy_used"]))}}))
"""


def _stdout(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("name") == "stdout")


@pytest.mark.slow
def test_a_class_cell_run_again_replaces_the_strategy_and_the_backtest_runs_again(
    tmp_path: Path,
) -> None:
    sample = str(require_sample())
    journal = str(tmp_path / "research.duckdb")
    run = RUN_CELL.format(sample=sample, journal=journal)
    cells = [
        "import json\nruns = []\n" + FEATURE_CELL,
        CLASS_CELL.format(target_r=2.0),
        run,
        CLASS_CELL.format(target_r=2.0),  # the same cell again: no "registered twice"
        run,
        CLASS_CELL.format(target_r=1.0),  # edited and run again: the new class is used
        run,
        "print(json.dumps([r.metrics['total_trades'] for r in runs]))",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(ROOT)}},
    )
    os.environ.setdefault("PYTHONPATH", str(ROOT))
    client.execute()  # raises on any cell's error

    first, same, edited = (json.loads(_stdout(notebook.cells[i])) for i in (2, 4, 6))
    assert first["trades"] > 0 and first["strategies"] == ["Breakout"]
    # The same class again: the same results (a repeated run may get its own run number).
    assert {k: v for k, v in same.items() if k != "run_id"} == {
        k: v for k, v in first.items() if k != "run_id"
    }
    assert same["run_id"].startswith(first["run_id"])
    assert edited["run_id"] != first["run_id"]
    assert edited["total_r"] != first["total_r"], "the edited class's results, not the old one's"
