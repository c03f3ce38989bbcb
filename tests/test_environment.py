"""The conda environment and pyproject declare the same dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    return {d.replace(" ", "") for d in deps}


def _environment_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    return {d.replace(" ", "") for d in pip}


def test_environment_yml_lists_exactly_the_pyproject_dependencies() -> None:
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_pins_python_311() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_lock_file_pins_every_declared_dependency() -> None:
    locked = {
        line.split("==")[0].lower()
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in _pyproject_requirements():
        name = requirement.split(">")[0].split("<")[0].split("=")[0].split("[")[0].lower()
        assert name in locked, f"{name} is declared but not in requirements.lock"
