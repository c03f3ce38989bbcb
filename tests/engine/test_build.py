"""The composition root: a broker adapter plugs in without touching the orchestrator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.golden import journalled
from transmission.config import load_config
from transmission.contracts import contract_for
from transmission.engine.build import build_orchestrator, build_parts
from transmission.engine.feeds import from_simulator, replay
from transmission.engine.pipeline import LivePipeline
from transmission.engine.runner import EngineRun
from transmission.execution import PaperBroker
from transmission.execution.port import ExecutionPort, Foresight
from transmission.journal import Journal


class VenueAdapter:
    """A broker adapter as a venue's would be: the port's methods, no replay foresight (it
    cannot know ahead which bars fill). Fills come from the paper rules, as a venue's sandbox."""

    def __init__(self) -> None:
        self._venue = PaperBroker(contract_for("MNQ"))
        self.bars_seen = 0

    working = property(lambda self: self._venue.working)
    position = property(lambda self: self._venue.position)

    def submit(self, order: Any) -> None:
        self._venue.submit(order)

    def cancel(self, reason: str) -> Any:
        return self._venue.cancel(reason)

    def on_bar(self, ts_ns: int, open_: float, high: float, low: float, close: float) -> Any:
        self.bars_seen += 1
        return self._venue.on_bar(ts_ns, open_, high, low, close)

    def close_position(self, ts_ns: int, price: float, reason: str) -> Any:
        return self._venue.close_position(ts_ns, price, reason)

    def open_pnl_r(self, price: Any) -> Any:
        return self._venue.open_pnl_r(price)

    def state_dict(self) -> dict[str, Any]:
        return self._venue.state_dict()

    def restore(self, state: dict[str, Any]) -> None:
        self._venue.restore(state)


def test_the_parts_are_built_from_the_config_and_handed_in() -> None:
    config = load_config()
    parts = build_parts(config)
    assert isinstance(parts.pipeline, LivePipeline)
    assert isinstance(parts.broker, Foresight) and parts.broker is not parts.shadow
    orchestrator = build_orchestrator(config, run_id="r")
    assert orchestrator.pipeline.gearbox is orchestrator.gearbox


def test_a_broker_adapter_without_foresight_trades_a_replay_as_the_paper_broker_does(
    tmp_path: Path,
) -> None:
    adapter = VenueAdapter()
    assert isinstance(adapter, ExecutionPort) and not isinstance(adapter, Foresight)
    source = from_simulator(3, "MNQ", seed=5)
    config = load_config(gearbox={"TREND": "ema_cross", "RANGE": "ema_cross"})
    rows = []
    for name, broker in (("paper", None), ("adapter", adapter)):
        with Journal(tmp_path / f"{name}.duckdb") as journal:
            run = EngineRun(journal, config, kind="backtest", dataset=source.dataset,
                            source_identity=source.identity, broker=broker)  # fmt: skip
            run.orchestrator.prepare_replay(source.bars)
            run.start(replay(source.bars))
            run.replay_prepared()
            run.finish()
            rows.append(journalled(journal, run.run_id))
    assert rows[0]["trades"] and rows[0] == rows[1]
    assert adapter.bars_seen > 0
