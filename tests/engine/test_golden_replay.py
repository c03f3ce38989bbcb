"""Every replay path journals exactly the golden rows recorded before the engine was optimised.

The golden files (benchmarks/golden/*.json) hold every trade, signal, regime change and risk event,
and the final checkpoint, of a replay of the real NQ sample with the default config and with the
EMA-cross benchmark config. A speed-up that changes one float, one reason or one id fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from benchmarks.configs import CONFIG_NAMES, engine_config
from benchmarks.data import tile
from benchmarks.golden import TABLES, journalled, load
from transmission.engine.feeds import BarSource, from_file, from_simulator, replay
from transmission.engine.runner import EngineRun, run_source
from transmission.journal import Journal


def _first_difference(actual: dict[str, Any], expected: dict[str, Any]) -> str | None:
    for part in (*TABLES, "checkpoint", "run_id"):
        got, want = actual.get(part), expected.get(part)
        if got == want:
            continue
        if isinstance(got, list) and isinstance(want, list):
            for i, (g, w) in enumerate(zip(got, want, strict=False)):
                if g != w:
                    keys = sorted(k for k in set(g) | set(w) if g.get(k) != w.get(k))
                    return f"{part} row {i} differs in {keys}: got {g}, golden {w}"
            return f"{part}: {len(got)} rows, golden has {len(want)}"
        return f"{part} differs: got {got!r}, golden {want!r}"
    return None


def _bar_by_bar(journal: Journal, source: BarSource, config_name: str) -> str:
    """The live engine's path: one `on_bar` call per bar, incremental features and regimes."""
    config = engine_config(config_name)
    run = EngineRun(
        journal,
        config,
        kind="backtest",
        dataset=source.dataset,
        source_identity=source.identity,
        params={"description": source.description},
    )
    run.start()
    for bar in replay(source.bars):
        run.on_bar(bar)
    run.finish(quarantined=len(source.quarantined))
    return run.run_id


@pytest.fixture(scope="module")
def sample_source(sample_path: Path) -> BarSource:
    return from_file(sample_path, "MNQ")


@pytest.mark.parametrize("config_name", CONFIG_NAMES)
def test_replay_of_the_sample_journals_exactly_the_golden_rows(
    config_name: str, sample_source: BarSource, tmp_path: Path
) -> None:
    with Journal(tmp_path / "replay.duckdb") as journal:
        summary = run_source(journal, sample_source, engine_config(config_name))
        actual = journalled(journal, summary.run_id)
    assert _first_difference(actual, load(config_name)) is None


@pytest.mark.parametrize("config_name", CONFIG_NAMES)
def test_bar_by_bar_engine_on_the_sample_journals_exactly_the_golden_rows(
    config_name: str, sample_source: BarSource, tmp_path: Path
) -> None:
    with Journal(tmp_path / "live.duckdb") as journal:
        run_id = _bar_by_bar(journal, sample_source, config_name)
        actual = journalled(journal, run_id)
    assert _first_difference(actual, load(config_name)) is None


@pytest.mark.slow
@pytest.mark.parametrize("config_name", CONFIG_NAMES)
def test_replay_and_bar_by_bar_paths_agree_on_four_weeks_of_tiled_sample(
    config_name: str, sample_source: BarSource, tmp_path: Path
) -> None:
    bars = tile(sample_source.bars, 4 * len(sample_source.bars))
    source = BarSource("tiled", "MNQ", bars, sample_source.quarantined, "sample x4")
    with Journal(tmp_path / "replay.duckdb") as journal:
        summary = run_source(journal, source, engine_config(config_name))
        replayed = journalled(journal, summary.run_id)
    with Journal(tmp_path / "live.duckdb") as journal:
        stepped = journalled(journal, _bar_by_bar(journal, source, config_name))
    assert len(replayed["trades"]) > 0
    assert _first_difference(replayed, stepped) is None


def test_first_difference_names_the_table_row_and_field() -> None:
    golden = load("default")
    changed = {**golden, "trades": [dict(row) for row in golden["trades"]]}
    changed["trades"][0]["result_r"] = 123.0
    message = _first_difference(changed, golden)
    assert message is not None and "trades row 0" in message and "result_r" in message


@pytest.mark.slow
def test_replay_and_bar_by_bar_paths_agree_on_the_simulator_under_tight_risk_limits(
    tmp_path: Path,
) -> None:
    # Tight limits trip the cool-down, the daily loss (which reads the open position's mark)
    # and the performance pauses (shadow trades): the bars a replay steps over must be those on
    # which none of them changes.
    source = from_simulator(60, "MNQ", seed=11)
    config = engine_config("ema_cross_default_risk").model_copy(
        update={"risk": {"daily_loss_r": 1.5, "cooldown_minutes": 30, "max_drawdown_r": 1e6}}
    )
    config = type(config).model_validate(config.model_dump())
    with Journal(tmp_path / "replay.duckdb") as journal:
        summary = run_source(journal, source, config)
        replayed = journalled(journal, summary.run_id)
    with Journal(tmp_path / "live.duckdb") as journal:
        run = EngineRun(journal, config, kind="backtest", dataset=source.dataset,
                        source_identity=source.identity, params={})  # fmt: skip
        run.start()
        for bar in replay(source.bars):
            run.on_bar(bar)
        run.finish()
        stepped = journalled(journal, run.run_id)
    rules = {row["rule"] for row in replayed["risk_events"]}
    assert {"cooldown", "daily_loss"} <= rules
    assert _first_difference(replayed, stepped) is None
