"""Strategy registration as a notebook uses it: repeatable by qualified name, open to packages."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

import transmission as tm
from transmission.strategies import available, create, unregister_strategy


def define_cell() -> type:
    """What a notebook cell does each time it runs: define the class anew and register it."""

    @tm.register_strategy
    class Breakout:
        name: ClassVar[str] = "notebook_breakout"

        def __init__(self, *, tick: float, lookback: int = 3) -> None:
            self.lookback = lookback

        def on_bar(self, bar: tm.BarView, f: Any) -> tm.Signal | None:
            return None

    return Breakout


def test_a_strategy_class_defined_twice_registers_without_error_and_the_second_wins() -> None:
    try:
        first, second = define_cell(), define_cell()
        assert first is not second
        assert "notebook_breakout" in available()
        assert isinstance(create("notebook_breakout", tick=0.25), second)
    finally:
        unregister_strategy("notebook_breakout")


def test_another_class_under_a_taken_strategy_name_is_a_clear_error() -> None:
    class Impostor:
        name: ClassVar[str] = "ema_cross"

        def on_bar(self, bar: Any, f: Any) -> None:
            return None

    with pytest.raises(ValueError, match=r"'ema_cross' is taken by transmission\.strategies"):
        tm.register_strategy(Impostor)
    assert create("ema_cross", tick=0.25).__class__.__name__ == "EmaCross"


def test_a_class_without_on_bar_is_refused_as_a_strategy() -> None:
    class NoBar:
        name: ClassVar[str] = "no_bar"

    with pytest.raises(TypeError, match="Strategy contract"):
        tm.register_strategy(NoBar)


def test_the_public_names_are_on_the_package() -> None:
    for name in ("Strategy", "Signal", "BarView", "register_strategy", "Rule", "Decision"):
        assert getattr(tm, name) is not None
    assert tm.register_rule.__name__ == "register_rule"
