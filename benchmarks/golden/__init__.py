"""Golden replays: everything the engine journals for the real sample, saved as JSON.

`python -m benchmarks.golden` records them (only when the engine's behaviour is meant to change);
tests/engine/test_golden_replay.py checks that every replay path still journals exactly this.
The files here were recorded by the engine before any optimisation: default.json and
ema_cross_default_risk.json at 38ae648, ema_cross.json (its risk limits added later) by the
engine of 8fc8533, the last commit before the speed work, in a separate worktree.

The session exits became one rule for real and shadow positions (issue 12: a shadow position
now closes at the open of a bar after a flat-time gap, and a shadow working order is cancelled
at the flat time). Replayed with it, the sample journals exactly these rows in every config (no
shadow position or order meets a flat time there), so the files were not re-recorded;
tests/engine/test_orchestrator.py holds the fix on synthetic bars.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from transmission.journal import Journal

GOLDEN_DIR = Path(__file__).resolve().parent
# Table, ordering key: every row the engine journals for a run (ids and sequence numbers are
# deterministic, so the order is too).
TABLES = {
    "trades": "trade_id",
    "signals": "signal_id",
    "regime_changes": "seq",
    "risk_events": "seq",
}


def golden_path(config_name: str) -> Path:
    return GOLDEN_DIR / f"{config_name}.json"


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


RUN_PLACEHOLDER = "<run>"


def without_run_id(data: Any, run_id: str) -> Any:
    """`data` with the run id replaced by a placeholder everywhere (ids embed it).

    A run id hashes the engine's code (transmission.identity), so it changes with every edit;
    the rows the golden files pin are what must not.
    """
    if isinstance(data, str):
        return data.replace(run_id, RUN_PLACEHOLDER)
    if isinstance(data, list):
        return [without_run_id(item, run_id) for item in data]
    if isinstance(data, dict):
        return {key: without_run_id(value, run_id) for key, value in data.items()}
    return data


def journalled(journal: Journal, run_id: str) -> dict[str, Any]:
    """A run's journal rows (every table above) and its final checkpoint, as plain JSON values,
    with the run id as a placeholder (see `without_run_id`)."""
    return dict(without_run_id(_journalled(journal, run_id), run_id))


def _journalled(journal: Journal, run_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"run_id": run_id}
    cur = journal.cursor()
    for table, key in TABLES.items():
        result = cur.execute(f"SELECT * FROM {table} WHERE run_id = ? ORDER BY {key}", [run_id])
        columns = [d[0] for d in result.description]
        out[table] = [
            {c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in result.fetchall()
        ]
    row = cur.execute(
        "SELECT last_bar_ts, bars_processed, state FROM engine_state WHERE run_id = ?", [run_id]
    ).fetchall()
    if row:
        last, bars, state = row[0]
        out["checkpoint"] = {
            "last_bar_ts": _plain(last),
            "bars_processed": bars,
            "state": json.loads(state),
        }
    return out


def load(config_name: str) -> dict[str, Any]:
    path = golden_path(config_name)
    if not path.is_file():
        raise FileNotFoundError(f"no golden replay at {path}: run `python -m benchmarks.golden`")
    result: dict[str, Any] = json.loads(path.read_text())
    return dict(without_run_id(result, result["run_id"]))


def record() -> list[Path]:
    """Replay the sample with every benchmark config and save the golden JSON files."""
    import tempfile

    from benchmarks.configs import CONFIG_NAMES, engine_config
    from benchmarks.data import bar_source
    from transmission.engine.runner import run_source

    source = bar_source()
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in CONFIG_NAMES:
            with Journal(Path(tmp) / f"{name}.duckdb") as journal:
                summary = run_source(journal, source, engine_config(name))
                data = journalled(journal, summary.run_id)
            path = golden_path(name)
            path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            written.append(path)
    return written
