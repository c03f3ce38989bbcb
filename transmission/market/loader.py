"""Load 1-minute bar files (CSV, gzipped CSV, Parquet) into bar frames, quarantining bad rows.

Accepts the sample's layout and common vendor exports: a timestamp column (`timestamp`,
`datetime`, `date_time`, `ts`, `time`, or a `date` + `time` pair), o/h/l/c/v or full names (any
case, surrounding spaces), naive timestamps (taken as `source_tz`), timestamps with an offset or
`Z`, and Unix epochs (UTC). Headerless files are not supported.

CSV files are pre-scanned as bytes with numpy: lines with the wrong number of fields (or unbalanced
quotes) are quarantined, the rest go to pyarrow's multi-threaded CSV reader as strings, so one bad
line costs nothing for the others and a million rows load in about a second.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from pandas.tseries.api import guess_datetime_format

from transmission.market.calendar import (
    EXCHANGE_TZ,
    check_timezone,
    epoch_ns,
    to_exchange_time,
    trading_days_of,
)
from transmission.market.sanity import (
    interval_problem,
    maintenance_break_warning,
    off_tick,
    off_tick_reason,
)
from transmission.market.validation import (
    BAR_COLUMNS,
    EXACT_DUPLICATE,
    MALFORMED,
    VALUE_COLUMNS,
    bar_reasons,
    quarantine_frame,
)

CSV_SUFFIXES = (".csv", ".txt", ".csv.gz", ".txt.gz")
PARQUET_SUFFIXES = (".parquet", ".pq")

_TIMESTAMP_NAMES = ("timestamp", "datetime", "date_time", "ts")
_VALUE_NAMES: dict[str, tuple[str, ...]] = {
    "open": ("open", "o"),
    "high": ("high", "h"),
    "low": ("low", "l"),
    "close": ("close", "c", "last"),
    "volume": ("volume", "vol", "v", "total_volume", "totalvolume"),
}
_DELIMITERS = (",", ";", "\t", "|")
_NA_TOKENS = pa_csv.ConvertOptions().null_values
_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|infinity|nan)$"
_EPOCH = re.compile(r"^\d{9,19}$")
_CLOCK_DIGITS = re.compile(r"^\d{3,6}$")
_FORMAT_SAMPLE = 64
_EPOCH_UNITS: tuple[Literal["s", "ms", "us", "ns"], ...] = ("s", "ms", "us", "ns")
_EPOCH_BOUNDS = (1e11, 1e14, 1e17)  # an epoch above 1e11 s would be after the year 5000


class BarFileError(ValueError):
    """A bar file that cannot be read at all (missing, unsupported, no usable columns)."""


@dataclass(frozen=True)
class LoadResult:
    """Accepted bars (a bar frame plus a 1-based `line` column), quarantined rows and counts.

    `warnings` are doubts about the whole file that do not reject it (a time zone that puts bars
    in the daily maintenance break).
    """

    bars: pd.DataFrame
    quarantined: pd.DataFrame
    duplicates_skipped: int
    source: str
    rows_read: int
    warnings: tuple[str, ...] = ()


def load_bars(
    path: str | Path, *, source_tz: str = EXCHANGE_TZ, tick: float | None = None
) -> LoadResult:
    """Read a CSV (.csv, .txt, .csv.gz, .txt.gz) or Parquet (.parquet, .pq) file of 1-minute bars.

    Naive timestamps are taken as `source_tz`; bars come out in US/Eastern. With `tick`, a bar
    with a price off that tick is quarantined. A bad row never raises: it goes to `quarantined`
    with its line and reason. Raises `BarFileError` when the file is missing, empty, corrupt, of
    an unknown kind, headerless, lacks a timestamp or OHLCV column, or is not 1-minute bars.
    """
    file = Path(path)
    source = str(path)
    name = file.name.lower()
    check_timezone(source_tz)
    if not file.is_file():
        raise BarFileError(f"bar file not found: {source}")
    if name.endswith(PARQUET_SUFFIXES):
        result = _load_parquet(file, source, source_tz, tick)
    elif name.endswith(CSV_SUFFIXES):
        data = file.read_bytes()
        if name.endswith(".gz"):
            data = _gunzip(data, source)
        result = _load_text(_as_utf8(data), source, source_tz, tick)
    else:
        kinds = ", ".join((*CSV_SUFFIXES, *PARQUET_SUFFIXES))
        raise BarFileError(f"{source}: unsupported file type (expected one of {kinds})")
    # Every row with a timestamp counts: bars quarantined for their prices still show the spacing.
    stamped = pd.concat([result.bars["ts"], result.quarantined["ts"].dropna()])
    problem = interval_problem(epoch_ns(stamped))
    if problem is not None:
        raise BarFileError(f"{source}: {problem}")
    warning = maintenance_break_warning(result.bars["ts"])
    if warning is not None:
        result = replace(result, warnings=(*result.warnings, f"{source}: {warning}"))
    return result


def require_bars(result: LoadResult) -> LoadResult:
    """`result` when it has at least one good bar; else a `BarFileError` giving the reasons."""
    if len(result.bars):
        return result
    reasons = Counter(str(reason) for reason in result.quarantined["reason"])
    if not reasons:
        raise BarFileError(f"{result.source}: no bars (the file has a header and no data rows)")
    first = result.quarantined.iloc[0]
    counted = "; ".join(f"{reason}: {n}" for reason, n in reasons.most_common(5))
    raise BarFileError(
        f"{result.source}: no good bars: all {len(result.quarantined)} rows read were "
        f"quarantined ({counted}); first: line {int(first['line'])}: {first['reason']}"
    )


def _gunzip(data: bytes, source: str) -> bytes:
    """A gzip file's text; a corrupt or truncated one is an error naming the file and line."""
    inflater = zlib.decompressobj(wbits=31)
    text = b""
    try:
        text = inflater.decompress(data)
        if inflater.eof:
            return text
        problem = "the compressed data ends early (a truncated copy?)"
    except zlib.error as error:
        problem = str(error)
    lines = text.count(b"\n")
    where = f" after line {lines}" if lines else ""
    raise BarFileError(f"{source}: not a readable gzip file{where}: {problem}")


def load_frame(
    frame: pd.DataFrame, *, source: str = "DataFrame", source_tz: str = "America/New_York"
) -> LoadResult:
    """A DataFrame of 1-minute bars, read as a Parquet file would be: the same column names, the
    same validation and quarantine (`line` is the 1-based row). A DatetimeIndex serves as the
    timestamp column when no column is one."""
    if not isinstance(frame, pd.DataFrame):
        raise BarFileError(f"{source}: expected a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(frame.index, pd.DatetimeIndex):
        names = {_normalise(str(c)) for c in frame.columns}
        if not names & {*_TIMESTAMP_NAMES, "date", "time"}:
            frame = frame.rename_axis("timestamp").reset_index()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    columns = _resolve_columns([str(name) for name in table.column_names], source)
    keys = [f"ts{i}" for i in range(len(columns.timestamp))] + list(VALUE_COLUMNS)
    indices = [*columns.timestamp, *columns.values]
    arrays = {key: table.column(i) for key, i in zip(keys, indices, strict=True)}
    parsed = _parse(arrays, source_tz)

    def raw(rows: list[int]) -> list[str]:
        return [repr(table.slice(row, 1).to_pylist()[0]) for row in rows]

    empty = quarantine_frame(source, [], pd.Series([], dtype="datetime64[ns, UTC]"), [], [])
    lines = np.arange(1, table.num_rows + 1)
    return _finish(parsed, lines, raw, empty, source, rows_read=table.num_rows)


# --- columns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Columns:
    """Positions of the timestamp column(s) and of open, high, low, close, volume in a header."""

    timestamp: tuple[int, ...]
    values: tuple[int, int, int, int, int]


def _normalise(name: str) -> str:
    name = name.strip().strip("\"'<>").strip().lower()
    return re.sub(r"[\s\-]+", "_", name)


def _resolve_columns(header: list[str], source: str) -> _Columns:
    names = [_normalise(name) for name in header]

    def find(*candidates: str) -> int | None:
        for candidate in candidates:
            if candidate in names:
                return names.index(candidate)
        return None

    timestamp: tuple[int, ...] = ()
    single = find(*_TIMESTAMP_NAMES)
    date, time = find("date"), find("time")
    if single is not None:
        timestamp = (single,)
    elif date is not None and time is not None:
        timestamp = (date, time)
    elif time is not None or date is not None:
        timestamp = (time if time is not None else date,)  # type: ignore[assignment]
    values = {field: find(*aliases) for field, aliases in _VALUE_NAMES.items()}
    problems = []
    if not timestamp:
        problems.append(
            "no timestamp column (expected timestamp, datetime, date_time, ts, time, "
            "or date + time)"
        )
    missing = [field for field, index in values.items() if index is None]
    if missing:
        problems.append(f"no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}")
    if problems:
        found = ", ".join(repr(name.strip()) for name in header)
        raise BarFileError(f"{source}: {'; '.join(problems)}; columns found: {found}")
    return _Columns(timestamp, tuple(values.values()))  # type: ignore[arg-type]


# --- CSV -----------------------------------------------------------------------------------------


def _as_utf8(data: bytes) -> bytes:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16").encode("utf-8")
    return data


def _load_text(data: bytes, source: str, source_tz: str, tick: float | None) -> LoadResult:
    if not data.strip():
        raise BarFileError(f"{source}: empty file (no header, no bars)")
    if b"\n" not in data and b"\r" in data:
        data = data.replace(b"\r", b"\n")
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == ord("\n"))
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(data)]))
    crlf = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == ord("\r"))
    ends = ends - crlf
    blank = ends == starts

    def text(line_index: int) -> str:
        line = data[starts[line_index] : ends[line_index]].decode("utf-8", errors="replace")
        return line.replace("\x00", "\ufffd")  # the csv module refuses NUL characters

    non_blank = np.flatnonzero(~blank)
    if len(non_blank) == 0:
        raise BarFileError(f"{source}: empty file")
    header_index = int(non_blank[0])
    header_text = text(header_index)
    delimiter = max(_DELIMITERS, key=header_text.count)
    header = _csv_fields(header_text, delimiter)
    if isinstance(header, str):
        raise BarFileError(f"{source}: line {header_index + 1} (the header): {header}")
    if re.match(r"""^\s*["']?[-+.\d]""", header[0]):
        raise BarFileError(
            f"{source}: the first line looks like data, not a header ({header_text[:80]!r}); "
            "headerless files are not supported: add a header such as "
            "timestamp,open,high,low,close,volume"
        )
    columns = _resolve_columns(header, source)
    n_fields = len(header)

    malformed: dict[int, str] = {}
    if b'"' in data:
        quotes = _count(buf, '"', starts, ends)
        for index in np.flatnonzero((quotes % 2 == 1) & ~blank):
            malformed[int(index)] = f"{MALFORMED}: unbalanced quotes"
    fields = _field_counts(buf, delimiter, starts)
    wrong = np.flatnonzero((fields != n_fields) & ~blank)
    for index in wrong:
        line_text = text(int(index))
        if not line_text.strip():
            blank[index] = True
        else:
            found = _csv_fields(line_text, delimiter)
            malformed.setdefault(
                int(index),
                f"{MALFORMED}: {found}"
                if isinstance(found, str)
                else f"{MALFORMED}: expected {n_fields} fields, found {len(found)}",
            )

    data_lines = np.arange(header_index + 1, len(starts))
    data_lines = data_lines[~blank[data_lines]]
    bad_lines = np.fromiter(sorted(malformed), dtype=np.int64, count=len(malformed))
    good_lines = np.setdiff1d(data_lines, bad_lines, assume_unique=True)

    strings = _read_strings(data, starts, ends, good_lines, header, delimiter, columns)
    parsed = _parse(strings, source_tz)
    line_numbers = good_lines + 1
    bad_quarantine = quarantine_frame(
        source,
        bad_lines + 1,
        pd.Series(pd.NaT, index=range(len(bad_lines)), dtype="datetime64[ns, UTC]"),
        [text(int(i)) for i in bad_lines],
        [malformed[int(i)] for i in bad_lines],
    )
    return _finish(
        parsed,
        line_numbers,
        lambda rows: [text(int(good_lines[row])) for row in rows],
        bad_quarantine,
        source,
        rows_read=len(data_lines),
        tick=tick,
    )


def _csv_fields(line: str, delimiter: str) -> list[str] | str:
    """A line's fields as csv splits them, or why csv cannot (a field over its size limit)."""
    try:
        return next(csv.reader([line], delimiter=delimiter))
    except csv.Error as error:  # field larger than field limit (131072)
        return str(error)


def _count(
    buf: npt.NDArray[np.uint8],
    char: str,
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
) -> npt.NDArray[np.int64]:
    """Occurrences of a one-byte character in each line."""
    positions = np.flatnonzero(buf == ord(char))
    counts: npt.NDArray[np.int64] = np.searchsorted(positions, ends) - np.searchsorted(
        positions, starts
    )
    return counts


def _field_counts(
    buf: npt.NDArray[np.uint8], delimiter: str, starts: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Fields in each line as csv counts them: delimiters inside double quotes do not split."""
    delimiters = np.flatnonzero(buf == ord(delimiter))
    line = np.searchsorted(starts, delimiters, side="right") - 1
    quotes = np.flatnonzero(buf == ord('"'))
    if len(quotes):
        # A delimiter is inside a quoted field when an odd number of quotes precede it on its line
        # (an escaped "" inside a field counts twice, so the parity still holds).
        before = np.searchsorted(quotes, delimiters) - np.searchsorted(quotes, starts[line])
        line = line[before % 2 == 0]
    counts: npt.NDArray[np.int64] = np.bincount(line, minlength=len(starts)) + 1
    return counts


def _read_strings(
    data: bytes,
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    good_lines: npt.NDArray[np.int64],
    header: list[str],
    delimiter: str,
    columns: _Columns,
) -> dict[str, pa.ChunkedArray]:
    """The needed columns of the good lines, as strings (nulls for NA tokens), in line order."""
    wanted = [*columns.timestamp, *columns.values]
    keys = [f"ts{i}" for i in range(len(columns.timestamp))] + list(VALUE_COLUMNS)
    if len(good_lines) == 0:
        return {key: pa.chunked_array([pa.array([], pa.string())]) for key in keys}
    # Runs of consecutive good lines are copied as whole slices: one slice for a clean file.
    breaks = np.flatnonzero(np.diff(good_lines) != 1)
    run_first = good_lines[np.concatenate(([0], breaks + 1))]
    run_last = good_lines[np.concatenate((breaks, [len(good_lines) - 1]))]
    view = memoryview(data)
    body = (
        view[starts[run_first[0]] : ends[run_last[0]]]
        if len(run_first) == 1
        else b"\n".join(
            view[starts[first] : ends[last]]
            for first, last in zip(run_first, run_last, strict=True)
        )
    )
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(body),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=pa_csv.ConvertOptions(
                include_columns=[names[i] for i in wanted],
                column_types={names[i]: pa.string() for i in wanted},
                strings_can_be_null=True,
            ),
        )
        if table.num_rows == len(good_lines):
            return {key: table.column(names[i]) for key, i in zip(keys, wanted, strict=True)}
    except pa.ArrowInvalid:
        pass
    # Rare layouts pyarrow rejects (quoted delimiters it counts differently): parse in Python.
    text = bytes(body).decode("utf-8", errors="replace")
    # A line csv cannot split (a field over its size limit) gives no fields: a missing timestamp.
    split = (_csv_fields(line, delimiter) for line in text.split("\n"))
    rows = [fields if isinstance(fields, list) else [] for fields in split]
    na = set(_NA_TOKENS)
    return {
        key: pa.chunked_array([pa.array([_field(row, i, na) for row in rows], pa.string())])
        for key, i in zip(keys, wanted, strict=True)
    }


def _field(row: list[str], index: int, na: set[str]) -> str | None:
    value = row[index] if index < len(row) else None
    return None if value is None or value in na else value


# --- Parquet -------------------------------------------------------------------------------------


def _load_parquet(file: Path, source: str, source_tz: str, tick: float | None) -> LoadResult:
    try:
        table = pq.read_table(file)
    except (pa.ArrowInvalid, OSError) as error:
        raise BarFileError(f"{source}: not a readable Parquet file ({error})") from error
    columns = _resolve_columns(table.column_names, source)
    keys = [f"ts{i}" for i in range(len(columns.timestamp))] + list(VALUE_COLUMNS)
    indices = [*columns.timestamp, *columns.values]
    arrays = {key: table.column(i) for key, i in zip(keys, indices, strict=True)}
    parsed = _parse(arrays, source_tz)
    line_numbers = np.arange(1, table.num_rows + 1)

    def raw(rows: list[int]) -> list[str]:
        return [repr(table.slice(row, 1).to_pylist()[0]) for row in rows]

    empty = quarantine_frame(source, [], pd.Series([], dtype="datetime64[ns, UTC]"), [], [])
    return _finish(parsed, line_numbers, raw, empty, source, rows_read=table.num_rows, tick=tick)


# --- parsing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    frame: pd.DataFrame  # ts (tz-aware, NaT when unusable) and the five values
    malformed: npt.NDArray[np.object_]  # a reason per row, or None


def _parse(arrays: dict[str, pa.ChunkedArray], source_tz: str) -> _Parsed:
    """Typed timestamps and values from string (CSV) or typed (Parquet) columns."""
    n = len(arrays["open"])
    malformed = np.full(n, None, dtype=object)
    ts, ts_problem = _timestamps(arrays, source_tz)
    frame = pd.DataFrame({"ts": ts})
    for field in VALUE_COLUMNS:
        values, unparseable = _floats(arrays[field])
        frame[field] = values
        for row in np.flatnonzero(unparseable & pd.isna(malformed)):
            value = arrays[field][int(row)].as_py()
            malformed[row] = f"{MALFORMED}: unparseable {field} {value!r}"
    has_problem = ~pd.isna(ts_problem)
    malformed[has_problem] = ts_problem[has_problem]
    return _Parsed(frame, malformed)


def _floats(column: pa.ChunkedArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Float values (NaN for nulls) and a mask of entries that are not numbers at all."""
    try:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        return values, np.zeros(len(column), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        column = _as_text(column)
    trimmed = pc.utf8_trim_whitespace(column)
    missing = pc.fill_null(pc.is_in(trimmed, value_set=pa.array(_NA_TOKENS)), True)
    number = pc.fill_null(pc.match_substring_regex(trimmed, _NUMBER, ignore_case=True), False)
    usable = pc.and_(number, pc.invert(missing))
    values = pc.cast(pc.if_else(usable, trimmed, None), pa.float64())
    unparseable = pc.and_(pc.invert(usable), pc.invert(missing))
    return (
        values.to_numpy(zero_copy_only=False),
        unparseable.to_numpy(zero_copy_only=False).astype(bool),
    )


def _timestamps(
    arrays: dict[str, pa.ChunkedArray], source_tz: str
) -> tuple[pd.Series, npt.NDArray[np.object_]]:
    """Tz-aware timestamps (NaT where unusable) and a malformed-line reason per row or None."""
    column = arrays["ts0"]
    if "ts1" in arrays:
        column = _join_date_time(_as_text(column), _as_text(arrays["ts1"]))
    problem = np.full(len(column), None, dtype=object)
    if pa.types.is_timestamp(column.type):
        ts = column.to_pandas().reset_index(drop=True)
    elif pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        ts = _from_epoch(column)
    else:
        ts = _parse_text(pc.utf8_trim_whitespace(_as_text(column)))
    if ts.dt.tz is None:
        ts, nonexistent = _localize(ts, source_tz)
        for row in np.flatnonzero(nonexistent):
            problem[row] = (
                f"{MALFORMED}: timestamp {_ts_text(column, row)!r} does not exist in {source_tz}"
            )
    ts, out_of_range = _as_ns(ts)
    for row in np.flatnonzero(out_of_range & pd.isna(problem)):
        problem[row] = (
            f"{MALFORMED}: timestamp {_ts_text(column, row)!r} is out of range "
            f"({pd.Timestamp.min.year} to {pd.Timestamp.max.year})"
        )
    missing = pc.is_null(column).to_numpy(zero_copy_only=False).astype(bool)
    unparsed = ts.isna().to_numpy() & pd.isna(problem)
    for row in np.flatnonzero(unparsed):
        if missing[row]:
            problem[row] = f"{MALFORMED}: missing timestamp"
        else:
            problem[row] = f"{MALFORMED}: unparseable timestamp {_ts_text(column, row)!r}"
    return ts, problem


_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _as_ns(ts: pd.Series) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Timestamps at ns resolution (the bar frame's) and a mask of those ns cannot hold.

    pandas parses text at a coarser unit that reaches far beyond the years 1677 to 2262.
    """
    unit = ts.dt.unit
    if unit == "ns":
        return ts, np.zeros(len(ts), dtype=bool)
    ticks = ts.array.asi8
    bound = np.iinfo(np.int64).max // _UNIT_NS[unit] - 1
    out_of_range = ts.notna().to_numpy() & (np.abs(ticks) > bound)
    if out_of_range.any():
        ts = ts.mask(out_of_range)
    return ts.dt.as_unit("ns"), out_of_range


def _ts_text(column: pa.ChunkedArray, row: Any) -> str:
    return str(column[int(row)].as_py())


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return pc.cast(column, pa.string())


def _join_date_time(date: pa.ChunkedArray, time: pa.ChunkedArray) -> pa.ChunkedArray:
    """'date time' strings; a digits-only clock (930, 1800, 093000) gets its colons."""
    time = pc.utf8_trim_whitespace(time)
    sample = [value for value in time.drop_null()[:_FORMAT_SAMPLE].to_pylist() if value]
    if sample and all(_CLOCK_DIGITS.match(value) for value in sample):
        width = 4 if max(len(value) for value in sample) <= 4 else 6
        padded = pc.utf8_lpad(time, width=width, padding="0")
        parts = [pc.utf8_slice_codeunits(padded, start, start + 2) for start in range(0, width, 2)]
        time = pc.binary_join_element_wise(*parts, ":")
    return pc.binary_join_element_wise(pc.utf8_trim_whitespace(date), time, " ")


def _parse_text(text: pa.ChunkedArray) -> pd.Series:
    """Timestamps from strings: one format guessed from a sample, then parsed in one pass."""
    present = text.drop_null()
    step = max(1, len(present) // _FORMAT_SAMPLE)
    sample = [value for value in present[::step].to_pylist() if value][:_FORMAT_SAMPLE]
    if sample and all(_EPOCH.match(value) for value in sample):
        numbers = pc.cast(
            pc.if_else(pc.match_substring_regex(text, r"^\d+$"), text, None), pa.int64()
        )
        return _from_epoch(numbers)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        guesses = Counter(fmt for fmt in map(guess_datetime_format, sample) if fmt)
    strings = text.to_pandas().reset_index(drop=True)
    if guesses:
        fmt = guesses.most_common(1)[0][0]
        has_offset = "%z" in fmt or "%Z" in fmt
        return pd.to_datetime(strings, format=fmt, errors="coerce", utc=has_offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.to_datetime(strings, format="mixed", errors="coerce")
        except ValueError:  # mixed offsets: compare them in UTC
            return pd.to_datetime(strings, format="mixed", errors="coerce", utc=True)


def _from_epoch(numbers: pa.ChunkedArray) -> pd.Series:
    """UTC timestamps from Unix epochs in s, ms, us or ns (the unit guessed from magnitude)."""
    missing = pc.is_null(numbers).to_numpy(zero_copy_only=False).astype(bool)
    if pa.types.is_integer(numbers.type):
        values = pc.fill_null(pc.cast(numbers, pa.int64()), 0).to_numpy(zero_copy_only=False)
    else:
        values = pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False)
    present = np.abs(values[~missing])
    magnitude = float(np.median(present)) if len(present) else 0.0
    unit = _EPOCH_UNITS[int(np.searchsorted(_EPOCH_BOUNDS, magnitude, side="right"))]
    ts = pd.Series(pd.to_datetime(values, unit=unit, utc=True, errors="coerce"))
    ts[missing] = pd.NaT
    return ts


def _localize(naive: pd.Series, tz: str) -> tuple[pd.Series, npt.NDArray[np.bool_]]:
    """Naive wall-clock times in `tz`, and a mask of times that do not exist there (DST gap).

    A time in the repeated hour of a DST fall-back is the first (summer) one unless it comes
    after a later time of that hour in the file: vendors write the two hours in order.
    """
    aware = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    unresolved = aware.isna().to_numpy() & naive.notna().to_numpy()
    if not unresolved.any():
        return aware, np.zeros(len(naive), dtype=bool)
    summer = naive.dt.tz_localize(tz, ambiguous=np.ones(len(naive), bool), nonexistent="NaT")
    winter = naive.dt.tz_localize(tz, ambiguous=np.zeros(len(naive), bool), nonexistent="NaT")
    nonexistent = summer.isna().to_numpy() & naive.notna().to_numpy()
    ambiguous = np.flatnonzero(unresolved & ~nonexistent)
    clock = naive.iloc[ambiguous]
    day = clock.dt.normalize()
    went_back = clock.groupby(day).diff().lt(pd.Timedelta(0))
    second_pass = went_back.astype(int).groupby(day).cumsum().gt(0).to_numpy()
    resolved = aware.copy()
    resolved.iloc[ambiguous] = np.where(
        second_pass, winter.iloc[ambiguous].to_numpy(), summer.iloc[ambiguous].to_numpy()
    )
    return resolved, nonexistent


# --- assembly ------------------------------------------------------------------------------------


def _finish(
    parsed: _Parsed,
    line_numbers: npt.NDArray[np.int64],
    raw: Any,
    earlier_quarantine: pd.DataFrame,
    source: str,
    *,
    rows_read: int,
    tick: float | None = None,
) -> LoadResult:
    """Validate parsed rows in file order and split them into bars, quarantine and duplicates."""
    frame = parsed.frame
    reasons = bar_reasons(frame)
    is_malformed = ~pd.isna(parsed.malformed)
    reasons[is_malformed] = parsed.malformed[is_malformed]
    if tick is not None:
        undecided = pd.isna(reasons)
        wrong_tick = undecided & off_tick(frame[["open", "high", "low", "close"]].to_numpy(), tick)
        reasons[wrong_tick] = off_tick_reason(tick)
    good = pd.isna(reasons)
    duplicate = reasons == EXACT_DUPLICATE
    bad = np.flatnonzero(~good & ~duplicate)

    bars = frame.loc[good, list(BAR_COLUMNS)].reset_index(drop=True)
    bars["ts"] = to_exchange_time(bars["ts"])
    for field in VALUE_COLUMNS:
        bars[field] = bars[field].astype("float64")
    bars["line"] = line_numbers[good].astype(np.int64)

    quarantined = quarantine_frame(
        source, line_numbers[bad], frame["ts"].iloc[bad], raw(bad.tolist()), reasons[bad]
    )
    parts = [part for part in (earlier_quarantine, quarantined) if len(part)]
    if parts:
        quarantined = pd.concat(parts, ignore_index=True)
    quarantined = quarantined.sort_values("line", kind="stable").reset_index(drop=True)
    quarantined["ts"] = quarantined["ts"].astype(pd.DatetimeTZDtype("ns", EXCHANGE_TZ))
    return LoadResult(
        bars=bars,
        quarantined=quarantined,
        duplicates_skipped=int(duplicate.sum()),
        source=source,
        rows_read=rows_read,
    )


def select_trading_days(bars: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """The bars of the Globex trading days from `start` to `end` (both inclusive; None: open).

    A bar at 18:00 ET or later belongs to the next trading day (DESIGN.md section 2), so
    `start=2023-11-21` begins with the evening session of Nov 20. No bar in the range is an error
    that says which days the bars cover.
    """
    if start is None and end is None:
        return bars
    if start is not None and end is not None and start > end:
        raise ValueError(f"start {start} is after end {end}")
    days = trading_days_of(bars["ts"]).dt.date
    keep = np.ones(len(bars), dtype=bool)
    if start is not None:
        keep &= (days >= start).to_numpy()
    if end is not None:
        keep &= (days <= end).to_numpy()
    if not keep.any():
        covered = f"{days.iloc[0]} to {days.iloc[-1]}" if len(bars) else "no days"
        raise ValueError(
            f"no bars in the trading days {start or '...'} to {end or '...'}: "
            f"the bars cover {covered}"
        )
    return bars.loc[keep].reset_index(drop=True)
