"""The conda environment, pyproject, the two locks and the extras helper declare the same things."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from transmission.extras import EXTRA_MODULES

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
EXTRAS: dict[str, list[str]] = PROJECT["optional-dependencies"]
FRONT_ENDS = {"lab", "monitor", "reports", "api", "dask"}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (`uvicorn[standard]>=0.54` -> uvicorn)."""
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _own(requirements: list[str]) -> list[str]:
    """Requirements without the self-references (`transmission[lab,...]`) an extra may hold."""
    return [r for r in requirements if _name(r) != "transmission"]


def _pyproject_requirements() -> set[str]:
    deps = list(PROJECT["dependencies"])
    for extra in EXTRAS.values():
        deps += _own(extra)
    return {d.replace(" ", "") for d in deps}


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _environment_requirements() -> set[str]:
    pip = next(item["pip"] for item in _environment()["dependencies"] if isinstance(item, dict))
    return {d.replace(" ", "") for d in pip}


def _locked(lock: str) -> dict[str, str]:
    """{name: version} pinned by a lock file (universal: one pin per name)."""
    pins = {}
    for line in (ROOT / lock).read_text().splitlines():
        if "==" in line and not line.lstrip().startswith("#"):
            name, version = line.split(";")[0].strip().split("==")
            pins[_name(name)] = version
    return pins


def test_environment_yml_lists_exactly_the_pyproject_dependencies_with_every_extra() -> None:
    assert _environment_requirements() == _pyproject_requirements()


def test_environment_yml_and_pyproject_allow_the_same_pythons() -> None:
    assert "python>=3.11,<3.14" in _environment()["dependencies"]
    assert PROJECT["requires-python"] == ">=3.11,<3.14"


def test_the_front_end_extras_exist_and_dev_holds_all_of_them() -> None:
    assert set(EXTRAS) == FRONT_ENDS | {"dev"}
    (self_reference,) = [r for r in EXTRAS["dev"] if _name(r) == "transmission"]
    assert set(self_reference.split("[")[1].rstrip("]").split(",")) == FRONT_ENDS


def test_each_extra_the_helper_checks_is_declared_with_its_packages() -> None:
    module_to_dist = {"fastapi_offline": "fastapi-offline"}
    assert set(EXTRA_MODULES) == FRONT_ENDS
    for extra, modules in EXTRA_MODULES.items():
        declared = {_name(r) for r in EXTRAS[extra]}
        for module in modules:
            assert module_to_dist.get(module, module) in declared, f"{module} not in [{extra}]"


def test_dev_lock_pins_every_declared_dependency() -> None:
    locked = _locked("requirements.lock")
    for requirement in _pyproject_requirements():
        assert _name(requirement) in locked, f"{requirement} is declared but not locked"


def test_runtime_lock_pins_the_core_alone_at_the_dev_lock_versions() -> None:
    runtime, dev = _locked("requirements-run.lock"), _locked("requirements.lock")
    for requirement in PROJECT["dependencies"]:
        assert _name(requirement) in runtime, f"{requirement} is a core dependency, not locked"
    for front_end in ("jupyterlab", "fastapi", "papermill", "voila", "scipy", "dask", "pytest"):
        assert front_end not in runtime, f"{front_end} belongs to an extra, not the runtime lock"
    assert {name: dev[name] for name in runtime} == runtime
