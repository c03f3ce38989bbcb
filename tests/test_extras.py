"""A command whose extra is not installed says which extra, and the pip command, in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from transmission.extras import MissingExtraError, missing_modules, require_extra

# A site hook that makes the given top-level packages unimportable, as in a core-only install.
BLOCKER = """
import importlib.abc, os, sys
BLOCKED = set(os.environ["BLOCKED_MODULES"].split(","))
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, Blocker())
"""


def _without(modules: str, *args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / "sitecustomize.py").write_text(BLOCKER)
    pythonpath = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    env = {**os.environ, "PYTHONPATH": pythonpath, "BLOCKED_MODULES": modules, "COLUMNS": "40"}
    code = "import sys; from transmission.cli import app; sys.argv[0] = 'transmission'; app()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_every_extra_is_installed_in_the_dev_environment() -> None:
    for extra in ("api", "lab", "monitor", "reports", "dask"):
        assert missing_modules(extra) == []
        require_extra(extra, "anything")


def test_an_unknown_extra_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        missing_modules("nope")


def test_missing_extra_error_is_an_import_error() -> None:
    assert issubclass(MissingExtraError, ImportError)


@pytest.mark.parametrize(
    ("blocked", "args", "extra"),
    [
        ("fastapi,uvicorn", ["serve", "--feed", "none"], "api"),
        ("papermill", ["report", "daily"], "reports"),
        ("voila", ["monitor"], "monitor"),
    ],
)
def test_a_command_without_its_extra_names_the_extra_and_the_pip_command(
    blocked: str, args: list[str], extra: str, tmp_path: Path
) -> None:
    result = _without(blocked, *args, "--db", str(tmp_path / "j.duckdb"), tmp_path=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"needs the [{extra}] extra" in lines[0]
    assert f"pip install 'transmission[{extra}]'" in lines[0]
