"""What a run was run on, as one id that cannot go stale (DESIGN.md section 12).

A run's id is a hash of: its kind, the full content of its bars (every timestamp and price, not a
summary), the resolved config, the transmission version and its engine's source files, and the
source code of every strategy, feature and rule it used, classes defined in a notebook cell
included (IPython keeps their cells where `inspect` finds them; failing that, the bytes of their
code objects stand in). Editing a
strategy or correcting one bar's high gives a new run, never the old result as "completed".
"""

from __future__ import annotations

import hashlib
import inspect
import json
import pkgutil
from collections.abc import Iterable
from functools import cache
from importlib import import_module, metadata
from pathlib import Path
from types import CodeType, FunctionType, ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from transmission.config import EngineConfig

DIGEST_BYTES = 16
RUN_ID_CHARS = 12
# Packages whose modules are features or regime rules: every run computes all of them.
FEATURE_PACKAGES = ("transmission.features", "transmission.regime")
# The front ends: they show runs and do not change what a run journals.
FRONT_ENDS = ("api", "cli", "reports", "widgets")


def _hasher() -> Any:
    # blake2b: in the standard library and faster than sha256 on long buffers (~1 GB/s).
    return hashlib.blake2b(digest_size=DIGEST_BYTES)


def bars_digest(bars: pd.DataFrame) -> str:
    """A hash of every bar's time and OHLCV (the whole arrays, not a summary of them)."""
    from transmission.market.calendar import epoch_ns

    h = _hasher()
    h.update(len(bars).to_bytes(8, "little"))
    if len(bars):
        h.update(np.ascontiguousarray(epoch_ns(bars["ts"]), dtype="<i8").tobytes())
    for column in ("open", "high", "low", "close", "volume"):
        h.update(np.ascontiguousarray(bars[column].to_numpy(), dtype="<f8").tobytes())
    return str(h.hexdigest())


def transmission_version() -> str:
    try:
        return metadata.version("transmission")
    except metadata.PackageNotFoundError:
        return "unknown"


@cache
def package_digest() -> str:
    """A hash of the engine's own source files (every module but the front ends'): a change to
    the orchestrator, the broker or a rule between two releases is a new run too."""
    root = Path(__file__).resolve().parent
    h = _hasher()
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in FRONT_ENDS:
            continue
        h.update(str(relative).encode())
        h.update(path.read_bytes())
    return str(h.hexdigest())


def source_of(obj: Any) -> str:
    """The source text of a class, function or module; the code objects' bytes when it has none.

    A class defined in a notebook cell cannot be found by `inspect.getsource` before Python 3.13
    (its module, `__main__`, has no file), but its methods can: their code objects name the cell,
    whose text IPython keeps in `linecache`. So a class without a source file is its methods'
    sources, and a method without any source (a lost cell, `exec`) its bytecode and constants,
    which still change when the code does.
    """
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        pass
    if not isinstance(obj, type):
        code = _code_of(obj)
        return _code_bytes(code) if code is not None else repr(obj)
    parts = [obj.__qualname__, *(f"base:{base.__qualname__}" for base in obj.__bases__)]
    for name, member in sorted(vars(obj).items()):
        code = _code_of(member)
        if code is None:
            continue
        try:
            parts.append(inspect.getsource(code))
        except (OSError, TypeError):
            parts.append(f"{name}:{_code_bytes(code)}")
    return "\n".join(parts)


def _code_of(member: Any) -> CodeType | None:
    member = getattr(member, "__func__", member)  # classmethod, staticmethod
    return member.__code__ if isinstance(member, FunctionType) else None


def _code_bytes(code: CodeType) -> str:
    consts = [_code_bytes(c) if isinstance(c, CodeType) else repr(c) for c in code.co_consts]
    return f"{code.co_code.hex()}|{consts}|{code.co_names}"


def code_digest(objects: Iterable[Any]) -> str:
    """A hash of the source of each object, in a stable order (by qualified name)."""
    h = _hasher()
    texts = sorted(
        (f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', obj)}", source_of(obj))
        for obj in objects
    )
    for name, text in texts:
        h.update(name.encode())
        h.update(text.encode())
    return str(h.hexdigest())


@cache
def _package_modules(package: str) -> tuple[ModuleType, ...]:
    root = import_module(package)
    names = sorted(info.name for info in pkgutil.walk_packages(root.__path__, f"{package}."))
    return (root, *(import_module(name) for name in names))


def components(config: EngineConfig, extra: Iterable[Any] = ()) -> dict[str, Any]:
    """Every strategy, rule and feature (module) a run with `config` uses, by name."""
    from transmission.risk.rules.base import _RULES
    from transmission.strategies.registry import _REGISTRY

    used: dict[str, Any] = {}
    for name in config.strategy_names():
        used[f"strategy:{name}"] = _REGISTRY.get(name)
    for name in config.risk_config().rules:
        used[f"rule:{name}"] = _RULES.get(name)
    for package in FEATURE_PACKAGES:
        for module in _package_modules(package):
            used[f"module:{module.__name__}"] = module
    for obj in extra:
        used[f"extra:{getattr(obj, '__qualname__', repr(obj))}"] = obj
    return used


def run_manifest(
    kind: str, source_identity: str, config: EngineConfig, extra: Iterable[Any] = ()
) -> dict[str, Any]:
    """What a run is run on: kind, bars (their digest), config, version and code digests."""
    return {
        "kind": kind,
        "bars": source_identity,
        "config": config.model_dump(mode="json", exclude={"journal"}),
        "version": transmission_version(),
        "package": package_digest(),
        "code": {name: code_digest([obj]) for name, obj in components(config, extra).items()},
    }


def run_id(kind: str, source_identity: str, config: EngineConfig, extra: Iterable[Any] = ()) -> str:
    """`<kind>-<12 hex>`: the hash of the run's manifest."""
    return run_id_of(run_manifest(kind, source_identity, config, extra))


def run_id_of(manifest: dict[str, Any]) -> str:
    """The run id of a manifest `run_manifest` made (made once when a run needs both)."""
    kind = manifest["kind"]
    text = json.dumps(manifest, sort_keys=True)
    h = _hasher()
    h.update(text.encode())
    return f"{kind}-{h.hexdigest()[:RUN_ID_CHARS]}"
