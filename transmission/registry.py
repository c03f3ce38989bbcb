"""Registries of plug-ins by name (strategies, risk rules), as a notebook can use them.

Registering the same class again (same module and qualified name, as a re-run notebook cell
does) replaces the old one; a different class under a taken name is a clear error. Installed
packages add theirs through entry points (papermill's `register_entry_points` is the model):

    [project.entry-points."transmission.strategies"]
    my_breakout = "my_package.breakout:MyBreakout"
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def qualified_name(obj: object) -> str:
    """`module.QualName` of a class or function: what identifies it across re-definitions."""
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


class Registry(Generic[T]):
    """Named plug-ins of one `kind`, plus those of the entry-point `group`, loaded on demand."""

    def __init__(self, kind: str, group: str) -> None:
        self.kind = kind
        self.group = group
        self._items: dict[str, T] = {}
        self._entry_points_loaded = False

    def add(self, name: str, item: T) -> None:
        existing = self._items.get(name)
        if existing is not None and qualified_name(existing) != qualified_name(item):
            raise ValueError(
                f"{self.kind} name {name!r} is taken by {qualified_name(existing)}; "
                f"{qualified_name(item)} needs another name (or unregister the first)"
            )
        self._items[name] = item

    def remove(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str) -> T | None:
        if name not in self._items:
            self.load_entry_points()
        return self._items.get(name)

    def names(self) -> list[str]:
        self.load_entry_points()
        return sorted(self._items)

    def load_entry_points(self) -> None:
        """Register what installed packages declare under `group` (once per process)."""
        if self._entry_points_loaded:
            return
        self._entry_points_loaded = True
        for point in entry_points(group=self.group):
            try:
                item = point.load()
            except Exception as exc:  # one broken package must not hide the others
                log.warning("%s entry point %r failed to load: %s", self.group, point.name, exc)
                continue
            if point.name not in self._items:
                self.add(point.name, item)
