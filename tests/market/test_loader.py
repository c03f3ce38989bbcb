"""load_bars: the real sample, broken rows and their quarantine, vendor layouts, file errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.market.conftest import SAMPLE_BARS
from transmission.market.loader import BarFileError, LoadResult, load_bars
from transmission.market.validation import (
    DUPLICATE_TIMESTAMP,
    HIGH_BELOW_LOW,
    NEGATIVE_VOLUME,
    NON_FINITE_PRICE,
    OUT_OF_ORDER,
)

ET = "America/New_York"
HEADER = "timestamp,open,high,low,close,volume"
GOOD_LINES = [f"2023-11-20 10:0{minute}:00,10,11,9,10,5" for minute in range(5)]


def write(path: Path, *lines: str) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def values(result: LoadResult) -> list[tuple[object, ...]]:
    frame = result.bars
    return list(zip(frame["ts"], frame["open"], frame["high"], frame["low"], frame["close"],
                    frame["volume"], strict=True))  # fmt: skip


# --- the real sample ---------------------------------------------------------------------------


def test_load_bars_real_sample_accepts_every_bar_as_eastern_bar_frame(nq_sample: Path) -> None:
    result = load_bars(nq_sample)

    assert len(result.bars) == SAMPLE_BARS
    assert result.quarantined.empty
    assert result.duplicates_skipped == 0
    assert result.rows_read == SAMPLE_BARS
    assert result.source == str(nq_sample)
    bars = result.bars
    assert list(bars.columns) == ["ts", "open", "high", "low", "close", "volume", "line"]
    assert str(bars["ts"].dtype) == f"datetime64[ns, {ET}]"
    assert all(bars[c].dtype == np.float64 for c in ("open", "high", "low", "close", "volume"))
    assert isinstance(bars.index, pd.RangeIndex)
    assert bars["ts"].is_monotonic_increasing and bars["ts"].is_unique
    assert bars["line"].tolist() == list(range(2, SAMPLE_BARS + 2))
    assert bars["ts"].iloc[0] == pd.Timestamp("2023-11-19 18:00", tz=ET)
    assert bars.iloc[0][["open", "high", "low", "close", "volume"]].tolist() == [
        15895.00, 15903.75, 15888.00, 15893.25, 571.0,
    ]  # fmt: skip


# --- broken rows -------------------------------------------------------------------------------


@pytest.fixture
def broken_sample(nq_sample: Path, tmp_path: Path) -> tuple[Path, dict[int, str], int]:
    """A copy of the sample with broken rows: (path, {line: reason}, good rows kept)."""
    lines = nq_sample.read_text().splitlines()
    header, rows = lines[0], lines[1:]

    def fields(index: int) -> list[str]:
        return rows[index].split(",")

    def edited(index: int, **changes: str) -> str:
        row = fields(index)
        for name, value in changes.items():
            row[HEADER.split(",").index(name)] = value
        return ",".join(row)

    out = [header]
    expected: dict[int, str] = {}

    def add(text: str, reason: str | None = None) -> None:
        out.append(text)
        if reason is not None:
            expected[len(out)] = reason

    for index in range(len(rows)):
        row = fields(index)
        if index == 100:
            add(edited(index, high=row[3], low=row[2]), HIGH_BELOW_LOW)
        elif index == 200:
            add(edited(index, close="nan"), NON_FINITE_PRICE)
        elif index == 300:
            add(edited(index, volume="-3"), NEGATIVE_VOLUME)
        elif index == 400:
            add(rows[index])
            add(edited(index, close=str(float(row[4]) + 0.25), high=str(float(row[2]) + 1)),
                DUPLICATE_TIMESTAMP)  # fmt: skip
        elif index == 500:
            add(rows[index + 1])
            add(rows[index], OUT_OF_ORDER)
        elif index == 501:
            continue
        elif index == 600:
            add(rows[index])
            add(rows[index])  # an exact duplicate: skipped and counted
        elif index == 700:
            add(",".join(row[:5]), "malformed line: expected 6 fields, found 5")
        elif index == 800:
            add(edited(index, open="15x90.25"), "malformed line: unparseable open '15x90.25'")
        elif index == 900:
            add(rows[index] + ",7", "malformed line: expected 6 fields, found 7")
        else:
            add(rows[index])
    path = tmp_path / "broken.csv"
    path.write_text("\n".join(out) + "\n")
    return path, expected, len(rows) - 7


def test_load_bars_broken_rows_are_quarantined_with_reason_and_line(
    broken_sample: tuple[Path, dict[int, str], int],
) -> None:
    path, expected, _ = broken_sample

    quarantined = load_bars(path).quarantined

    assert dict(zip(quarantined["line"], quarantined["reason"], strict=True)) == expected
    assert list(quarantined.columns) == ["source", "line", "ts", "raw", "reason"]
    assert (quarantined["source"] == str(path)).all()
    lines = path.read_text().splitlines()
    assert quarantined["raw"].tolist() == [lines[line - 1] for line in quarantined["line"]]


def test_load_bars_broken_rows_keep_every_good_bar_and_count_the_exact_duplicate(
    broken_sample: tuple[Path, dict[int, str], int], nq_sample: Path
) -> None:
    path, expected, good_rows = broken_sample

    result = load_bars(path)

    assert len(result.bars) == good_rows
    assert result.duplicates_skipped == 1
    assert result.rows_read == good_rows + len(expected) + 1
    clean = load_bars(nq_sample).bars.set_index("ts")
    kept = result.bars.set_index("ts")
    cols = ["open", "high", "low", "close", "volume"]
    pd.testing.assert_frame_equal(kept[cols], clean.loc[kept.index, cols])
    assert result.bars["ts"].is_monotonic_increasing and result.bars["ts"].is_unique


def test_load_bars_quarantined_parsed_row_keeps_its_timestamp(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        HEADER,
        "2023-11-20 10:00:00,10,11,9,10,5",
        "2023-11-20 10:01:00,10,9,11,10,5",
    )

    quarantined = load_bars(path).quarantined

    assert quarantined["ts"].tolist() == [pd.Timestamp("2023-11-20 10:01", tz=ET)]
    assert str(quarantined["ts"].dtype) == f"datetime64[ns, {ET}]"


def test_load_bars_rejected_bar_does_not_advance_the_time_order(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        HEADER,
        "2023-11-20 10:00:00,10,11,9,10,5",
        "2023-11-20 10:05:00,10,9,11,10,5",  # bad prices: not accepted, so not the last bar
        "2023-11-20 10:01:00,10,11,9,10,5",
    )

    result = load_bars(path)

    assert result.bars["line"].tolist() == [2, 4]
    assert result.quarantined["reason"].tolist() == ["high < low"]


def test_load_bars_bad_timestamps_are_malformed_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        HEADER,
        "2023-11-20 10:00:00,10,11,9,10,5",
        "2023-11-20 25:01:00,10,11,9,10,5",
        ",10,11,9,10,5",
        "2024-03-10 02:30:00,10,11,9,10,5",
        "2023-11-20 10:02:00,10,11,9,10,5",
    )

    result = load_bars(path)

    assert result.bars["line"].tolist() == [2, 6]
    assert result.quarantined["reason"].tolist() == [
        "malformed line: unparseable timestamp '2023-11-20 25:01:00'",
        "malformed line: missing timestamp",
        "malformed line: timestamp '2024-03-10 02:30:00' does not exist in America/New_York",
    ]


def test_load_bars_blank_lines_crlf_and_bom_are_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "bars.csv"
    text = "\ufefftimestamp,open,high,low,close,volume\r\n2023-11-20 10:00:00,10,11,9,10,5\r\n"
    text += "\r\n   \r\n2023-11-20 10:01:00,10,11,9,10,5\r\n\r\n"
    path.write_text(text, encoding="utf-8", newline="")

    result = load_bars(path)

    assert result.bars["line"].tolist() == [2, 5]
    assert result.quarantined.empty
    assert result.rows_read == 2


def test_load_bars_repeated_dst_hour_in_file_order_is_summer_then_winter(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        HEADER,
        "2023-11-05 01:30:00,10,11,9,10,5",
        "2023-11-05 01:59:00,10,11,9,10,5",
        "2023-11-05 01:00:00,10,11,9,10,5",
        "2023-11-05 01:30:00,10,11,9,10,5",
    )

    ts = load_bars(path).bars["ts"]

    offsets = [t.utcoffset().total_seconds() / 3600 for t in ts]
    assert offsets == [-4, -4, -5, -5]
    assert ts.is_monotonic_increasing


# --- vendor layouts ----------------------------------------------------------------------------


EXPECTED = [
    (pd.Timestamp("2023-11-19 18:00", tz=ET), 15895.0, 15903.75, 15888.0, 15893.25, 571.0),
    (pd.Timestamp("2023-11-19 18:01", tz=ET), 15893.0, 15893.5, 15877.75, 15883.75, 549.0),
]


@pytest.mark.parametrize(
    "name, lines",
    [
        pytest.param(
            "tradestation.txt",
            ["Date,Time,Open,High,Low,Close,Vol,OI",
             "11/19/2023,1800,15895.00,15903.75,15888.00,15893.25,571,0",
             "11/19/2023,1801,15893.00,15893.50,15877.75,15883.75,549,0"],
            id="date-and-hhmm-time-columns",
        ),
        pytest.param(
            "pair.csv",
            ["date,time,open,high,low,close,volume",
             "2023-11-19,18:00:00,15895.00,15903.75,15888.00,15893.25,571",
             "2023-11-19,18:01:00,15893.00,15893.50,15877.75,15883.75,549"],
            id="date-and-time-columns",
        ),
        pytest.param(
            "upper.csv",
            [" TIMESTAMP , O , H , L , C , V ",
             "2023-11-19 18:00:00,15895.00,15903.75,15888.00,15893.25,571",
             "2023-11-19 18:01:00,15893.00,15893.50,15877.75,15883.75,549"],
            id="upper-case-short-names-with-spaces",
        ),
        pytest.param(
            "offset.csv",
            ["DateTime,Open,High,Low,Close,Volume",
             "2023-11-19T23:00:00Z,15895.00,15903.75,15888.00,15893.25,571",
             "2023-11-19T18:01:00-05:00,15893.00,15893.50,15877.75,15883.75,549"],
            id="datetime-with-offsets",
        ),
        pytest.param(
            "semicolon.csv",
            ["Date_Time;Open;High;Low;Close;Volume",
             "2023-11-19 18:00;15895.00;15903.75;15888.00;15893.25;571",
             "2023-11-19 18:01; 15893.00 ; 15893.50;15877.75;15883.75;549"],
            id="semicolons-and-padded-numbers",
        ),
        pytest.param(
            "epoch.csv",
            ["time,open,high,low,close,volume",
             "1700434800,15895.00,15903.75,15888.00,15893.25,571",
             "1700434860,15893.00,15893.50,15877.75,15883.75,549"],
            id="unix-epoch-seconds",
        ),
        pytest.param(
            "quoted.csv",
            ['"Date","Time","Open","High","Low","Close","Volume"',
             '"2023-11-19","18:00","15895.00","15903.75","15888.00","15893.25","571"',
             '"2023-11-19","18:01","15893.00","15893.50","15877.75","15883.75","549"'],
            id="quoted-fields",
        ),
    ],
)  # fmt: skip
def test_load_bars_vendor_layout_gives_the_same_eastern_bars(
    tmp_path: Path, name: str, lines: list[str]
) -> None:
    result = load_bars(write(tmp_path / name, *lines))

    assert values(result) == EXPECTED
    assert result.quarantined.empty
    assert str(result.bars["ts"].dtype) == f"datetime64[ns, {ET}]"


def test_load_bars_naive_times_take_the_source_timezone(tmp_path: Path) -> None:
    path = write(tmp_path / "chicago.csv", HEADER, "2023-11-19 17:00:00,10,11,9,10,5")

    ts = load_bars(path, source_tz="America/Chicago").bars["ts"]

    assert ts.tolist() == [pd.Timestamp("2023-11-19 18:00", tz=ET)]


def test_load_bars_gzipped_csv_reads_like_the_plain_file(nq_sample: Path, tmp_path: Path) -> None:
    path = tmp_path / "sample.csv.gz"
    path.write_bytes(gzip.compress(nq_sample.read_bytes()))

    result = load_bars(path)

    pd.testing.assert_frame_equal(result.bars, load_bars(nq_sample).bars)


def test_load_bars_parquet_round_trip_keeps_the_bars(nq_sample: Path, tmp_path: Path) -> None:
    bars = load_bars(nq_sample).bars.drop(columns="line")
    path = tmp_path / "sample.parquet"
    bars.to_parquet(path)

    result = load_bars(path)

    pd.testing.assert_frame_equal(result.bars.drop(columns="line"), bars)
    assert result.bars["line"].tolist() == list(range(1, len(bars) + 1))
    assert result.quarantined.empty


def test_load_bars_parquet_naive_upper_case_quarantines_by_row(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "DATETIME": pd.to_datetime(["2023-11-19 18:00", "2023-11-19 18:01"]),
            "OPEN": [10.0, 10.0],
            "HIGH": [11.0, 9.0],
            "LOW": [9.0, 9.5],
            "CLOSE": [10.0, 9.5],
            "VOLUME": [5, 6],
        }
    )
    path = tmp_path / "bars.pq"
    frame.to_parquet(path)

    result = load_bars(path)

    assert result.bars["ts"].tolist() == [pd.Timestamp("2023-11-19 18:00", tz=ET)]
    assert result.quarantined[["line", "reason"]].values.tolist() == [[2, "high < low"]]
    assert "'HIGH': 9.0" in result.quarantined["raw"].iloc[0]


# --- file errors -------------------------------------------------------------------------------


def test_load_bars_missing_file_raises_bar_file_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.csv"

    with pytest.raises(BarFileError, match="not found") as error:
        load_bars(path)

    assert str(path) in str(error.value)
    assert isinstance(error.value, ValueError)


def test_load_bars_without_timestamp_column_names_file_and_columns_found(tmp_path: Path) -> None:
    path = write(tmp_path / "bars.csv", "when,open,high,low,close,volume", "x,1,2,0,1,5")

    with pytest.raises(BarFileError) as error:
        load_bars(path)

    message = str(error.value)
    assert str(path) in message
    assert "no timestamp column" in message
    assert "'when'" in message


def test_load_bars_without_ohlcv_columns_names_the_missing_ones(tmp_path: Path) -> None:
    path = write(tmp_path / "bars.csv", "timestamp,open,close", "2023-11-19 18:00:00,1,1")

    with pytest.raises(BarFileError, match=r"no high, low, volume columns") as error:
        load_bars(path)

    assert str(path) in str(error.value)


def test_load_bars_headerless_file_raises_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path / "bars.csv", "2023-11-19 18:00:00,10,11,9,10,5")

    with pytest.raises(BarFileError, match="headerless files are not supported"):
        load_bars(path)


def test_load_bars_unknown_suffix_raises_bar_file_error(tmp_path: Path) -> None:
    path = write(tmp_path / "bars.json", "{}")

    with pytest.raises(BarFileError, match="unsupported file type"):
        load_bars(path)


# --- speed -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_load_bars_million_rows_with_bad_lines_keeps_every_good_row(
    nq_sample: Path, tmp_path: Path
) -> None:
    sample = pd.read_csv(nq_sample, parse_dates=["timestamp"])
    reps = -(-1_000_000 // len(sample))
    shift = np.repeat(np.arange(reps), len(sample)) * np.timedelta64(21, "D")
    ts = np.tile(sample["timestamp"].to_numpy(), reps) + shift
    table = pa.table(
        {
            "timestamp": pa.array(pd.Series(ts[:1_000_000]).dt.strftime("%Y-%m-%d %H:%M:%S")),
            **{
                c: pa.array(np.tile(sample[c].to_numpy(dtype=float), reps)[:1_000_000])
                for c in ("open", "high", "low", "close", "volume")
            },
        }
    )
    path = tmp_path / "million.csv"
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="none"))
    with path.open("a") as handle:
        handle.write("2099-01-01 00:00:00,1,2\n2099-01-01 00:01:00,abc,1,1,1,1\n")

    result = load_bars(path)

    assert len(result.bars) == 1_000_000
    assert len(result.quarantined) == 2


# --- robustness --------------------------------------------------------------------------------

garbage_line = st.text(alphabet='0123456789,.-:; "\tNaEe', max_size=40)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(garbage_line, st.sampled_from(GOOD_LINES)), max_size=12))
def test_load_bars_arbitrary_lines_never_raise_and_every_row_is_accounted_for(
    tmp_path_factory: pytest.TempPathFactory, lines: list[str]
) -> None:
    path = write(tmp_path_factory.mktemp("fuzz") / "bars.csv", HEADER, *lines)

    result = load_bars(path)

    accounted = len(result.bars) + len(result.quarantined) + result.duplicates_skipped
    assert accounted == result.rows_read == sum(1 for line in lines if line.strip())
    assert result.bars["ts"].is_monotonic_increasing and result.bars["ts"].is_unique
    assert result.quarantined["line"].is_unique


def test_load_bars_quoted_delimiter_counts_fields_as_csv_does(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bars.csv",
        HEADER,
        '"2023-11-20 10:00:00",10,11,9,"10,5"',
        "2023-11-20 10:01:00,10,11,9,10,5",
        'x\x00y,"1,2",3',
    )

    result = load_bars(path)

    assert result.bars["line"].tolist() == [3]
    assert result.quarantined[["line", "reason"]].values.tolist() == [
        [2, "malformed line: expected 6 fields, found 5"],
        [4, "malformed line: expected 6 fields, found 3"],
    ]
