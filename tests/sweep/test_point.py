from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import transmission as tm
from tests.sweep.conftest import cell_strategy
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
    spec = SweepSpec.build(ema_config, "ema_cross")
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
    spec = SweepSpec.build(ema_config, "ema_cross").with_window(window)
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


def _metrics_of(row: dict[str, object], names: pd.Index) -> pd.Series:
    return pd.Series({name: row[name] for name in names}, dtype=object)


@pytest.mark.parametrize("strategy", ["ema_cross", "cell"])
def test_a_point_has_the_metrics_of_tm_backtest_with_the_same_parameters(
    strategy: str, bars: BarSource, ema_config: EngineConfig, tmp_path: Path
) -> None:
    target = cell_strategy() if strategy == "cell" else strategy
    spec = SweepSpec.build(ema_config, target)
    row = run_point(bars, spec, {"stop_atr": 2.5})
    alone = tm.backtest(
        bars, target, config=ema_config, journal=tmp_path / "j.duckdb", stop_atr=2.5
    )
    assert row["trades"] > 0
    pd.testing.assert_series_equal(
        _metrics_of(row, alone.metrics.index), alone.metrics, check_names=False
    )
    assert row["trade_exit_ns"] == [ts.value for ts in alone.trades["timestamp_exit"]]
