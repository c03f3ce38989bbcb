"""The report scheduler: crontab expressions, settings, and a real scheduler firing a report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from transmission.reports.errors import ReportInputError
from transmission.reports.schedule import (
    build_scheduler,
    cron_fields,
    crontab_weekdays,
    load_report_settings,
)

NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("5-7", "fri,sat,sun"),
        ("fri-sun", "fri,sat,sun"),
        ("mon,wed,5", "mon,wed,fri"),
        ("*/2", "tue,thu,sat,sun"),
        ("*", "*"),
    ],
)
def test_crontab_weekdays_count_from_sunday_as_crontab_does(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


def next_fire(expr: str, after: datetime) -> datetime:
    fire = CronTrigger(**cron_fields(expr), timezone=NEW_YORK).get_next_fire_time(None, after)
    assert fire is not None
    return fire


def test_default_daily_cron_after_friday_close_fires_monday_1630_new_york() -> None:
    after = datetime(2023, 11, 24, 17, 0, tzinfo=NEW_YORK)  # a Friday
    assert next_fire("30 16 * * 1-5", after) == datetime(2023, 11, 27, 16, 30, tzinfo=NEW_YORK)


def test_default_weekly_cron_fires_friday_17_new_york_across_a_dst_change() -> None:
    after = datetime(2023, 10, 30, 9, 0, tzinfo=NEW_YORK)  # Monday; clocks change on Nov 5
    assert next_fire("0 17 * * 5", after) == datetime(2023, 11, 3, 17, 0, tzinfo=NEW_YORK)
    later = next_fire("0 17 * * 5", datetime(2023, 11, 4, tzinfo=NEW_YORK))
    assert later.utcoffset() != datetime(2023, 11, 3, 17, tzinfo=NEW_YORK).utcoffset()


def test_six_field_cron_puts_seconds_first() -> None:
    after = datetime(2023, 11, 27, 9, 0, 1, tzinfo=NEW_YORK)
    assert next_fire("*/5 * * * * *", after) == datetime(2023, 11, 27, 9, 0, 5, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("30 16 * *", "has 4 fields"),
        ("30 16 * * 8", "bad weekday '8'"),
        ("61 16 * * 1-5", "'61 16 * * 1-5'"),
        ("0 9 * * sat-mon", "runs backwards"),
    ],
)
def test_bad_cron_expression_is_rejected_with_the_expression(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        cron_fields(expr)


def test_report_settings_with_a_bad_cron_in_the_environment_name_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRANSMISSION_REPORT_DAILY_CRON", "every day at five")
    with pytest.raises(ReportInputError, match=r"TRANSMISSION_REPORT_DAILY_CRON: .*has 4 fields"):
        load_report_settings()


def test_report_settings_with_an_unknown_time_zone_name_the_variable() -> None:
    with pytest.raises(ReportInputError, match=r"TRANSMISSION_REPORT_TIMEZONE: .*Mars/Olympus"):
        load_report_settings(timezone="Mars/Olympus")


def test_scheduler_with_both_reports_switched_off_refuses_to_start(tmp_path: Path) -> None:
    settings = load_report_settings(daily_cron="", weekly_cron="")
    with pytest.raises(ReportInputError, match="no report to schedule"):
        build_scheduler(settings, tmp_path / "j.duckdb", tmp_path)


def test_scheduler_jobs_run_in_the_settings_time_zone(tmp_path: Path) -> None:
    settings = load_report_settings(timezone="Europe/London")
    scheduler = build_scheduler(settings, tmp_path / "j.duckdb", tmp_path, blocking=False)
    assert sorted(job.id for job in scheduler.get_jobs()) == ["daily", "weekly"]
    assert all(str(job.trigger.timezone) == "Europe/London" for job in scheduler.get_jobs())


FLAKY_KERNEL = """#!/bin/sh
# Fails its first start (as a kernel can on a loaded host), then starts normally.
if [ ! -e "{marker}" ]; then touch "{marker}"; exit 1; fi
exec "{python}" -m ipykernel_launcher -f "$1"
"""


@pytest.mark.slow
def test_scheduler_fires_a_daily_report_seconds_out_retries_its_kernel_and_logs_each_run(
    report_db: Path, tmp_path: Path
) -> None:
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    script = spec / "start.sh"
    script.write_text(FLAKY_KERNEL.format(marker=tmp_path / "failed-once", python=sys.executable))
    (spec / "kernel.json").write_text(
        f'{{"argv": ["/bin/sh", "{script}", "{{connection_file}}"], '
        '"display_name": "flaky", "language": "python"}'
    )
    # Once a minute, at the second 10 s from now: the first run is seconds out, and no second
    # run starts before the test ends (a scheduler slow to start waits a minute, no more).
    second = (datetime.now(NEW_YORK) + timedelta(seconds=10)).second
    cron = f"{second} * * * * *"
    env = {
        **os.environ,
        "JUPYTER_PATH": str(tmp_path / "jupyter"),
        "TRANSMISSION_REPORT_DAILY_CRON": cron,
        "TRANSMISSION_REPORT_WEEKLY_CRON": "",
        "TRANSMISSION_REPORT_KERNEL": "flaky",
        "TRANSMISSION_REPORT_RETRY_DELAY_S": "0",
    }
    out = tmp_path / "out"
    command = [sys.executable, "-c", "from transmission.cli import app; app()", "schedule"]
    process = subprocess.Popen(
        [*command, "--db", str(report_db), "--out", str(out)],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.strip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 300
        while not any("daily report: ok" in line for line in lines):
            assert process.poll() is None, lines
            assert time.monotonic() < deadline, lines
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
        reader.join(timeout=10)
    assert sorted(p.name for p in (out / "daily").iterdir()) == [
        "2023-12-04.html",
        "2023-12-04.ipynb",
    ]
    log = "\n".join(lines)
    assert f"scheduled daily report ({cron}, America/New_York): next run" in log
    assert "daily report: kernel did not start (attempt 1 of 3), retrying in 0 s" in log
    assert "daily report: ok in" in log and "(attempt 2 of 3): daily 2023-12-04:" in log
    assert "scheduler stopped" in log
