"""The DuckDB journal: schema, writes, snapshots for readers, and read queries."""

from transmission.journal.store import (
    Checkpoint,
    Journal,
    JournalBatch,
    JournalBusyError,
    JournalError,
    open_reader,
    snapshot_path,
)

__all__ = [
    "Checkpoint",
    "Journal",
    "JournalBatch",
    "JournalBusyError",
    "JournalError",
    "open_reader",
    "snapshot_path",
]
