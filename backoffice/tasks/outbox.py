"""Sending the task notifications the outbox holds, by e-mail.

Activities write notifications to the outbox table first, then send what is pending:
a notification is sent at most once per successful delivery (``sent_at``), and one that
fails stays pending for the next attempt instead of failing the process. Each mail has
its text and the same text as HTML, escaped (``backoffice/tasks/mail_html.py``).

Several sends may run at once (tasks opening together each send the outbox), so a send
first claims the messages it will mail, in one UPDATE that skips any another send holds,
and mails only those: each message is mailed once. A send that fails gives its claims
back for the next one; a sender that died leaves claims that lapse after
CLAIM_LAPSE_SECONDS, and its messages are then mailed by a later send.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlparse

from sqlalchemy import ColumnElement, Engine, and_, or_, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from backoffice.logs import get_logger
from backoffice.tasks.mail_html import html_of
from backoffice.tasks.store import NotificationRow

log = get_logger("backoffice.mail")
SEND_TIMEOUT_SECONDS = 10
MAX_PER_CALL = 100
# A live send never holds its claims this long: it starts no new message once
# SEND_BUDGET_SECONDS have passed, and one message takes at most a few socket timeouts.
CLAIM_LAPSE_SECONDS = 300
SEND_BUDGET_SECONDS = 120


def send_pending(engine: Engine, smtp_url: str | None, sender: str) -> int:
    """Send pending notifications (bounded per call); the number sent."""
    if smtp_url is None:
        return 0
    target = urlparse(smtp_url)
    claim = uuid.uuid4().hex
    claimed_at = datetime.now(UTC)
    sent = 0
    with Session(engine) as session:
        pending = _claim(session, claim, claimed_at)
        if not pending:
            return 0
        try:
            with smtplib.SMTP(
                target.hostname or "localhost", target.port or 25, timeout=SEND_TIMEOUT_SECONDS
            ) as smtp:
                for row in pending:
                    if datetime.now(UTC) - claimed_at > timedelta(seconds=SEND_BUDGET_SECONDS):
                        break  # the rest go back, well before the claim could lapse
                    smtp.send_message(_message(row, sender))
                    row.sent_at = datetime.now(UTC)
                    row.claimed_by = None
                    row.claimed_at = None
                    session.add(row)
                    session.commit()
                    sent += 1
        except (OSError, smtplib.SMTPException) as error:
            log.warning("mail not sent; it stays pending", error=str(error), target=smtp_url)
        finally:
            _release(session, claim)
    return sent


def _claim(session: Session, claim: str, now: datetime) -> Sequence[NotificationRow]:
    """Claim up to MAX_PER_CALL pending messages for this send; the ones it got.

    The UPDATE states again that a message is unsent and unclaimed, so of two sends at
    once only one gets it: SQLite runs one writer at a time, and PostgreSQL re-checks the
    condition on a row another transaction just changed before changing it itself.
    """
    lapsed = now - timedelta(seconds=CLAIM_LAPSE_SECONDS)
    free = and_(
        col(NotificationRow.sent_at).is_(None),
        or_(
            col(NotificationRow.claimed_at).is_(None),
            col(NotificationRow.claimed_at) < lapsed,
        ),
    )
    # One statement, so no send holds a read of the outbox while it waits to write.
    candidates = (
        select(NotificationRow.id)
        .where(free)
        .order_by(col(NotificationRow.id))
        .limit(MAX_PER_CALL)
        .scalar_subquery()
    )
    session.execute(
        update(NotificationRow)
        .where(col(NotificationRow.id).in_(candidates), free)
        .values(claimed_by=claim, claimed_at=now)
    )
    session.commit()
    return session.exec(
        select(NotificationRow).where(_held_by(claim)).order_by(col(NotificationRow.id))
    ).all()


def _release(session: Session, claim: str) -> None:
    """Give back the claims of the messages this send did not mail, for the next send."""
    try:
        session.rollback()
        session.execute(
            update(NotificationRow).where(_held_by(claim)).values(claimed_by=None, claimed_at=None)
        )
        session.commit()
    except SQLAlchemyError as error:  # the claims lapse on their own
        log.warning("mail claims not given back; they lapse", error=str(error))


def _held_by(claim: str) -> ColumnElement[bool]:
    return and_(
        col(NotificationRow.claimed_by) == claim,
        col(NotificationRow.sent_at).is_(None),
    )


def _message(row: NotificationRow, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.email
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at.replace(tzinfo=UTC))
    message["X-Backoffice-Task"] = row.task_id
    message.set_content(row.body)
    message.add_alternative(html_of(row.body), subtype="html")
    return message
