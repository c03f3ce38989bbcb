"""The gearbox: which strategy drives in which regime, and its replay answers as bar by bar."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from transmission import BarView, Signal, register_strategy
from transmission.engine.gearbox import Gearbox
from transmission.features import BatchFeatures
from transmission.strategies import unregister_strategy


def test_the_gearbox_names_the_strategy_of_each_regime_and_none_for_standing_aside() -> None:
    gearbox = Gearbox({"TREND": "ema_cross", "VOLATILE": None}, {}, 0.25)
    assert gearbox.strategy_for("TREND") == "ema_cross"
    assert gearbox.strategy_for("VOLATILE") is None
    assert gearbox.strategy_for("RANGE") is None
    assert list(gearbox.strategies) == ["ema_cross"]


def test_reads_are_known_only_when_every_strategy_names_its_columns() -> None:
    assert Gearbox({"TREND": "ema_cross"}, {}, 0.25).reads() == {"ema_fast", "ema_slow", "atr"}
    mixed = Gearbox(
        {"TREND": "ema_cross", "RANGE": "scripted"}, {"scripted": {"signals": []}}, 0.25
    )
    assert mixed.reads() is None
    assert mixed.replays_bar_by_bar  # scripted has no signals_over
    assert not Gearbox({"TREND": "ema_cross"}, {}, 0.25).replays_bar_by_bar


def test_a_prepared_gearbox_gives_the_signals_of_a_bar_by_bar_one_and_seeks() -> None:
    class EveryThird:
        name: ClassVar[str] = "every_third"

        def __init__(self, *, tick: float) -> None:
            self.seen = 0

        def on_bar(self, bar: BarView, f: Any) -> Signal | None:
            self.seen += 1
            if self.seen % 3:
                return None
            return Signal(1, "market", bar.close, bar.close - 5, bar.close + 10, "third")

    register_strategy(EveryThird)
    try:
        n = 12
        minutes = np.arange(n) * 5
        bars: dict[str, np.ndarray] = {
            "ts_ns": minutes * 60_000_000_000,
            "end_ns": (minutes + 5) * 60_000_000_000,
            "end_minute": (minutes + 5) % 1440,
            "in_rth": np.zeros(n, bool),
            "session": np.ones(n, np.int64),
            "minute_of_day": minutes % 1440,
            "rth_open_ns": np.zeros(n, np.int64),
        } | {key: np.linspace(100, 111, n) for key in ("open", "high", "low", "close")}
        bars["volume"] = np.ones(n)
        features = BatchFeatures(bars)
        live, replay = (Gearbox({"TREND": "every_third"}, {}, 0.25) for _ in range(2))
        replay.prepare_replay(bars, features)
        assert [replay.next_signal("every_third", i) for i in (0, 3, 6, 12)] == [2, 5, 8, 12]
        keys = ("ts_ns", "end_ns", "open", "high", "low", "close", "volume", "in_rth")
        for i in range(n):
            view = BarView(*(bars[key][i].item() for key in keys), int(bars["end_minute"][i]))
            assert replay.update(view, None) == live.update(view, features.rows(i, i + 1)[0])
        replay.seek(5)
        assert "every_third" in replay.update(view, None)
    finally:
        unregister_strategy("every_third")
