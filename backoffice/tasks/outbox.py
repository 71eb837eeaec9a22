"""Sending the task notifications the outbox holds, by e-mail.

Activities write notifications to the outbox table first, then send what is pending:
a notification is sent at most once per successful delivery (``sent_at``), and one that
fails stays pending for the next attempt instead of failing the process. Each mail has
its text and the same text as HTML, escaped (``backoffice/tasks/mail_html.py``).
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlparse

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backoffice.logs import get_logger
from backoffice.tasks.mail_html import html_of
from backoffice.tasks.store import NotificationRow

log = get_logger("backoffice.mail")
SEND_TIMEOUT_SECONDS = 10
MAX_PER_CALL = 100


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
                    message.add_alternative(html_of(row.body), subtype="html")
                    smtp.send_message(message)
                    row.sent_at = datetime.now(UTC)
                    session.add(row)
                    session.commit()
                    sent += 1
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail not sent; it stays pending", error=str(error), target=smtp_url)
    return sent
