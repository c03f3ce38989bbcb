"""Strategies found by name: `create("vwap_pullback", tick=0.25, **params)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from transmission.strategies.base import Strategy

_REGISTRY: dict[str, Callable[..., Strategy]] = {}
T = TypeVar("T")


def register(name: str) -> Callable[[T], T]:
    def decorator(cls: T) -> T:
        if name in _REGISTRY:
            raise ValueError(f"strategy {name!r} is registered twice")
        _REGISTRY[name] = cls  # type: ignore[assignment]
        return cls

    return decorator


def available() -> list[str]:
    return sorted(_REGISTRY)


def create(name: str, *, tick: float, **params: Any) -> Strategy:
    """A new strategy instance; a clear error for an unknown name or parameter."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(available())
        raise ValueError(f"unknown strategy {name!r}: available are {known}") from None
    try:
        return factory(tick=tick, **params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for strategy {name!r}: {exc}") from None
