"""Fixtures of the report tests: one journal backtested on the real NQ sample, reports run once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.samples import SAMPLE
from transmission.cli import app
from transmission.config import load_config
from transmission.engine.feeds import from_file
from transmission.engine.runner import run_source
from transmission.journal import Journal

# 2023-11-28: three trades, and eight up to its close, so a window of 5 differs from the run.
TRADED_DAY = "2023-11-28"
WINDOW = 5


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A journal holding one default-config backtest of the real NQ sample (MNQ)."""
    if not SAMPLE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared NQ sample is missing at {SAMPLE}")
        pytest.skip(f"the shared NQ sample is not at {SAMPLE}")
    db = tmp_path_factory.mktemp("reports-journal") / "nq.duckdb"
    with Journal(db) as journal:
        run_source(journal, from_file(SAMPLE, "MNQ"), load_config())
    return db


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI in-process; returns the exit code and its output with whitespace folded."""
    result = CliRunner(env=env).invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture(scope="session")
def daily_run(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """`transmission report daily` on the traded day, run once: (out dir, exit code, output)."""
    out = tmp_path_factory.mktemp("daily-reports")
    code, output = invoke(
        "report", "daily", "--date", TRADED_DAY, "--db", str(report_db), "--out", str(out),
        "--window", str(WINDOW),
    )  # fmt: skip
    return out, code, output


@pytest.fixture(scope="session")
def weekly_run(report_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """`transmission report weekly` on the week of the traded day, run once."""
    out = tmp_path_factory.mktemp("weekly-reports")
    code, output = invoke(
        "report", "weekly", "--week", TRADED_DAY, "--db", str(report_db), "--out", str(out)
    )
    return out, code, output
