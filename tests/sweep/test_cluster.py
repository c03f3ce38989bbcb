"""Sweeps on real Dask clusters: a LocalCluster of processes, and a scheduler and workers
started as subprocesses; a worker killed mid-sweep; a driver killed and the sweep resumed."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import transmission as tm
from tests.sweep.conftest import GRID, cell_strategy, child_env, start_worker, wait_for_workers
from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource
from transmission.journal import Journal
from transmission.sweep import sweep, walk_forward
from transmission.sweep.point import run_point
from transmission.sweep.spec import SweepSpec

pytestmark = pytest.mark.slow


def _count_rows(db: Path, sweep_id: str) -> int:
    with Journal(db) as journal:
        frame = journal.query(
            "SELECT count(*) AS n FROM sweep_results WHERE sweep_id = ?", [sweep_id]
        )
    return int(frame["n"].iloc[0])


def test_sweep_on_a_local_cluster_journals_every_point_and_is_not_recomputed(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, local_client: Any
) -> None:
    db = tmp_path / "j.duckdb"
    kwargs = {"config": ema_config, "client": local_client, "journal": db, "progress": False}
    result = sweep(bars, "ema_cross", GRID, **kwargs)
    assert len(result) == 4 and result.recomputed == 4
    assert _count_rows(db, result.sweep_id) == 4
    assert set(result.best_params) == {"ema_fast", "stop_atr"}
    stats = result.overfitting()
    assert 0 <= stats["dsr"] <= 1 and stats["trials"] == 4
    figure = result.heatmap("ema_fast", "stop_atr")
    assert figure.data[0].z.shape == (2, 2)
    assert "deflated Sharpe" in result._repr_html_()
    # Four points, two feature configurations, two workers: features computed at most once a
    # configuration a worker (one a configuration when each group stays on its worker).
    assert 2 <= result.frame["features_computed"].sum() <= 4
    again = sweep(bars, "ema_cross", GRID, **kwargs)
    assert again.recomputed == 0
    assert again.frame.drop(columns=["elapsed_s", "features_computed"]).equals(
        result.frame.drop(columns=["elapsed_s", "features_computed"])
    )


def test_a_notebook_cell_strategy_with_its_own_feature_sweeps_on_a_local_cluster_as_it_backtests(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, local_client: Any
) -> None:
    strategy = cell_strategy()  # defined in `__main__`: the workers get it from the pickle
    result = sweep(bars, strategy, {"target_r": [1.5, 3.0]}, config=ema_config,
                   client=local_client, journal=tmp_path / "j.duckdb", progress=False)  # fmt: skip
    assert len(result) == 2 and result.frame["trades"].gt(0).all()
    alone = tm.backtest(bars, strategy, config=ema_config, journal=tmp_path / "b.duckdb",
                        target_r=3.0)  # fmt: skip
    row = result.frame.set_index("target_r").loc[3.0]
    assert row["trades"] == alone.metrics["total_trades"]
    assert row["total_r"] == pytest.approx(alone.metrics["total_r"])
    assert row["expected_r"] == pytest.approx(alone.metrics["all_expected_r"])
    # Changed in its cell, the strategy is a new sweep: not read back as finished.
    changed = sweep(bars, cell_strategy(target_r=2.5), {"target_r": [1.5, 3.0]},
                    config=ema_config, client=local_client, journal=tmp_path / "j.duckdb",
                    progress=False)  # fmt: skip
    assert changed.recomputed == 2 and changed.sweep_id != result.sweep_id


def test_walk_forward_stitches_the_out_of_sample_trades_of_every_window(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, local_client: Any
) -> None:
    result = walk_forward(
        bars, "ema_cross", {"stop_atr": [1.5, 3.0]}, train_days=1, test_days=1,
        config=ema_config, client=local_client, journal=tmp_path / "j.duckdb", progress=False,
    )  # fmt: skip
    assert len(result.windows) == 2
    assert list(result.stability.columns) == ["test_start", "stop_atr"]
    assert (
        result.metrics.total_trades == result.windows["oos_trades"].sum() == len(result.oos_trades)
    )
    assert result.metrics.total_r == pytest.approx(result.windows["oos_total_r"].sum())
    assert result.oos_trades["timestamp_exit"].is_monotonic_increasing
    assert set(result.degradation) == {"is_mean", "oos_mean", "difference", "efficiency"}


def test_the_same_sweep_runs_on_a_scheduler_address_with_the_rows_of_a_run_here(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, scheduler: tuple[str, Path]
) -> None:
    address, _ = scheduler
    grid = {"stop_atr": [1.5, 3.0]}
    remote = sweep(bars, "ema_cross", grid, config=ema_config, client=address,
                   journal=tmp_path / "remote.duckdb", progress=False)  # fmt: skip
    spec = SweepSpec.build(ema_config, "ema_cross")
    varying = ["elapsed_s", "features_computed"]
    for (_, row), stop in zip(remote.frame.iterrows(), grid["stop_atr"], strict=True):
        here = run_point(bars, spec, {"stop_atr": stop})
        assert row["trades"] == here["trades"] and row["total_r"] == pytest.approx(here["total_r"])
        assert {k: row[k] for k in here if k in row and k not in varying} == pytest.approx(
            {k: here[k] for k in here if k in row and k not in varying}, nan_ok=True
        )


def test_a_worker_killed_mid_sweep_costs_only_its_points(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, scheduler: tuple[str, Path]
) -> None:
    address, scheduler_file = scheduler
    doomed = start_worker(scheduler_file, "doomed")
    try:
        wait_for_workers(address, 2)

        def kill_on_first(done: int, total: int) -> None:
            if done == 1 and doomed.poll() is None:
                doomed.kill()

        grid = {"ema_fast": [8, 12], "stop_atr": [1.5, 2.5]}
        result = sweep(bars, "ema_cross", grid, config=ema_config, client=address,
                       journal=tmp_path / "j.duckdb", progress=kill_on_first)  # fmt: skip
    finally:
        if doomed.poll() is None:
            doomed.kill()
        doomed.wait(timeout=30)
    assert doomed.returncode is not None and doomed.returncode < 0  # it was killed
    assert len(result) == 4 and result.frame["trades"].notna().all()


DRIVER = textwrap.dedent(
    """
    import sys
    from transmission.config import load_config
    from transmission.engine.feeds import from_simulator
    from transmission.sweep import sweep
    from tests.sweep.conftest import EMA_CROSS_CONFIG
    from dataclasses import replace

    address, db = sys.argv[1], sys.argv[2]
    bars = replace(from_simulator(3, "MNQ", seed=5), regimes=None)
    grid = {"ema_fast": [8, 12, 16], "stop_atr": [1.5, 2.5]}
    report = lambda done, total: print(done, flush=True)
    sweep(bars, "ema_cross", grid, config=load_config(EMA_CROSS_CONFIG), client=address,
          journal=db, progress=report)
    """
)


def test_a_sweep_whose_driver_is_killed_resumes_without_redoing_finished_points(
    tmp_path: Path, bars: BarSource, ema_config: EngineConfig, scheduler: tuple[str, Path]
) -> None:
    address, _ = scheduler
    db = tmp_path / "j.duckdb"
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, address, str(db)],
        env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert driver.stdout is not None
    try:
        for line in driver.stdout:
            if int(line) >= 2:  # each point is journalled before it is reported
                driver.kill()
                break
    finally:
        driver.kill()
        driver.wait(timeout=30)
    grid = {"ema_fast": [8, 12, 16], "stop_atr": [1.5, 2.5]}
    resumed = sweep(bars, "ema_cross", grid, config=ema_config, client=address, journal=db,
                    progress=False)  # fmt: skip
    assert len(resumed) == 6
    assert 0 < resumed.recomputed <= 4  # at least the two reported points were not rerun
    assert _count_rows(db, resumed.sweep_id) == 6
