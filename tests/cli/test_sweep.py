"""`transmission sweep` and `transmission walkforward` in real subprocesses, on a real scheduler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sweep.conftest import EMA_CROSS_CONFIG, ROOT, scheduler  # noqa: F401 (a fixture)

BIN = Path(sys.executable).parent / "transmission"
ENV = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT)}
GRID = f"""
strategy = "ema_cross"
config = "{EMA_CROSS_CONFIG}"
seed = 1
[grid]
ema_fast = [10, 20]
stop_atr = [1.5, 3.0]
[walkforward]
train_days = 1
test_days = 1
"""


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=600, env=ENV)


def test_a_grid_parameter_typo_exits_2_naming_the_allowed_parameters(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text('strategy = "ema_cross"\n[grid]\nstop_at = [1.5]\n')
    result = cli(
        "sweep", "--grid", str(grid), "--simulate", "2", "--db", str(tmp_path / "j.duckdb")
    )
    assert result.returncode == 2
    assert "no parameter 'stop_at'" in result.stderr and "stop_atr" in result.stderr


def test_a_grid_file_without_a_grid_table_exits_2(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text('strategy = "ema_cross"\n')
    result = cli(
        "sweep", "--grid", str(grid), "--simulate", "2", "--db", str(tmp_path / "j.duckdb")
    )
    assert result.returncode == 2 and "'grid' table" in result.stderr


@pytest.mark.slow
def test_sweep_and_walkforward_print_rows_and_statistics_and_write_csv(
    tmp_path: Path,
    scheduler: tuple[str, Path],  # noqa: F811
) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text(GRID)
    db, rows = str(tmp_path / "j.duckdb"), tmp_path / "rows.csv"
    common = ("--grid", str(grid), "--simulate", "2", "--db", db, "--scheduler", scheduler[0])
    result = cli("sweep", *common, "--out", str(rows))
    assert result.returncode == 0, result.stderr
    assert "4 points" in result.stdout and "deflated" in result.stdout and "PBO" in result.stdout
    assert rows.read_text().count("\n") == 5  # a header and four rows
    walk = cli("walkforward", *common, "--json")
    assert walk.returncode == 0, walk.stderr
    report = json.loads(walk.stdout)
    assert len(report["windows"]) == 1 and {"is_mean", "oos_mean"} <= set(report["degradation"])
