"""The journal's batch writes: typed Arrow rows, a retry that skips stored rows, checkpoints
updated in place."""

from __future__ import annotations

from pathlib import Path

from transmission.journal import Checkpoint, Journal, JournalBatch

T0 = 1_700_000_000 * 1_000_000_000
MINUTE = 60_000_000_000  # TIMESTAMPTZ holds microseconds: test with whole minutes


def signal(run: str, n: int, veto: str | None = None) -> tuple[object, ...]:
    return (
        run, f"{run}-S{n:06d}", T0 + n * MINUTE, "MNQ", "ema_cross", "TREND", "Long", "market",
        15000.25, 14990.0, 15020.5, "EMA cross", "vetoed" if veto else "accepted", veto, 3,
    )  # fmt: skip


def test_batch_rows_come_back_with_their_exact_values_and_types(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        batch = JournalBatch()
        batch.add("signals", signal("run", 1))
        batch.add("signals", signal("run", 2, veto="busy"))
        journal.write_batch(batch)
        rows = journal.query("SELECT * FROM signals ORDER BY signal_id")
    assert [ts.value for ts in rows["ts"]] == [T0 + MINUTE, T0 + 2 * MINUTE]
    assert rows["entry_price"].tolist() == [15000.25, 15000.25]
    assert rows["contracts"].tolist() == [3, 3]
    assert rows["veto_reason"].isna().tolist() == [True, False]


def test_a_batch_holding_stored_and_new_rows_writes_the_new_ones_once(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        first = JournalBatch()
        first.add("signals", signal("run", 1))
        journal.write_batch(first)
        again = JournalBatch()
        again.add("signals", signal("run", 1))
        again.add("signals", signal("run", 2))
        journal.start_run("run", "backtest", "MNQ", "d", {})
        journal.write_batch(again, Checkpoint("run", T0, 7, {"n": 2}))
        ids = journal.query("SELECT signal_id FROM signals ORDER BY 1")["signal_id"].tolist()
        checkpoint = journal.load_checkpoint("run")
    assert ids == ["run-S000001", "run-S000002"]
    assert checkpoint == Checkpoint("run", T0, 7, {"n": 2})
    assert len(again) == 0


def test_a_later_checkpoint_replaces_the_earlier_one(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.duckdb") as journal:
        journal.start_run("run", "backtest", "MNQ", "d", {})
        journal.write_batch(JournalBatch(), Checkpoint("run", T0, 1, {"n": 1}))
        journal.write_batch(JournalBatch(), Checkpoint("run", T0 + MINUTE, 2, {"n": 2}))
        rows = journal.query("SELECT bars_processed FROM engine_state")
        processed = journal.query("SELECT bars_processed FROM runs")["bars_processed"][0]
        assert journal.load_checkpoint("run") == Checkpoint("run", T0 + MINUTE, 2, {"n": 2})
    assert rows["bars_processed"].tolist() == [2]
    assert processed == 2
