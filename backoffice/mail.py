"""The local mail sink of the embedded default: an SMTP server that keeps every message.

What the task notifications send it (``backoffice/tasks/outbox.py``) is kept as files that
``backoffice mail`` and the inbox's mail page read back.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

from backoffice.logs import divert_to_file, end_diversion

# aiosmtpd logs every SMTP command of every connection at INFO under this name.
SMTP_SERVER_LOGGER = "mail.log"


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
