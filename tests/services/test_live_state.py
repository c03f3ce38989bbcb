"""The facade over a running LiveEngine in this process: snapshots taken under the engine's lock
while it trades, and every control through `services.control`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from transmission.config import load_config
from transmission.engine.feeds import from_simulator
from transmission.engine.live import LiveEngine
from transmission.journal import Journal
from transmission.services import Services

pytestmark = pytest.mark.slow
FULL_SPEED = 1e9


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveEngine, Services]]:
    journal = Journal(Path(tmp_path_factory.mktemp("live-services")) / "live.duckdb")
    engine = LiveEngine(
        journal, load_config(), source=from_simulator(2, "MNQ", seed=5), speed=FULL_SPEED,
        flush_every_bars=50,
    )  # fmt: skip
    services = Services(journal, engine)
    engine.start()
    yield engine, services
    engine.stop()
    journal.close()


def test_state_read_again_and_again_while_the_engine_trades_is_always_consistent(
    running: tuple[LiveEngine, Services],
):
    engine, services = running
    seen = []
    while not engine.finished.is_set() or not seen:
        state = services.state.state()
        assert state is not None and state.source == "engine"
        seen.append(state.bars_processed)
    assert seen == sorted(seen)  # snapshots never go back in time
    assert engine.finished.wait(300) and engine.error is None
    final = services.state.state()
    assert final is not None and final.bars_processed == engine.status().bars_processed


def test_status_and_risk_of_the_running_engine_are_its_own(running: tuple[LiveEngine, Services]):
    engine, services = running
    assert engine.finished.wait(300)
    assert services.state.source == "engine"
    assert services.state.status() == engine.status()
    report = services.state.risk()
    assert report is not None and report.tripwires == engine.risk_statuses()
    checkpoint = services.state.checkpoint()
    assert checkpoint is not None and checkpoint.run_id == engine.run_id


def test_halt_then_resume_through_control_change_the_engine_s_state(
    running: tuple[LiveEngine, Services],
):
    engine, services = running
    assert engine.finished.wait(300)
    halted = services.control.halt("test halt")
    assert halted.system_state != "running" or not halted.can_trade
    assert not engine.status().can_trade and "test halt" in (engine.status().risk_reason or "")
    resumed = services.control.resume()
    assert "test halt" not in (resumed.risk_reason or "")


def test_preview_on_the_running_engine_names_the_engine_as_its_source(
    running: tuple[LiveEngine, Services],
):
    engine, services = running
    assert engine.finished.wait(300)
    preview = services.preview.signal("vwap_band_reversion")
    assert preview.source == "engine" and preview.run_id == engine.run_id
    assert preview.decision in {"accepted", "vetoed", "shadow", "no_signal"}
