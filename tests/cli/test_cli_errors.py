"""The CLI's rough edges, in real subprocesses on a narrow terminal (COLUMNS=40): messages printed
as text and on one line, DuckDB and start-up failures as one line naming the file with exit 2."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

BIN = Path(sys.executable).parent / "transmission"
NARROW = {**os.environ, "COLUMNS": "40", "TERM": "xterm"}


def cli(
    *args: str, env: dict[str, str] | None = None, **kw: object
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN), *args], capture_output=True, text=True, timeout=300, env=env or NARROW, **kw
    )  # type: ignore[call-overload]


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The error, asserting it is exactly one line of stderr and exit code 2, no traceback."""
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_version_prints_the_package_version() -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("transmission 0.")


def test_help_shows_plain_boolean_flags_without_a_bool_metavar() -> None:
    result = cli("backtest", "--help")
    assert result.returncode == 0
    assert "<bool>" not in result.stdout
    assert "--json" in result.stdout and "--rerun / --no-rerun" in result.stdout


def test_serve_help_offers_simulate_and_seed() -> None:
    result = cli("serve", "--help", env={**NARROW, "COLUMNS": "120"})
    assert "--simulate DAYS" in result.stdout and "--seed" in result.stdout


def test_a_config_error_naming_a_section_prints_the_brackets_intact(tmp_path: Path) -> None:
    config = tmp_path / "[risk].toml"  # rich would read `[risk]` as a style tag and drop it
    config.write_text("[risk]\nbogus = 1\n")
    line = one_error_line(cli("backtest", "--simulate", "1", "--config", str(config),
                              "--db", str(tmp_path / "j.duckdb")))  # fmt: skip
    assert f"config file {config}: " in line and "unknown keys ['bogus']" in line


def test_a_path_holding_markup_characters_is_printed_as_given(tmp_path: Path) -> None:
    (tmp_path / "a[").mkdir()
    data = tmp_path / "a[" / "]b.csv"  # the path contains `[/]`
    line = one_error_line(cli("backtest", "--data", str(data), "--db", str(tmp_path / "j.duckdb")))
    assert line == f"error: bar file not found: {data}"


def test_an_error_naming_a_long_path_stays_on_one_line_on_a_narrow_terminal(tmp_path: Path) -> None:
    deep = tmp_path / ("very-long-folder-name-" * 4) / "missing-bars-file.csv"
    line = one_error_line(cli("ingest", str(deep), "--db", str(tmp_path / "j.duckdb")))
    assert str(deep) in line


def test_a_corrupt_journal_is_one_line_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.duckdb"
    db.write_bytes(b"this is not a DuckDB file" * 400)
    line = one_error_line(cli("metrics", "--db", str(db)))
    assert f"journal {db}:" in line


WAL_WRITER = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("SET checkpoint_threshold = '1GB'")
con.execute("CREATE TABLE scratch AS SELECT i, repeat('x', 50) AS s FROM range(100000) r(i)")
os._exit(0)
"""


def test_a_bad_wal_is_one_line_naming_the_file_and_leaves_the_journal_as_it_was(
    tmp_path: Path,
) -> None:
    db = tmp_path / "wal.duckdb"
    assert cli("backtest", "--simulate", "1", "--db", str(db)).returncode == 0
    with duckdb.connect(str(db), read_only=True) as con:
        runs_before = con.execute("SELECT run_id, status FROM runs").fetchall()
    # A real WAL (a writer that died before its checkpoint), then damaged in its middle.
    died = subprocess.run([sys.executable, "-c", WAL_WRITER, str(db)], timeout=120)
    assert died.returncode == 0
    wal = Path(f"{db}.wal")
    damaged = bytearray(wal.read_bytes())
    middle = len(damaged) // 3
    damaged[middle : middle + 64] = bytes(b ^ 0xFF for b in damaged[middle : middle + 64])
    wal.write_bytes(damaged)
    line = one_error_line(cli("backtest", "--simulate", "1", "--db", str(db)))
    assert str(db) in line
    wal.unlink()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT run_id, status FROM runs").fetchall() == runs_before


def _limit_file_size() -> None:
    # A full disk, as DuckDB sees it: writes past 2 MB fail (EFBIG) instead of killing us.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2_000_000, 2_000_000))


@pytest.mark.slow
def test_a_full_disk_during_a_backtest_is_one_line_and_the_journal_still_opens(
    tmp_path: Path,
) -> None:
    db = tmp_path / "full.duckdb"
    result = cli("backtest", "--simulate", "40", "--db", str(db), preexec_fn=_limit_file_size)
    line = one_error_line(result)
    assert f"journal {db}:" in line or str(db) in line
    # What was committed before the failure reads back; the run resumes without the limit.
    again = cli("backtest", "--simulate", "40", "--db", str(db))
    assert again.returncode == 0, again.stderr


def test_serve_on_a_busy_port_is_one_line_naming_the_address(tmp_path: Path) -> None:
    db = tmp_path / "j.duckdb"
    assert cli("backtest", "--simulate", "1", "--db", str(db)).returncode == 0
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        line = one_error_line(cli("serve", "--feed", "none", "--db", str(db), "--port", str(port)))
    assert f"cannot listen on 127.0.0.1:{port}" in line


def test_serve_on_a_corrupt_journal_is_one_line_naming_the_file(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.duckdb"
    db.write_bytes(b"not a journal" * 1000)
    line = one_error_line(cli("serve", "--feed", "replay", "--simulate", "1", "--db", str(db)))
    assert str(db) in line


def test_serve_with_a_bad_setting_names_the_variable_without_pydantic_prefixes(
    tmp_path: Path,
) -> None:
    line = one_error_line(cli("serve", "--simulate", "0", "--db", str(tmp_path / "j.duckdb")))
    assert "TRANSMISSION_SIMULATE_DAYS" in line and "Value error" not in line


def test_backtest_of_an_ingested_dataset_reads_the_bar_store(tmp_path: Path) -> None:
    from transmission.market.simulator import simulate

    bars = simulate(symbol="MNQ", days=2, seed=5).bars
    csv = tmp_path / "mybars.csv"
    bars.assign(ts=bars["ts"].dt.tz_localize(None)).to_csv(csv, index=False)
    db = tmp_path / "store.duckdb"
    assert cli("ingest", str(csv), "--symbol", "MNQ", "--db", str(db)).returncode == 0
    from_store = cli("backtest", "--dataset", "mybars", "--db", str(db), "--json")
    assert from_store.returncode == 0, from_store.stderr
    from_file = cli("backtest", "--data", str(csv), "--db", str(tmp_path / "file.duckdb"), "--json")
    import json

    stored, filed = json.loads(from_store.stdout), json.loads(from_file.stdout)
    assert stored["bars"] == filed["bars"] == len(bars)
    assert stored["metrics"] == filed["metrics"]
    assert "bar store: dataset mybars" in stored["source"]


def test_backtest_of_an_unknown_dataset_lists_the_stored_ones(tmp_path: Path) -> None:
    line = one_error_line(cli("backtest", "--dataset", "nope", "--db", str(tmp_path / "e.duckdb")))
    assert "no dataset 'nope' in the bar store" in line


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["backtest", "--simulate", "1", "--symbol", "XX"], {}, "symbol: unknown symbol 'XX'"),
        (["schedule"], {"TRANSMISSION_REPORT_TIMEZONE": "Mars/Base"},
         "TRANSMISSION_REPORT_TIMEZONE: unknown time zone 'Mars/Base'"),
    ],
)  # fmt: skip
def test_validation_errors_read_without_pydantic_prefixes(
    args: list[str], env: dict[str, str], message: str, tmp_path: Path
) -> None:
    line = one_error_line(cli(*args, "--db", str(tmp_path / "j.duckdb"), env={**NARROW, **env}))
    assert message in line and "Value error" not in line
