"""Run the reports unattended: APScheduler 3 cron triggers in the exchange time zone.

Each report runs in its own subprocess (`python -m transmission.reports daily ...`), so a kernel
that hangs or a notebook that leaks memory cannot take the scheduler down. A run that fails
because its kernel did not start is retried; every attempt leaves one log line.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from transmission.market.calendar import EXCHANGE_TZ
from transmission.reports.errors import EXIT_KERNEL_START, ReportInputError

log = logging.getLogger("transmission.reports.schedule")

CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
DAY_NUMBERS = {name: number for number, name in enumerate(CRONTAB_DAYS)}


class ReportSettings(BaseSettings):
    """The report schedule, from `TRANSMISSION_REPORT_*` environment variables.

    Cron expressions have 5 fields (minute hour day month weekday, as in crontab, where weekday
    0 or 7 is Sunday) or 6 with seconds first. An empty expression turns that report off.
    """

    model_config = SettingsConfigDict(env_prefix="TRANSMISSION_REPORT_", extra="ignore")

    daily_cron: str = Field("30 16 * * 1-5", description="daily report: 16:30 on weekdays")
    weekly_cron: str = Field("0 17 * * 5", description="weekly report: Friday 17:00")
    timezone: str = Field(EXCHANGE_TZ, description="time zone of the cron expressions")
    window: int = Field(20, ge=1, description="rolling window of the metrics, in trades")
    kernel: str = Field("python3", description="Jupyter kernel the notebooks run on")
    cell_timeout_s: int = Field(120, ge=1, description="time limit of one notebook cell")
    start_timeout_s: int = Field(60, ge=1, description="time limit of a kernel start")
    retries: int = Field(2, ge=0, le=10, description="retries after a kernel start failure")
    retry_delay_s: float = Field(30.0, ge=0, description="wait before a retry")
    run_timeout_s: float = Field(900.0, gt=0, description="time limit of one report process")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from None
        return value

    @field_validator("daily_cron", "weekly_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if value.strip():
            cron_fields(value)
        return value.strip()


def load_report_settings(**overrides: Any) -> ReportSettings:
    """Settings from the environment, with a message that names the bad variable."""
    try:
        values = {key: value for key, value in overrides.items() if value is not None}
        return ReportSettings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"TRANSMISSION_REPORT_{str(err['loc'][0]).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ReportInputError(f"bad report settings: {problems}") from None


# -- cron --------------------------------------------------------------------------------------


def cron_fields(expr: str) -> dict[str, str]:
    """APScheduler CronTrigger fields of a crontab expression (5 fields, or 6 with seconds).

    Weekdays follow crontab (0 and 7 are Sunday), not APScheduler 3's numbering (0 is Monday),
    so a line copied from a crontab means the same here.
    """
    parts = expr.split()
    if len(parts) not in (5, 6):
        raise ValueError(
            f"cron expression {expr!r} has {len(parts)} fields: expected 5 "
            "(minute hour day month weekday) or 6 (second first)"
        )
    second = parts.pop(0) if len(parts) == 6 else "0"
    minute, hour, day, month, weekday = parts
    fields = {
        "second": second,
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": crontab_weekdays(weekday, expr),
    }
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger(**fields, timezone="UTC")
    except ValueError as exc:
        raise ValueError(f"cron expression {expr!r}: {exc}") from None
    return fields


def crontab_weekdays(field: str, expr: str = "") -> str:
    """A crontab weekday field as APScheduler weekday names ("1-5" -> "mon,tue,wed,thu,fri")."""
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        base, _, step_text = part.partition("/")
        step = _day_number(step_text, expr, plain=True) if step_text else 1
        if step < 1:
            raise ValueError(f"cron expression {expr!r}: weekday step must be at least 1")
        if base == "*":
            first, last = 0, 6
        elif "-" in base:
            start, _, end = base.partition("-")
            first, last = _day_number(start, expr), _day_number(end, expr)
            if last == 0 and first > 0:  # "5-7" or "fri-sun": Sunday closes the range
                last = 7
        else:
            first = last = _day_number(base, expr)
        if first > last:
            raise ValueError(f"cron expression {expr!r}: weekday range {base!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    # Monday first, the order APScheduler prints them in.
    return ",".join(CRONTAB_DAYS[day] for day in sorted(days, key=lambda d: (d + 6) % 7))


def _day_number(text: str, expr: str, *, plain: bool = False) -> int:
    if not plain and text in DAY_NUMBERS:
        return DAY_NUMBERS[text]
    if text.isdigit() and (plain or int(text) <= 7):
        return int(text) if plain else int(text) % 7
    raise ValueError(f"cron expression {expr!r}: bad weekday {text!r}")


# -- running one report ------------------------------------------------------------------------


def report_command(kind: str, db: Path, out: Path, settings: ReportSettings) -> list[str]:
    """The command line of one report run (the day: the journal's last)."""
    return [
        sys.executable,
        "-m",
        "transmission.reports",
        kind,
        "--db",
        str(db),
        "--out",
        str(out),
        "--window",
        str(settings.window),
        "--kernel",
        settings.kernel,
        "--cell-timeout",
        str(settings.cell_timeout_s),
        "--start-timeout",
        str(settings.start_timeout_s),
    ]


def run_with_retries(
    kind: str,
    db: Path,
    out: Path,
    settings: ReportSettings,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run one report in a subprocess, retrying kernel start failures; returns its exit code."""
    command = report_command(kind, db, out, settings)
    attempts = settings.retries + 1
    for attempt in range(1, attempts + 1):
        started = time.monotonic()
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=settings.run_timeout_s
            )
        except subprocess.TimeoutExpired:
            log.error(
                "%s report: FAILED, no result after %.0f s (attempt %d of %d)",
                kind, settings.run_timeout_s, attempt, attempts,
            )  # fmt: skip
            return 1
        elapsed = time.monotonic() - started
        if done.returncode == 0:
            log.info(
                "%s report: ok in %.1f s (attempt %d of %d): %s",
                kind, elapsed, attempt, attempts, _last_line(done.stdout),
            )  # fmt: skip
            return 0
        reason = _error_message(done.stderr) or _last_line(done.stdout)
        if done.returncode == EXIT_KERNEL_START and attempt < attempts:
            log.warning(
                "%s report: kernel did not start (attempt %d of %d), retrying in %.0f s: %s",
                kind, attempt, attempts, settings.retry_delay_s, reason,
            )  # fmt: skip
            sleep(settings.retry_delay_s)
            continue
        log.error(
            "%s report: FAILED with exit code %d in %.1f s (attempt %d of %d): %s",
            kind, done.returncode, elapsed, attempt, attempts, reason,
        )  # fmt: skip
        return done.returncode
    return EXIT_KERNEL_START  # not reached: the last attempt returns above


def _error_message(stderr: str) -> str:
    """The report's "error: ..." message (the console may have wrapped it), else the last line."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if line.startswith("error:")]
    return " ".join(lines[starts[-1] :]) if starts else (lines[-1] if lines else "")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


# -- the scheduler -----------------------------------------------------------------------------


def build_scheduler(settings: ReportSettings, db: Path, out: Path, *, blocking: bool = True) -> Any:
    """A scheduler with one cron job per enabled report, in the settings' time zone."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger

    zone = ZoneInfo(settings.timezone)
    scheduler_class = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = scheduler_class(
        timezone=zone,
        # A report late by up to an hour (a sleeping laptop, a busy host) still runs, once.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
    )
    for kind, expr in (("daily", settings.daily_cron), ("weekly", settings.weekly_cron)):
        if not expr:
            continue
        trigger = CronTrigger(**cron_fields(expr), timezone=zone)
        scheduler.add_job(
            run_with_retries,
            trigger,
            args=[kind, db, out, settings],
            id=kind,
            name=f"{kind} report ({expr}, {settings.timezone})",
        )
    if not scheduler.get_jobs():
        raise ReportInputError(
            "no report to schedule: TRANSMISSION_REPORT_DAILY_CRON and "
            "TRANSMISSION_REPORT_WEEKLY_CRON are both empty"
        )
    return scheduler


def describe_jobs(scheduler: Any) -> list[str]:
    """One line per job: its name and when it fires next."""
    from datetime import datetime

    zone = scheduler.timezone
    now = datetime.now(zone)
    lines = []
    for job in scheduler.get_jobs():
        upcoming = job.trigger.get_next_fire_time(None, now)
        when = upcoming.isoformat(sep=" ", timespec="seconds") if upcoming else "never"
        lines.append(f"{job.name}: next run {when}")
    return lines
