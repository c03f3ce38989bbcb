from __future__ import annotations

from pathlib import Path

import pytest

from tests.sweep.conftest import cell_strategy
from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource
from transmission.sweep import sweep
from transmission.sweep.spec import SweepSpec


def test_bare_names_go_to_the_features_or_the_strategy_and_dotted_names_to_their_section(
    ema_config: EngineConfig,
) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross")
    config = spec.config_for({"ema_fast": 12, "stop_atr": 1.5, "risk.max_trades_per_day": 4})
    assert config.features["ema_fast"] == 12
    assert config.strategies["ema_cross"] == {"stop_atr": 1.5}
    assert config.risk["max_trades_per_day"] == 4
    assert set(config.gearbox.values()) == {"ema_cross"}


def test_a_strategy_parameter_typo_lists_the_allowed_names(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross")
    with pytest.raises(ValueError, match=r"no parameter 'stop_at'.*allowed: stop_atr, target_atr"):
        spec.route("stop_at")


def test_points_that_change_only_the_strategy_share_a_feature_key(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross")
    assert spec.feature_key({"ema_fast": 10, "stop_atr": 1}) == spec.feature_key(
        {"ema_fast": 10, "stop_atr": 3}
    )
    assert spec.feature_key({"ema_fast": 10}) != spec.feature_key({"ema_fast": 20})


def test_a_bad_config_value_fails_before_any_run(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross")
    with pytest.raises(ValueError, match="ema_fast must be at least 1"):
        spec.config_for({"ema_fast": 0})


def test_a_user_strategy_grid_typo_lists_its_parameters(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, cell_strategy())
    with pytest.raises(ValueError, match=r"no parameter 'stop_tr'.*allowed: stop_atr, target_r"):
        spec.route("stop_tr")


def test_a_user_strategy_parameter_lands_in_its_strategy_section(ema_config: EngineConfig) -> None:
    config = SweepSpec.build(ema_config, cell_strategy()).config_for({"target_r": 3.0})
    assert config.strategies["CellBreakout"] == {"target_r": 3.0}
    assert set(config.gearbox.values()) <= {"CellBreakout", None}


def test_a_gearbox_takes_dotted_names_of_its_strategies(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, {"TREND": cell_strategy(), "RANGE": "ema_cross"})
    config = spec.config_for({"CellBreakout.stop_atr": 2.0, "ema_cross.stop_atr": 1.0})
    assert config.strategies["CellBreakout"] == {"stop_atr": 2.0}
    assert config.strategies["ema_cross"]["stop_atr"] == 1.0
    with pytest.raises(ValueError, match="with a gearbox, name its strategy"):
        spec.route("stop_atr")


def test_an_instance_refuses_a_sweep_of_its_parameters(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, cell_strategy()())
    with pytest.raises(ValueError, match="given as an instance; pass its class"):
        spec.route("stop_atr")
    assert spec.config_for({"ema_fast": 12}).features["ema_fast"] == 12


def test_a_changed_user_strategy_is_a_new_identity_and_the_same_cell_again_is_not(
    ema_config: EngineConfig,
) -> None:
    first = SweepSpec.build(ema_config, cell_strategy(2.0)).identity()
    assert SweepSpec.build(ema_config, cell_strategy(2.0)).identity() == first
    assert SweepSpec.build(ema_config, cell_strategy(3.0)).identity() != first


def test_a_sweep_grid_typo_fails_before_any_cluster_is_made(
    bars: BarSource, ema_config: EngineConfig, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="no parameter 'stop_tr'"):
        sweep(bars, cell_strategy(), {"stop_tr": [1.0]}, config=ema_config,
              journal=tmp_path / "j.duckdb", client="tcp://127.0.0.1:1")  # fmt: skip
