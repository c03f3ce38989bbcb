"""The original design's client examples, run as written against `transmission serve`.

Its Python example and its JavaScript example (in Node and in a browser page) connect to
ws://localhost:8000/ws with no token (loopback, none configured) and must print regimes,
signals and risk updates; before, /ws answered 401 and `data.regime`, `data.signal` and
`data.risk` were undefined. Its three JSON examples parse in a client written from the design,
and so do the server's real answers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
from pydantic import BaseModel, ConfigDict, StrictBool, StrictFloat, StrictInt, StrictStr

from tests.api.conftest import BacktestJournal, Server
from tests.api.design_examples import METRICS_EXAMPLE, SYSTEM_STATUS_EXAMPLE, TRADE_LIST_EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
Number = StrictFloat | StrictInt


def run_in_own_network(kind: str, tmp_path: Path) -> list[str]:
    if shutil.which("unshare") is None:
        pytest.skip("no unshare: cannot give the server a port 8000 of its own")
    out = tmp_path / "out.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-m", "tests.api.design_harness", kind, str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out.read_text().splitlines()


@pytest.mark.slow
def test_the_design_python_example_prints_regimes_signals_and_risk_updates(tmp_path: Path):
    lines = run_in_own_network("python", tmp_path)
    printed = " ".join(lines)
    assert lines and all(line.startswith("Received: {") for line in lines)
    for kind in ("'connected'", "'regime_change'", "'signal'", "'risk_update'"):
        assert f"'type': {kind}" in printed, kind
    assert "'regime': 'TREND'" in printed or "'regime': 'RANGE'" in printed


@pytest.mark.slow
@pytest.mark.parametrize("where", ["node", "browser"])
def test_the_design_javascript_example_prints_regimes_signals_and_risk_updates(
    tmp_path: Path, where: str
):
    lines = run_in_own_network(where, tmp_path)
    regimes = [line for line in lines if line.startswith("Regime changed to: ")]
    signals = [line for line in lines if line.startswith("Signal generated: ")]
    risks = [line for line in lines if line.startswith("Risk update: ")]
    assert regimes and signals and risks, lines[:20]
    assert "undefined" not in " ".join(regimes + signals + risks)
    assert {r.split(": ", 1)[1] for r in regimes} <= {"TREND", "RANGE", "VOLATILE", "NO_TRADE"}


# -- a client written from the design: its fields, with the types its examples show ------------


class DesignModel(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DesignStatus(DesignModel):
    system_state: Literal["ready", "paused", "halted", "stopped", "completed", "failed"]
    current_regime: StrictStr
    active_strategy: StrictStr | None
    daily_pnl_r: Number
    weekly_pnl_r: Number
    current_r: Number
    consecutive_red_days: StrictInt
    can_trade: StrictBool
    risk_reason: StrictStr | None


class DesignTrade(DesignModel):
    trade_id: StrictInt
    timestamp_entry: StrictStr
    symbol: StrictStr
    trade_type: Literal["Long", "Short"]
    strategy_used: StrictStr
    entry_price: Number
    result_r: Number | None


class DesignTradeList(DesignModel):
    trades: list[DesignTrade]
    total: StrictInt
    limit: StrictInt
    offset: StrictInt


class DesignMetrics(DesignModel):
    window_trades: StrictInt
    profit_factor: Number | None
    expected_r: Number | None
    win_rate: Number | None
    win_rate_wilson_lb: Number | None
    total_trades: StrictInt
    total_wins: StrictInt
    total_losses: StrictInt
    avg_win_r: Number | None
    avg_loss_r: Number | None


@pytest.mark.parametrize(
    "model,example",
    [
        (DesignStatus, SYSTEM_STATUS_EXAMPLE),
        (DesignTradeList, TRADE_LIST_EXAMPLE),
        (DesignMetrics, METRICS_EXAMPLE),
    ],
)
def test_the_design_json_examples_parse_in_a_client_written_from_the_design(model, example):
    model.model_validate_json(example)


def test_the_servers_answers_parse_in_the_same_client(
    server: Server, backtest_journal: BacktestJournal
):
    run = {"run": backtest_journal.run_id}
    with server.client() as http:
        status = http.get("/api/system/status").json()
        page = http.get("/api/trades", params={**run, "limit": 20}).json()
        metrics = http.get("/api/metrics", params=run).json()
        schema = http.get("/openapi.json").json()["components"]["schemas"]
    DesignStatus.model_validate_json(json.dumps(status))
    trades = DesignTradeList.model_validate_json(json.dumps(page))
    DesignMetrics.model_validate_json(json.dumps(metrics))
    assert trades.trades and trades.trades[0].strategy_used in {
        "VWAP Pullback", "VWAP Band Reversion", "Opening Range Breakout", "EMA Cross",
    }  # fmt: skip
    assert "ready" in schema["SystemStatusResponse"]["properties"]["system_state"]["enum"]
