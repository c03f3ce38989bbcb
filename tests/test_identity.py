"""Run identity covers the bars' full content, the config, the version and the code used."""

from __future__ import annotations

import linecache
from pathlib import Path

import pandas as pd

from transmission.config import load_config
from transmission.engine.feeds import BarSource, from_simulator
from transmission.identity import bars_digest, code_digest, components, run_id, source_of


def _class_from_cell(source: str, cell: str) -> type:
    """A class defined as IPython defines it: compiled from a cell registered in linecache."""
    linecache.cache[cell] = (len(source), None, source.splitlines(keepends=True), cell)
    namespace: dict[str, object] = {}
    exec(compile(source, cell, "exec"), namespace)
    cls = namespace["Edge"]
    assert isinstance(cls, type)
    return cls


CELL_A = "class Edge:\n    def on_bar(self, bar):\n        return bar.close > 1\n"
CELL_B = "class Edge:\n    def on_bar(self, bar):\n        return bar.close > 2\n"


def test_source_of_a_notebook_class_is_read_from_its_cell() -> None:
    cls = _class_from_cell(CELL_A, "<ipython-input-1-abc>")
    assert "return bar.close > 1" in source_of(cls)


def test_code_digest_of_an_edited_notebook_class_changes() -> None:
    first = _class_from_cell(CELL_A, "<ipython-input-2-abc>")
    edited = _class_from_cell(CELL_B, "<ipython-input-3-abc>")
    assert code_digest([first]) != code_digest([edited])


def test_code_digest_without_any_source_falls_back_to_the_code_objects() -> None:
    a: dict[str, object] = {}
    b: dict[str, object] = {}
    exec(compile(CELL_A, "<lost-cell-a>", "exec"), a)
    exec(compile(CELL_B, "<lost-cell-b>", "exec"), b)
    assert code_digest([a["Edge"]]) != code_digest([b["Edge"]])


def test_bars_digest_changes_when_one_high_is_corrected() -> None:
    bars = from_simulator(2, "MNQ").bars
    corrected = bars.copy()
    corrected.loc[100, "high"] += 0.25
    assert bars_digest(bars) == bars_digest(bars.copy())
    assert bars_digest(bars) != bars_digest(corrected)


def test_run_id_changes_with_the_bars_the_config_and_the_rules_used() -> None:
    source = from_simulator(2, "MNQ")
    config = load_config()
    base = run_id("backtest", source.identity, config)
    corrected = source.bars.copy()
    corrected.loc[5, "low"] -= 0.25
    other = BarSource("x", "MNQ", corrected, source.quarantined, "")
    assert run_id("backtest", other.identity, config) != base
    assert run_id("backtest", source.identity, load_config(risk={"daily_loss_r": 2.0})) != base
    assert run_id("backtest", source.identity, load_config(risk={"rules": ["drawdown"]})) != base
    assert run_id("backtest", source.identity, load_config()) == base


def test_components_name_every_strategy_rule_and_feature_module_of_a_config() -> None:
    used = components(load_config())
    assert {"strategy:vwap_pullback", "strategy:vwap_band_reversion"} <= set(used)
    assert "rule:drawdown" in used and "module:transmission.features.vwap" in used


def test_run_id_changes_when_a_strategy_source_changes(tmp_path: Path) -> None:
    from transmission.strategies.registry import _REGISTRY

    config = load_config()
    before = run_id("backtest", "bars", config)
    original = _REGISTRY.get("vwap_pullback")
    edited = _class_from_cell(CELL_B, "<ipython-input-4-abc>")
    _REGISTRY.remove("vwap_pullback")
    _REGISTRY.add("vwap_pullback", edited)
    try:
        assert run_id("backtest", "bars", config) != before
    finally:
        _REGISTRY.remove("vwap_pullback")
        _REGISTRY.add("vwap_pullback", original)
    assert run_id("backtest", "bars", config) == before


def test_from_files_of_one_name_and_different_bars_get_different_datasets(tmp_path: Path) -> None:
    from transmission.engine.feeds import from_file

    bars = from_simulator(1, "MNQ").bars
    paths = []
    for folder, shift in (("a", 0.0), ("b", 0.25)):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "bars.csv"
        frame = bars.assign(**{c: bars[c] + shift for c in ("open", "high", "low", "close")})
        frame.assign(ts=frame["ts"].dt.tz_localize(None)).to_csv(path, index=False)
        paths.append(path)
    first, second = (from_file(path, "MNQ") for path in paths)
    assert first.dataset != second.dataset
    assert first.dataset.startswith("bars-") and first.identity != second.identity
    pd.testing.assert_series_equal(first.bars["close"] + 0.25, second.bars["close"])


def test_run_id_covers_the_engines_own_source_files() -> None:
    from transmission.identity import package_digest, run_manifest

    manifest = run_manifest("backtest", "bars", load_config())
    assert manifest["package"] == package_digest() and len(manifest["package"]) == 32
