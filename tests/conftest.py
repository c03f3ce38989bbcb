"""Fixtures shared across the suite: the real NQ sample and a journal backtested on it once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.samples import ROOT, SAMPLE, require_sample
from transmission.config import load_config
from transmission.engine.feeds import from_file
from transmission.engine.runner import RunSummary, run_source
from transmission.journal import Journal

__all__ = ["ROOT", "SAMPLE", "require_sample"]


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The suite keeps its derived data (calendar schedules) in a folder of its own, never the
    user's cache; set in the environment, so the servers and kernels it starts use it too."""
    before = os.environ.get("TRANSMISSION_CACHE_DIR")
    os.environ["TRANSMISSION_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("TRANSMISSION_CACHE_DIR", None)
    else:
        os.environ["TRANSMISSION_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def sample_path() -> Path:
    return require_sample()


@pytest.fixture(scope="session")
def nq_backtest(
    sample_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, RunSummary]]:
    """A journal holding one default-config backtest of the real sample (MNQ), built once."""
    db = tmp_path_factory.mktemp("nq") / "nq.duckdb"
    with Journal(db) as journal:
        summary = run_source(journal, from_file(sample_path, "MNQ"), load_config())
    yield db, summary


@pytest.fixture
def locked_journal(tmp_path: Path) -> Iterator[Path]:
    """A journal file held open for writing by another process, as a running serve would."""
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('held', flush=True); "
         "sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield path
    holder.communicate("", timeout=30)
