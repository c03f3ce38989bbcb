"""transmission."""

from typing import Any

_LAZY = {"sweep": "transmission.sweep", "walk_forward": "transmission.sweep"}


def __getattr__(name: str) -> Any:
    # Imported on first use: `import transmission` stays light for the CLI and the engine.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'transmission' has no attribute {name!r}")
