"""Servers the API benchmarks start in their own processes.

- `bare_app`: a bare FastAPI app whose GET /bare returns a small JSON object: the baseline the
  transmission API is compared with, on the same uvicorn set-up.
- `python -m benchmarks.servers ws PORT CLIENTS BARS STAMPS DIR`: the transmission app (its
  WebSocket connection manager) with a live engine on the EMA-cross rules that starts once
  CLIENTS clients are connected, replays BARS bars of the sample paced at 20 ms a bar, records
  when each event's bar entered the engine, and writes those times to STAMPS (JSON).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

bare_app = FastAPI()


# `async def`: a plain `def` endpoint runs in the thread pool, a hop that halves the bare
# baseline's rate and so flattered the API's ratio (its hot routes are coroutines).
@bare_app.get("/")
async def bare_root() -> dict[str, Any]:
    return {"name": "bare"}


@bare_app.get("/bare")
async def bare() -> dict[str, Any]:
    return {"status": "ok", "value": 1, "items": [1, 2, 3]}


WS_SPEED = 3000.0  # one 1-minute bar every 20 ms: events far enough apart not to queue


def ws_server(port: int, clients: int, bars: int, stamps_path: Path, workdir: Path) -> None:
    import uvicorn

    from benchmarks.configs import engine_config
    from benchmarks.data import bar_source
    from transmission.api.main import UVICORN_OPTIONS, create_app
    from transmission.engine.live import LiveEngine
    from transmission.journal import Journal
    from transmission.settings import load_settings

    api_db = workdir / "api.duckdb"
    Journal(api_db).close()
    settings = load_settings(db=api_db, feed="none", port=port, api_token="bench")
    app = create_app(settings)
    source = bar_source(None)
    source = replace(source, bars=source.bars.iloc[:bars].reset_index(drop=True))

    def drive() -> None:
        while getattr(app.state, "transmission", None) is None:
            time.sleep(0.05)
        manager = app.state.transmission.manager
        while manager.client_count < clients:
            time.sleep(0.05)
        journal = Journal(workdir / "engine.duckdb")
        engine = LiveEngine(journal, engine_config("ema_cross"), source=source, speed=WS_SPEED)
        run = engine.run
        on_bar = run.on_bar
        entered = [0]
        events: list[tuple[Any, int]] = []

        def timed_on_bar(bar: Any, *, store_bar: bool = False) -> None:
            entered[0] = time.time_ns()
            on_bar(bar, store_bar=store_bar)

        def stamp(event: Any) -> None:
            events.append((event, entered[0]))  # serialised after the run, off the clock

        run.on_bar = timed_on_bar  # type: ignore[method-assign]
        manager.attach(engine.bus)
        engine.bus.subscribe(stamp)
        engine.start()
        engine.finished.wait()
        time.sleep(0.5)
        stamps = {json.dumps(event.to_message(), sort_keys=True): at for event, at in events}
        tmp = stamps_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stamps))
        tmp.replace(stamps_path)

    threading.Thread(target=drive, daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", **UVICORN_OPTIONS)


if __name__ == "__main__":
    if len(sys.argv) != 7 or sys.argv[1] != "ws":
        raise SystemExit("usage: python -m benchmarks.servers ws PORT CLIENTS BARS STAMPS DIR")
    ws_server(
        int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5]), Path(sys.argv[6])
    )
