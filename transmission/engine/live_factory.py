"""The one factory of a `LiveEngine`: the API's engine and the monitor widget's engine alike.

It sits above `engine.live` (which imports the runner, which builds through `engine.build`), so
the composition root stays below the engines it assembles parts for.
"""

from __future__ import annotations

import logging
from pathlib import Path

from transmission.config import EngineConfig
from transmission.engine.feeds import BarSource
from transmission.engine.live import LiveEngine
from transmission.journal import Journal

log = logging.getLogger(__name__)


def build_live_engine(
    journal: Journal,
    config: EngineConfig,
    *,
    source: BarSource | None = None,
    follow_path: Path | None = None,
    speed: float = 60.0,
    flush_every_bars: int = 500,
    skip_to_open: bool = False,
) -> LiveEngine:
    """The one way to make a `LiveEngine`: on a paced replay of `source`, or following a file.

    A replay that already completed in this journal is played again as a new run (the
    finished one keeps its rows); an interrupted one resumes from its checkpoint. With
    `skip_to_open`, a fresh replay runs its overnight bars unpaced up to the half hour before
    the RTH open.
    """
    if follow_path is not None:
        return LiveEngine(
            journal,
            config,
            follow_path=follow_path,
            speed=speed,
            flush_every_bars=flush_every_bars,
        )
    replaying = 1
    engine = LiveEngine(
        journal, config, source=source, speed=speed, flush_every_bars=flush_every_bars
    )
    while (status := journal.run_status(engine.run_id)) == "completed":
        replaying += 1
        engine = LiveEngine(
            journal,
            config,
            source=source,
            speed=speed,
            flush_every_bars=flush_every_bars,
            replaying=replaying,
        )
    if replaying > 1:
        log.info("the feed's earlier replays had completed: run %s plays it again", engine.run_id)
    if skip_to_open and status is None:
        engine.skip_to_open()
    return engine
