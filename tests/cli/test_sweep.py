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
    common = ("--grid", str(grid), "--simulate", "3", "--db", db, "--scheduler", scheduler[0])
    result = cli("sweep", *common, "--json", "--out", str(rows))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["points"] == 4 and len(report["top"]) == 4
    assert {"dsr", "pbo", "expected_r_low", "expected_r_high"} <= set(report["overfitting"])
    assert rows.read_text().count("\n") == 5  # a header and four rows
    again = cli("sweep", *common)
    assert again.returncode == 0 and "overfitting" in again.stdout and "deflated" in again.stdout
    walk = cli("walkforward", *common, "--json")
    assert walk.returncode == 0, walk.stderr
    assert len(json.loads(walk.stdout)["windows"]) == 2
