"""Whole-file sanity: the bar interval, the time zone (the maintenance break), the tick, and every
file the loader used to crash on (issue 13, item 4)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from transmission.market.loader import BarFileError, load_bars, require_bars
from transmission.market.sanity import describe_interval, maintenance_break_warning

HEADER = "timestamp,open,high,low,close,volume"


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def _minutes(start: str, n: int, step: str = "1min") -> list[str]:
    times = pd.date_range(start, periods=n, freq=step)
    return [f"{t:%Y-%m-%d %H:%M:%S},100.25,100.5,100.0,100.25,10" for t in times]


def _shifted_sample(nq_sample: Path, tmp_path: Path, zone: str) -> Path:
    """The sample with its naive Eastern times rewritten as naive times of `zone`."""
    frame = pd.read_csv(nq_sample)
    eastern = pd.to_datetime(frame["timestamp"]).dt.tz_localize("America/New_York")
    frame["timestamp"] = eastern.dt.tz_convert(zone).dt.strftime("%Y-%m-%d %H:%M:%S")
    path = tmp_path / f"nq_{zone.replace('/', '_')}.csv"
    frame.to_csv(path, index=False)
    return path


def test_load_bars_sample_in_eastern_time_gives_no_time_zone_warning(nq_sample: Path) -> None:
    assert load_bars(nq_sample).warnings == ()


@pytest.mark.parametrize("zone", ["America/Chicago", "UTC"])
def test_load_bars_sample_shifted_to_another_zone_warns_about_the_maintenance_break(
    nq_sample: Path, tmp_path: Path, zone: str
) -> None:
    result = load_bars(_shifted_sample(nq_sample, tmp_path, zone))
    assert len(result.warnings) == 1
    assert "17:00 and 18:00 ET" in result.warnings[0] and "--tz" in result.warnings[0]


@pytest.mark.parametrize("zone", ["America/Chicago", "UTC"])
def test_load_bars_shifted_sample_read_in_its_own_zone_gives_the_eastern_bars(
    nq_sample: Path, tmp_path: Path, zone: str
) -> None:
    result = load_bars(_shifted_sample(nq_sample, tmp_path, zone), source_tz=zone)
    assert result.warnings == ()
    pd.testing.assert_series_equal(result.bars["ts"], load_bars(nq_sample).bars["ts"])


def test_maintenance_break_check_ignores_a_file_of_regular_hours_only() -> None:
    times = pd.date_range(
        "2023-11-20 09:30", "2023-11-20 16:00", freq="1min", tz="America/New_York"
    )
    assert maintenance_break_warning(pd.Series(times)) is None


def test_load_bars_unknown_time_zone_is_a_clear_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "bars.csv", _minutes("2023-11-20 09:30", 5))
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        load_bars(path, source_tz="Mars/Olympus")


@pytest.mark.parametrize(
    ("step", "found"), [("1h", "1 hour"), ("1D", "1 day"), ("5min", "5 minutes")]
)
def test_load_bars_refuses_bars_that_are_not_one_minute_saying_what_it_found(
    tmp_path: Path, step: str, found: str
) -> None:
    path = tmp_path / "eurusd.csv"
    times = pd.date_range("2023-01-02", periods=200, freq=step)
    path.write_text(
        "\n".join([HEADER, *(f"{t},1.0712,1.0719,1.0705,1.0714,1200" for t in times)]) + "\n"
    )
    with pytest.raises(BarFileError, match=f"eurusd.csv: these are not 1-minute bars.*{found}"):
        load_bars(path)


def test_load_bars_one_minute_bars_with_gaps_are_accepted(tmp_path: Path) -> None:
    lines = _minutes("2023-11-20 09:30", 10) + _minutes("2023-11-20 10:30", 10)
    assert len(load_bars(_write(tmp_path / "gaps.csv", lines)).bars) == 20


def test_describe_interval_reads_as_words() -> None:
    assert describe_interval(60 * 10**9) == "1 minute"
    assert describe_interval(30 * 10**9) == "30 seconds"
    assert describe_interval(2 * 3600 * 10**9) == "2 hours"


def test_load_bars_with_a_tick_quarantines_prices_off_the_tick(tmp_path: Path) -> None:
    lines = _minutes("2023-11-20 09:30", 4)
    lines[2] = "2023-11-20 09:32:00,100.25,100.6,100.0,100.25,10"
    result = load_bars(_write(tmp_path / "tick.csv", lines), tick=0.25)
    assert len(result.bars) == 3
    assert result.quarantined[["line", "reason"]].to_dict("records") == [
        {"line": 4, "reason": "price not on the 0.25 tick"}
    ]


def test_load_bars_eurusd_prices_are_all_off_the_index_futures_tick(tmp_path: Path) -> None:
    times = pd.date_range("2023-01-02", periods=20, freq="1min")
    path = tmp_path / "fx.csv"
    path.write_text(
        "\n".join([HEADER, *(f"{t},1.0712,1.0719,1.0705,1.0714,1200" for t in times)]) + "\n"
    )
    with pytest.raises(BarFileError, match=r"no good bars.*price not on the 0.25 tick: 20"):
        require_bars(load_bars(path, tick=0.25))


def test_load_bars_empty_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(BarFileError, match=r"empty.csv: empty file"):
        load_bars(path)


def test_load_bars_truncated_gzip_is_an_error_naming_the_file_and_line(
    nq_sample: Path, tmp_path: Path
) -> None:
    data = gzip.compress(nq_sample.read_bytes())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(BarFileError, match=r"cut.csv.gz: not a readable gzip file after line \d+"):
        load_bars(path)


def test_load_bars_file_that_is_not_gzip_is_an_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv.gz"
    path.write_text(HEADER + "\n")
    with pytest.raises(BarFileError, match=r"plain.csv.gz: not a readable gzip file"):
        load_bars(path)


def test_load_bars_field_over_the_csv_size_limit_quarantines_that_line(tmp_path: Path) -> None:
    lines = _minutes("2023-11-20 09:30", 4)
    lines[1] = lines[1] + "," + "9" * 140_000  # a seventh field, longer than csv allows
    result = load_bars(_write(tmp_path / "huge.csv", lines))
    assert len(result.bars) == 3
    assert result.quarantined["line"].tolist() == [3]
    assert "field larger than field limit" in result.quarantined["reason"].iloc[0]


def test_load_bars_timestamp_out_of_pandas_range_quarantines_that_line(tmp_path: Path) -> None:
    lines = _minutes("2023-11-20 09:30", 4)
    lines[2] = "2999-11-20 09:32:00,100.25,100.5,100.0,100.25,10"
    result = load_bars(_write(tmp_path / "far.csv", lines))
    assert len(result.bars) == 3
    assert result.quarantined["line"].tolist() == [4]
    assert "out of range" in result.quarantined["reason"].iloc[0]


def test_require_bars_of_a_header_only_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BarFileError, match=r"header.csv: no bars"):
        require_bars(load_bars(_write(tmp_path / "header.csv", [])))


def test_require_bars_when_every_row_is_quarantined_gives_the_reasons(tmp_path: Path) -> None:
    lines = [line.replace("100.0,", "101.0,") for line in _minutes("2023-11-20 09:30", 3)]
    with pytest.raises(BarFileError, match=r"all 3 rows.*high < low: 3.*line 2"):
        require_bars(load_bars(_write(tmp_path / "bad.csv", lines)))
