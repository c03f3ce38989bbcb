"""`transmission report daily --pdf --email`: self-contained HTML, a PDF that renders, and a
message received by a real SMTP server (aiosmtpd) started here, then parsed."""

from __future__ import annotations

import email
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from bs4 import BeautifulSoup

from transmission.reports.delivery import build_message

from .conftest import TRADED_DAY, invoke


@pytest.fixture(autouse=True)
def _system_tools() -> None:
    """Chromium prints the PDF, pdftoppm renders it; under CI their absence fails, never skips."""
    missing = [tool for tool in ("chromium", "pdftoppm") if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (.ci/system-deps installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Controller, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's own start-up check needs a real one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def delivered(
    report_db: Path, smtp_server: tuple[Controller, Inbox], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int, str, list[EmailMessage]]:
    """`report daily --pdf --email` run once: (out dir, exit code, output, messages received)."""
    controller, inbox = smtp_server
    out = tmp_path_factory.mktemp("delivered-reports")
    env = {
        "TRANSMISSION_REPORT_SMTP_HOST": "127.0.0.1",
        "TRANSMISSION_REPORT_SMTP_PORT": str(controller.port),
        "TRANSMISSION_REPORT_SMTP_STARTTLS": "false",
        "TRANSMISSION_REPORT_SENDER": "reports@desk.example",
        "TRANSMISSION_REPORT_RECIPIENTS": "lead@desk.example, quant@desk.example",
    }
    code, output = invoke(
        "report", "daily", "--date", TRADED_DAY, "--db", str(report_db), "--out", str(out),
        "--pdf", "--email", env=env,
    )  # fmt: skip
    messages = [
        email.message_from_bytes(e.original_content or b"", policy=default_policy)
        for e in inbox.envelopes
    ]
    return out, code, output, messages  # type: ignore[return-value]


@pytest.mark.slow
def test_report_html_loads_no_outside_script_and_inlines_its_images(
    delivered: tuple[Path, int, str, list[EmailMessage]],
) -> None:
    out, code, output, _ = delivered
    assert code == 0, output
    soup = BeautifulSoup((out / "daily" / f"{TRADED_DAY}.html").read_text(), "html.parser")
    assert [s.get("src") for s in soup.find_all("script") if s.get("src")] == []
    assert [link.get("href") for link in soup.find_all("link") if link.get("href")] == []
    images = [img["src"] for img in soup.find_all("img")]
    assert images, "the daily report has figures"
    assert all(src.startswith("data:image/") for src in images)
    assert "require.js" not in str(soup) and "MathJax" not in str(soup)


@pytest.mark.slow
def test_report_pdf_is_written_beside_the_html_and_its_first_page_renders(
    delivered: tuple[Path, int, str, list[EmailMessage]], tmp_path: Path
) -> None:
    out, code, output, _ = delivered
    assert code == 0, output
    pdf = out / "daily" / f"{TRADED_DAY}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    (page,) = tmp_path.glob("page*.png")
    assert page.read_bytes().startswith(b"\x89PNG") and page.stat().st_size > 2_000


@pytest.mark.slow
def test_report_email_reaches_every_recipient_with_html_inline_and_the_pdf_attached(
    delivered: tuple[Path, int, str, list[EmailMessage]],
) -> None:
    out, code, output, messages = delivered
    assert code == 0, output
    assert "sent to lead@desk.example, quant@desk.example" in output
    (message,) = messages
    assert message["From"] == "reports@desk.example"
    assert message["To"] == "lead@desk.example, quant@desk.example"
    assert TRADED_DAY in message["Subject"]
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    soup = BeautifulSoup(html.get_content(), "html.parser")
    assert [s.get("src") for s in soup.find_all("script") if s.get("src")] == []
    cids = {img["src"].removeprefix("cid:") for img in soup.find_all("img")}
    assert cids and all(not c.startswith("data:") for c in cids)
    related = {
        part["Content-ID"].strip("<>")
        for part in message.walk()
        if part.get("Content-ID") and part.get_content_maintype() == "image"
    }
    assert cids <= related
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{TRADED_DAY}.pdf"
    assert attachment.get_content() == (out / "daily" / f"{TRADED_DAY}.pdf").read_bytes()


def test_email_without_smtp_settings_exits_2_naming_the_variables(
    report_db: Path, tmp_path: Path
) -> None:
    code, output = invoke(
        "report", "daily", "--date", TRADED_DAY, "--db", str(report_db), "--out", str(tmp_path),
        "--email", env={"TRANSMISSION_REPORT_SMTP_HOST": "", "TRANSMISSION_REPORT_RECIPIENTS": ""},
    )  # fmt: skip
    assert code == 2
    assert "--email needs TRANSMISSION_REPORT_SMTP_HOST and TRANSMISSION_REPORT_RECIPIENTS set" in (
        output
    )
    assert list(tmp_path.iterdir()) == []  # found before any kernel started


def test_email_to_a_malformed_recipient_exits_2_without_pydantic_prefix(
    report_db: Path, tmp_path: Path
) -> None:
    code, output = invoke(
        "report", "daily", "--db", str(report_db), "--out", str(tmp_path), "--email",
        env={"TRANSMISSION_REPORT_SMTP_HOST": "mail", "TRANSMISSION_REPORT_RECIPIENTS": "lead"},
    )  # fmt: skip
    assert code == 2
    assert "TRANSMISSION_REPORT_RECIPIENTS: 'lead' is not an e-mail address" in output
    assert "Value error" not in output


def test_message_of_a_report_turns_inline_images_into_related_parts() -> None:
    html = '<html><body><img src="data:image/png;base64,iVBORw0KGgo="></body></html>'
    message = build_message("t", html, sender="a@b.c", recipients=["d@e.f"])
    body = message.get_body(preferencelist=("html",))
    assert body is not None and "cid:" in body.get_content()
    (image,) = [p for p in message.walk() if p.get_content_maintype() == "image"]
    assert image.get_content() == b"\x89PNG\r\n\x1a\n"
