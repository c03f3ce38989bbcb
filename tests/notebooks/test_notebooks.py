"""Every top-level notebook runs top to bottom under `pytest --nbval-lax` in a real kernel.

nbval runs in a subprocess (it collects .ipynb files, which this suite's `testpaths` does not),
with the sanitize file for what varies between runs. The research notebook runs a second time
as a fresh clone would: with no shared NQ sample, on the simulator.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
SANITIZE = NOTEBOOKS / "nbval_sanitize.cfg"
NAMES = [
    "00_quickstart.ipynb",
    "01_research_backtest.ipynb",
    "02_regime_lab.ipynb",
    "03_live_monitor.ipynb",
    "04_optimization.ipynb",
]
# The quickstart shows how to write a strategy and a feature: its cells define them.
AUTHORING = {"00_quickstart.ipynb"}


def nbval(notebook: Path, journal: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Backtests journal to a file of the test's, not to the user's ~/.transmission.
    env = {"TRANSMISSION_RESEARCH_JOURNAL": str(journal), **env}
    command = [
        sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-sanitize-with", str(SANITIZE),
        "-p", "no:cacheprovider", "-q", "--no-header", str(notebook),
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=900,
    )


def cells(name: str) -> list[dict[str, object]]:
    notebook = json.loads((NOTEBOOKS / name).read_text())
    found: list[dict[str, object]] = notebook["cells"]
    return found


def test_every_top_level_notebook_is_in_the_run_list() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_has_one_parameters_cell_first_among_code_cells(name: str) -> None:
    code = [c for c in cells(name) if c["cell_type"] == "code"]
    tagged = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]  # type: ignore[attr-defined]
    assert len(tagged) == 1 and code[0] is tagged[0]


@pytest.mark.parametrize("name", sorted(set(NAMES) - AUTHORING))
def test_notebook_defines_no_functions_or_classes(name: str) -> None:
    """Logic a notebook needs belongs in the package: cells import and show."""
    for cell in cells(name):
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code":
            assert "def " not in str(source) and "class " not in str(source), source


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name: str) -> None:
    for cell in cells(name):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom_under_nbval(name: str, tmp_path: Path) -> None:
    result = nbval(NOTEBOOKS / name, tmp_path / "research.duckdb")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert " passed" in result.stdout


@pytest.mark.slow
def test_research_notebook_runs_on_the_simulator_without_the_shared_sample(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "research.duckdb"
    result = nbval(NOTEBOOKS / "01_research_backtest.ipynb", journal, TRANSMISSION_SAMPLE="")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
