"""docs/configuration.md is generated from the config classes and settings, and kept current."""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import pytest

from transmission.risk.config import RiskConfig

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("configuration_docs", ROOT / "docs/configuration.py")
assert _spec and _spec.loader
generator = importlib.util.module_from_spec(_spec)
sys.modules["configuration_docs"] = generator  # dataclasses look their module up by name
_spec.loader.exec_module(generator)


def test_configuration_page_is_what_the_generator_writes_now() -> None:
    assert (ROOT / "docs/configuration.md").read_text() == generator.render(), (
        "docs/configuration.md is out of date: run `python docs/configuration.py`"
    )


def test_configuration_page_lists_every_risk_key_and_the_nested_sections() -> None:
    page = (ROOT / "docs/configuration.md").read_text()
    for field in dataclasses.fields(RiskConfig):
        assert f"| `{field.name}` |" in page
    for section in ("[session]", "[strategies.vwap_pullback]", "TRANSMISSION_REPORT_SMTP_HOST"):
        assert section in page
    assert "`shadow_trades`" in page and "`rules`" in page


def test_a_key_added_without_a_meaning_fails_the_generator_naming_it() -> None:
    extended = dataclasses.make_dataclass(
        "Extended", [("max_overnight_r", float, 1.0)], bases=(RiskConfig,), frozen=True
    )
    with pytest.raises(KeyError, match=r"risk\.max_overnight_r has no meaning"):
        list(generator._dataclass_keys("risk", extended))
