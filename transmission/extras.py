"""The optional extras (`pip install 'transmission[api]'`) and the error naming a missing one.

The core install (`make run`) backtests, ingests and journals; each front end is an extra. A
command that needs one calls `require_extra` first, so a missing package reads as one line naming
the extra and the install command, not as an ImportError from deep inside.
"""

from __future__ import annotations

import importlib.util

# The modules that stand for each extra (pyproject.toml lists its packages; tests check both agree).
EXTRA_MODULES: dict[str, tuple[str, ...]] = {
    "api": ("fastapi", "uvicorn", "websockets", "fastapi_offline"),
    "lab": ("jupyterlab", "ipywidgets", "ipykernel", "matplotlib", "plotly", "anywidget"),
    "monitor": (
        "voila",
        "ipywidgets",
        "ipykernel",
        "matplotlib",
        "plotly",
        "anywidget",
        "httpx",
        "fastapi",
        "uvicorn",
        "psutil",
    ),
    "reports": ("papermill", "nbconvert", "ipykernel", "matplotlib", "apscheduler"),
    "dask": ("dask", "distributed"),
}


class MissingExtraError(ImportError):
    """A feature needs an optional extra that is not installed."""


def missing_modules(extra: str) -> list[str]:
    """The modules of `extra` that cannot be imported here."""
    return [name for name in EXTRA_MODULES[extra] if not _importable(name)]


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken or half-removed install counts as missing
        return False


def require_extra(extra: str, feature: str) -> None:
    """Raise MissingExtraError, one line naming the extra and the pip command, if it is absent."""
    missing = missing_modules(extra)
    if missing:
        raise MissingExtraError(
            f"{feature} needs the [{extra}] extra ({', '.join(missing)} not installed): "
            f"pip install 'transmission[{extra}]'"
        )
