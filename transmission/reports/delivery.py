"""Delivering a report by e-mail: the HTML inline (its images as related parts), the PDF attached.

Settings come from `TRANSMISSION_REPORT_*` variables, like the schedule's (one pydantic-settings
object): the SMTP host, port, STARTTLS, user, password, the sender and the recipients.
"""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from transmission.reports.errors import DeliveryFailed, ReportInputError
from transmission.reports.pdf import find_browser, html_to_pdf

if TYPE_CHECKING:
    from transmission.reports.runner import ReportResult

# Mail clients (Gmail, Outlook) do not show data: images; a cid: reference to a part they do.
_DATA_IMAGE = re.compile(r"""src=(["'])data:image/(png|jpeg|gif|svg\+xml);base64,([^"']+)\1""")


class DeliverySettings(BaseSettings):
    """Where `transmission report ... --email` sends the report."""

    model_config = SettingsConfigDict(env_prefix="TRANSMISSION_REPORT_", extra="ignore")

    smtp_host: str | None = Field(None, description="SMTP server the reports are sent through")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587: submission)")
    smtp_starttls: bool = Field(True, description="upgrade the connection with STARTTLS")
    smtp_user: str | None = Field(None, description="SMTP login (none: no login)")
    smtp_password: SecretStr | None = Field(None, description="SMTP password")
    smtp_timeout_s: float = Field(30.0, gt=0, description="time limit of each SMTP exchange")
    browser: str | None = Field(None, description="Chromium that prints the PDF (default: on PATH)")
    sender: str = Field("transmission@localhost", description="From: address of the reports")
    recipients: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="To: addresses, comma-separated"
    )

    @field_validator("recipients", mode="before")
    @classmethod
    def _split_recipients(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an e-mail address")
        return value


def load_delivery_settings(
    *, need_smtp: bool = True, need_browser: bool = False
) -> DeliverySettings:
    """The delivery settings, complete for what is asked; one line naming what is missing or bad."""
    try:
        settings = DeliverySettings()
    except ValidationError as exc:
        problems = "; ".join(
            f"TRANSMISSION_REPORT_{str(err['loc'][0]).upper()}: "
            f"{err['msg'].removeprefix('Value error, ')}"
            for err in exc.errors()
        )
        raise ReportInputError(f"bad report delivery settings: {problems}") from None
    if need_browser:
        find_browser(settings.browser)
    if not need_smtp:
        return settings
    missing = [
        f"TRANSMISSION_REPORT_{name.upper()}"
        for name, value in (("smtp_host", settings.smtp_host), ("recipients", settings.recipients))
        if not value
    ]
    if missing:
        raise ReportInputError(f"--email needs {' and '.join(missing)} set")
    return settings


def build_message(
    title: str, html: str, *, sender: str, recipients: list[str], pdf: Path | None = None
) -> EmailMessage:
    """The report as a message: a text part, the HTML (inline images as parts), the PDF."""
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message.set_content(
        f"{title}\n\nThe report is in the HTML part of this message"
        + (f" and in the attached PDF, {pdf.name}." if pdf else ".")
    )
    images: list[tuple[str, str, bytes]] = []

    def to_cid(match: re.Match[str]) -> str:
        cid = make_msgid(domain="transmission.report")
        images.append((cid, match.group(2), base64.b64decode(match.group(3))))
        return f"src={match.group(1)}cid:{cid[1:-1]}{match.group(1)}"

    message.add_alternative(_DATA_IMAGE.sub(to_cid, html), subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    for cid, subtype, data in images:
        html_part.add_related(data, maintype="image", subtype=subtype, cid=cid)
    if pdf is not None:
        message.add_attachment(
            pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name
        )
    return message


def send(message: EmailMessage, settings: DeliverySettings) -> None:
    """Send over SMTP (STARTTLS and login as set); DeliveryFailed names the server on failure."""
    assert settings.smtp_host is not None
    where = f"SMTP server {settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_user:
                password = settings.smtp_password
                smtp.login(settings.smtp_user, password.get_secret_value() if password else "")
            smtp.send_message(message, from_addr=settings.sender, to_addrs=settings.recipients)
    except (OSError, smtplib.SMTPException) as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise DeliveryFailed(f"{where}: the report was not sent: {detail}") from None


def deliver(
    result: ReportResult, settings: DeliverySettings, *, pdf: bool, email: bool
) -> list[str]:
    """Print the report's PDF and send the report, as asked; one line on each thing done."""
    done = []
    pdf_path = None
    if pdf:
        pdf_path = html_to_pdf(
            result.html, result.html.with_suffix(".pdf"), browser=settings.browser
        )
        done.append(f"pdf: {pdf_path}")
    if email:
        message = build_message(
            result.job.title,
            result.html.read_text(encoding="utf-8"),
            sender=settings.sender,
            recipients=settings.recipients,
            pdf=pdf_path,
        )
        send(message, settings)
        done.append(f"sent to {', '.join(settings.recipients)} via {settings.smtp_host}")
    return done
