"""The plug-in registry: entry points of installed packages are found by group and name."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from transmission.registry import Registry


def test_an_entry_point_of_an_installed_package_registers_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real installed distribution: a module and its dist-info with entry_points.txt.
    (tmp_path / "plugin_strategies.py").write_text("class Plugged:\n    name = 'plugged'\n")
    info = tmp_path / "plugin_strategies-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-strategies\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[transmission.test_plugins]\nplugged = plugin_strategies:Plugged\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    registry: Registry[type] = Registry("strategy", "transmission.test_plugins")
    assert registry.names() == ["plugged"]
    plugged = registry.get("plugged")
    assert plugged is not None and plugged.__name__ == "Plugged"
    sys.modules.pop("plugin_strategies", None)


def test_registering_the_same_qualified_name_again_replaces_and_another_is_refused() -> None:
    registry: Registry[object] = Registry("thing", "transmission.none")

    def make() -> type:
        class Thing:
            pass

        return Thing

    first, second = make(), make()
    registry.add("thing", first)
    registry.add("thing", second)
    assert registry.get("thing") is second

    class Other:
        pass

    with pytest.raises(ValueError, match="'thing' is taken by"):
        registry.add("thing", Other)
