"""Small data for sweeps (the simulator), a LocalCluster of processes, and a `dask scheduler`
with `dask worker`s started as subprocesses on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from transmission.config import EngineConfig, load_config
from transmission.engine.feeds import BarSource, from_simulator

ROOT = Path(__file__).resolve().parents[2]
DASK = Path(sys.executable).with_name("dask")
EMA_CROSS_CONFIG = ROOT / "benchmarks" / "configs" / "ema_cross.toml"
# Four points, two feature configurations (ema_fast), two stop distances.
GRID = {"ema_fast": [10, 20], "stop_atr": [1.5, 3.0]}

# A notebook cell: a user feature and a strategy reading it. Run as `__main__` code, its
# classes and functions are what cloudpickle ships to Dask's workers by value.
CELL = """
import numpy as np
import pandas as pd
import transmission as tm


def donchian_batch(bars, n):
    return pd.DataFrame({
        "dc_high": bars["high"].rolling(n).max().shift(1),
        "dc_low": bars["low"].rolling(n).min().shift(1),
    })


class DonchianLive:
    def __init__(self, n):
        self.highs, self.lows, self.n = [], [], n

    def update(self, bar):
        ready = len(self.highs) == self.n
        value = {"dc_high": max(self.highs) if ready else np.nan,
                 "dc_low": min(self.lows) if ready else np.nan}
        self.highs = (self.highs + [bar.high])[-self.n:]
        self.lows = (self.lows + [bar.low])[-self.n:]
        return value


donchian = tm.feature("donchian", batch=donchian_batch, incremental=DonchianLive, n=12)


class CellBreakout(tm.Strategy):
    features = (donchian,)
    stop_atr = 1.5
    target_r = TARGET_R

    def on_bar(self, bar, f):
        if not (f.warm and bar.in_rth) or np.isnan(f.dc_high):
            return None
        risk = self.stop_atr * f.atr
        if bar.close > f.dc_high:
            return self.long(bar.close, bar.close - risk, bar.close + self.target_r * risk,
                             "breakout", order_type="market")
        if bar.close < f.dc_low:
            return self.short(bar.close, bar.close + risk, bar.close - self.target_r * risk,
                              "breakdown", order_type="market")
        return None
"""


def cell_strategy(target_r: float = 2.0) -> type:
    """The strategy class of `CELL`, defined as a notebook cell defines it (in `__main__`)."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    exec(CELL.replace("TARGET_R", repr(target_r)), namespace)
    strategy: type = namespace["CellBreakout"]
    return strategy


@pytest.fixture(scope="session")
def bars() -> BarSource:
    """Three simulated trading days of 1-minute bars."""
    source = from_simulator(3, "MNQ", seed=5)
    return replace(source, regimes=None)


@pytest.fixture(scope="session")
def ema_config() -> EngineConfig:
    return load_config(EMA_CROSS_CONFIG)


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def local_client() -> Iterator[Any]:
    """One LocalCluster of two single-threaded worker processes, shared by a module's tests."""
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def start_worker(scheduler_file: Path, name: str) -> subprocess.Popen[bytes]:
    """A `dask worker` with no nanny: killing this process kills the worker."""
    return subprocess.Popen(
        [str(DASK), "worker", "--scheduler-file", str(scheduler_file), "--no-nanny",
         "--nthreads", "1", "--name", name, "--host", "127.0.0.1", "--dashboard-address", ":0"],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def wait_for_workers(address: str, count: int, timeout: float = 60) -> None:
    from distributed import Client

    with Client(address, timeout="20s") as client:
        client.wait_for_workers(count, timeout=timeout)


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(address, scheduler file) of a `dask scheduler` subprocess with one `dask worker`."""
    folder = tmp_path_factory.mktemp("dask")
    scheduler_file = folder / "scheduler.json"
    process = subprocess.Popen(
        [str(DASK), "scheduler", "--scheduler-file", str(scheduler_file), "--host",
         "127.0.0.1", "--port", "0", "--dashboard-address", ":0"],
        env=child_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the dask scheduler did not start")
            time.sleep(0.2)
        time.sleep(0.3)  # the file is written whole, but let its writer finish
        address = json.loads(scheduler_file.read_text())["address"]
        worker = start_worker(scheduler_file, "base")
        wait_for_workers(address, 1)
        yield address, scheduler_file
    finally:
        from transmission.sweep.cluster import close_clients

        close_clients()  # before the scheduler goes: no client left trying to reconnect
        for child in (worker, process):
            if child is not None:
                child.terminate()
                child.wait(timeout=30)
