"""Config validated up front, with the key and the file named (issue 13, item 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from transmission.config import ConfigError, load_config


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "engine.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('[risk]\nrisk_per_trade_usd = "lots"', r"risk.risk_per_trade_usd: .*valid number.*'lots'"),
        ("[risk]\nrisk_per_trade_usd = -200", r"risk.risk_per_trade_usd: .*greater than 0"),
        ("[risk]\nrisk_per_trade_usd = 0", r"risk.risk_per_trade_usd: .*greater than 0"),
        ("[risk]\nmax_drawdown_r = 0", r"risk.max_drawdown_r: Input should be greater than 0"),
        ("[risk]\nmax_contracts = 2.5", r"risk.max_contracts: Input should be a valid integer"),
        ("[costs]\ncommission_per_side = -0.85", r"costs.commission_per_side: .*or equal to 0"),
        ("[costs]\nslippage_ticks = -1", r"costs.slippage_ticks: .*greater than or equal to 0"),
        ("[regime]\ntrend_er = 3", r"regime.trend_er: Input should be less than or equal to 1"),
        ("[risk]\nrules = [\"daily_loss\", \"nosuch\"]", r"risk: unknown risk rules \['nosuch'\]"),
        ("[strategies.nosuch]\nx = 1", r"strategies: unknown strategy 'nosuch'"),
        ("[strategies.vwap_pullback]\nnot_a_param = 1", r"strategies.vwap_pullback: bad param"),
        ("[nosuch]\nx = 1", r"nosuch: Extra inputs are not permitted"),
        ("[data]\ntimezone = \"Mars/Olympus\"", r"data.timezone: unknown time zone 'Mars/Olympus'"),
        ("[data]\nstart = 2024-02-01\nend = 2024-01-01", r"start 2024-02-01 is after end"),
    ],
)  # fmt: skip
def test_load_config_bad_value_is_refused_naming_the_file_and_key(
    tmp_path: Path, toml: str, expected: str
) -> None:
    path = _config(tmp_path, toml)
    with pytest.raises(ConfigError, match=rf"config file {path}: .*{expected}"):
        load_config(path)


def test_load_config_rules_as_one_string_is_one_rule_not_its_characters(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, '[risk]\nrules = "daily_loss"'))
    assert config.risk_config().rules == ("daily_loss",)


def test_load_config_symbol_from_the_file_is_kept_when_no_override_is_given(
    tmp_path: Path,
) -> None:
    path = _config(tmp_path, 'symbol = "ES"')
    assert load_config(path, symbol=None).symbol == "ES"
    assert load_config(path, symbol="NQ").symbol == "NQ"


def test_load_config_data_section_merges_with_overrides(tmp_path: Path) -> None:
    path = _config(tmp_path, '[data]\ntimezone = "America/Chicago"\nstart = 2023-11-20')
    config = load_config(path, data={"end": date(2023, 11, 30)})
    assert config.data.timezone == "America/Chicago"
    assert (config.data.start, config.data.end) == (date(2023, 11, 20), date(2023, 11, 30))


def test_load_config_good_values_reach_the_frozen_component_configs(tmp_path: Path) -> None:
    config = load_config(
        _config(tmp_path, "[risk]\nrisk_per_trade_usd = 500\n[costs]\ncommission_per_side = 0")
    )
    assert config.risk_config().risk_per_trade_usd == 500.0
    assert config.cost_config().commission_per_side == 0.0
