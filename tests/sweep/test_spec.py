from __future__ import annotations

import pytest

from transmission.config import EngineConfig
from transmission.sweep.spec import SweepSpec


def test_bare_names_go_to_the_features_or_the_strategy_and_dotted_names_to_their_section(
    ema_config: EngineConfig,
) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ")
    config = spec.config_for({"ema_fast": 12, "stop_atr": 1.5, "risk.max_trades_per_day": 4})
    assert config.features["ema_fast"] == 12
    assert config.strategies["ema_cross"] == {"stop_atr": 1.5}
    assert config.risk["max_trades_per_day"] == 4
    assert set(config.gearbox.values()) == {"ema_cross"}


def test_a_strategy_parameter_typo_lists_the_allowed_names(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ")
    with pytest.raises(ValueError, match=r"no parameter 'stop_at'.*allowed: stop_atr, target_atr"):
        spec.route("stop_at")


def test_points_that_change_only_the_strategy_share_a_feature_key(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ")
    assert spec.feature_key({"ema_fast": 10, "stop_atr": 1}) == spec.feature_key(
        {"ema_fast": 10, "stop_atr": 3}
    )
    assert spec.feature_key({"ema_fast": 10}) != spec.feature_key({"ema_fast": 20})


def test_a_bad_config_value_fails_before_any_run(ema_config: EngineConfig) -> None:
    spec = SweepSpec.build(ema_config, "ema_cross", symbol="MNQ")
    with pytest.raises(ValueError, match="ema_fast must be at least 1"):
        spec.config_for({"ema_fast": 0})
