"""The sweeps and sweep_results tables: written by the sweep's driver only (one DuckDB writer)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from transmission.journal import Journal

COMPLETED = "completed"
RUNNING = "running"


def start_sweep(
    journal: Journal,
    sweep_id: str,
    *,
    kind: str,
    dataset: str,
    strategy: str | None,
    spec: dict[str, Any],
    points: int,
) -> str | None:
    """Record the sweep (once); returns the status it already had, None when new."""
    found = journal.query("SELECT status FROM sweeps WHERE sweep_id = ?", [sweep_id])
    if len(found):
        return str(found["status"].iloc[0])
    with journal.transaction() as cur:
        cur.execute(
            "INSERT INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING",
            [
                sweep_id,
                kind,
                dataset,
                strategy,
                json.dumps(spec, default=str),
                points,
                RUNNING,
                _now(),
            ],
        )
    return None


def finish_sweep(journal: Journal, sweep_id: str) -> None:
    with journal.transaction() as cur:
        cur.execute(
            "UPDATE sweeps SET status = ?, finished_at = ? WHERE sweep_id = ?",
            [COMPLETED, _now(), sweep_id],
        )


def save_result(
    journal: Journal, sweep_id: str, point_id: str, seq: int, params: dict[str, Any], row: Any
) -> None:
    with journal.transaction() as cur:
        cur.execute(
            "INSERT INTO sweep_results VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [
                sweep_id,
                point_id,
                seq,
                json.dumps(params),
                json.dumps(row, allow_nan=False),
                _now(),
            ],
        )


def finished_points(journal: Journal, sweep_id: str) -> dict[str, dict[str, Any]]:
    """The rows already journalled, by point id."""
    frame = journal.query(
        "SELECT point_id, row FROM sweep_results WHERE sweep_id = ? ORDER BY seq", [sweep_id]
    )
    return {
        str(pid): json.loads(row) for pid, row in zip(frame["point_id"], frame["row"], strict=True)
    }


def sweeps_frame(journal: Journal) -> Any:
    return journal.query("SELECT * FROM sweeps ORDER BY started_at")


def _now() -> datetime:
    # The driver is an edge of the system (like the journal recorder's `recorded_at`).
    return datetime.now(UTC)
