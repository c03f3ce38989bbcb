"""Strategies found by name: `create("vwap_pullback", tick=0.25, **params)`.

`register_strategy` may be repeated with the same class (a re-run notebook cell replaces it);
installed packages add strategies through the `transmission.strategies` entry points.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from transmission.registry import Registry
from transmission.strategies.base import Strategy

_REGISTRY: Registry[Any] = Registry("strategy", "transmission.strategies")
T = TypeVar("T")


def _add(name: str, cls: Any) -> None:
    if not isinstance(cls, Strategy):  # the class itself has a `name` and an `on_bar`
        raise TypeError(
            f"strategy {name!r}: {cls!r} does not follow the Strategy contract "
            "(a `name` and an `on_bar(bar, features)` method)"
        )
    _REGISTRY.add(name, cls)


def register(name: str) -> Callable[[T], T]:
    """Class decorator: register a strategy under `name`."""

    def decorator(cls: T) -> T:
        _add(name, cls)
        return cls

    return decorator


@overload
def register_strategy(cls_or_name: str) -> Callable[[T], T]: ...
@overload
def register_strategy(cls_or_name: T) -> T: ...
def register_strategy(cls_or_name: Any) -> Any:
    """Register a strategy class: `@register_strategy` (under its `name`) or
    `@register_strategy("name")`. Registering the same class again replaces it."""
    if isinstance(cls_or_name, str):
        return register(cls_or_name)
    _add(getattr(cls_or_name, "name", ""), cls_or_name)
    return cls_or_name


def unregister_strategy(name: str) -> None:
    _REGISTRY.remove(name)


def available() -> list[str]:
    return _REGISTRY.names()


def create(name: str, *, tick: float, **params: Any) -> Strategy:
    """A new strategy instance; a clear error for an unknown name or parameter."""
    factory = _REGISTRY.get(name)
    if factory is None:
        known = ", ".join(available())
        raise ValueError(f"unknown strategy {name!r}: available are {known}")
    try:
        return factory(tick=tick, **params)
    except TypeError as exc:
        raise ValueError(f"bad parameters for strategy {name!r}: {exc}") from None
