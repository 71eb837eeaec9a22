"""Sending task notifications by e-mail, and the local mail sink of the embedded default.

Activities write notifications to the outbox table first, then send what is pending:
a notification is sent at most once per successful delivery (``sent_at``), and one that
fails stays pending for the next attempt instead of failing the process.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backoffice.logs import divert_to_file, end_diversion, get_logger
from backoffice.tasks.store import NotificationRow

log = get_logger("backoffice.mail")
SEND_TIMEOUT_SECONDS = 10
MAX_PER_CALL = 100
# aiosmtpd logs every SMTP command of every connection at INFO under this name.
SMTP_SERVER_LOGGER = "mail.log"


def send_pending(engine: Engine, smtp_url: str | None, sender: str) -> int:
    """Send pending notifications (bounded per call); the number sent."""
    if smtp_url is None:
        return 0
    target = urlparse(smtp_url)
    sent = 0
    with Session(engine) as session:
        pending = session.exec(
            select(NotificationRow)
            .where(col(NotificationRow.sent_at).is_(None))
            .order_by(col(NotificationRow.id))
            .limit(MAX_PER_CALL)
        ).all()
        if not pending:
            return 0
        try:
            with smtplib.SMTP(
                target.hostname or "localhost", target.port or 25, timeout=SEND_TIMEOUT_SECONDS
            ) as smtp:
                for row in pending:
                    message = EmailMessage()
                    message["From"] = sender
                    message["To"] = row.email
                    message["Subject"] = row.subject
                    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
                    message["X-Backoffice-Task"] = row.task_id
                    message.set_content(row.body)
                    smtp.send_message(message)
                    row.sent_at = datetime.now(UTC)
                    session.add(row)
                    session.commit()
                    sent += 1
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail not sent; it stays pending", error=str(error), target=smtp_url)
    return sent


class MailSink:
    """An SMTP server on 127.0.0.1 that keeps every message as a file (the embedded default).

    With ``log_file``, the SMTP server's own log (a dozen lines per message) goes there
    instead of the terminal; its warnings still reach the terminal.
    """

    def __init__(self, directory: Path, port: int, log_file: Path | None = None) -> None:
        self.directory = directory
        self.port = port
        self.log_file = log_file
        self.controller: Any = None
        self._log_handler: logging.Handler | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        (self.directory / f"{stamp}.eml").write_bytes(envelope.content)
        return "250 Message accepted"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.directory.mkdir(parents=True, exist_ok=True)
        if self.log_file is not None and self._log_handler is None:
            # Before the controller starts: its start-up probe is a connection of its own.
            self._log_handler = divert_to_file(SMTP_SERVER_LOGGER, self.log_file)
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
        if self._log_handler is not None:
            end_diversion(SMTP_SERVER_LOGGER, self._log_handler)
            self._log_handler = None


def read_mailbox(directory: Path, to: str | None = None) -> list[EmailMessage]:
    """Messages the sink kept, oldest first, optionally only those to one address."""
    messages: list[EmailMessage] = []
    if not directory.exists():
        return messages
    for path in sorted(directory.glob("*.eml")):
        message = BytesParser(policy=default_policy).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if to is None or to in str(message["To"]):
            messages.append(message)
    return messages
