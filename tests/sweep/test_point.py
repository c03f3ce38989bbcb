from __future__ import annotations

import pandas as pd
import pytest

from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource
from transmission.sweep import point
from transmission.sweep.point import blocked_minutes, run_point
from transmission.sweep.spec import SweepSpec

VARYING = {"features_computed", "elapsed_s"}


def _same(a: dict[str, object], b: dict[str, object]) -> bool:
    return {k: v for k, v in a.items() if k not in VARYING} == {
        k: v for k, v in b.items() if k not in VARYING
    }


def test_points_of_one_feature_configuration_compute_features_once_with_the_same_rows(
    bars: BarSource, ema_config: EngineConfig
) -> None:
    point._FEATURES.clear()
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ")
    first = run_point(bars, spec, {"ema_fast": 10, "stop_atr": 2.0})
    second = run_point(bars, spec, {"ema_fast": 10, "stop_atr": 3.0})
    third = run_point(bars, spec, {"ema_fast": 20, "stop_atr": 2.0})
    assert [
        first["features_computed"],
        second["features_computed"],
        third["features_computed"],
    ] == [
        True,
        False,
        True,
    ]
    # Reused features give the rows a fresh computation gives.
    point._FEATURES.clear()
    assert _same(second, run_point(bars, spec, {"ema_fast": 10, "stop_atr": 3.0}))
    again = run_point(bars, spec, {"ema_fast": 10, "stop_atr": 2.0})
    assert not again["features_computed"] and _same(first, again)
    assert first["trades"] > 0 and first["trades"] == len(first["trade_r"])


def test_a_window_runs_only_its_bars(bars: BarSource, ema_config: EngineConfig) -> None:
    ns = bars.bars["ts"].dt.as_unit("ns").astype("int64")
    window = (int(ns.iloc[0]), int(ns.iloc[len(ns) // 2]))
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ").with_window(window)
    row = run_point(bars, spec, {"stop_atr": 2.0})
    assert row["bars"] <= len(ns) // 2
    assert all(window[0] <= ts < window[1] for ts in row["trade_exit_ns"])


def _events(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ts": pd.to_datetime([r[0] for r in rows], utc=True),
            "rule": [r[1] for r in rows],
            "event": [r[2] for r in rows],
            "strategy": [None] * len(rows),
        }
    )


def test_blocked_minutes_count_overlapping_trips_once_and_an_open_trip_to_the_end() -> None:
    risk = _events(
        [
            ("2024-01-02 15:00", "daily_loss", "trip"),
            ("2024-01-02 15:10", "cooldown", "trip"),
            ("2024-01-02 15:20", "cooldown", "reset"),
            ("2024-01-02 15:30", "daily_loss", "reset"),
            ("2024-01-02 16:00", "trades_per_day", "trip"),
        ]
    )
    end = pd.Timestamp("2024-01-02 16:15", tz="UTC").value
    assert blocked_minutes(risk, end) == pytest.approx(30 + 15)
