"""The links guests decide through: made, mailed, checked, and sent afresh.

A guest is outside the directory, so their link is their only proof: it is signed with a
key of this installation (never in a run's history), bound to one task and one guest,
and holds until the task's deadline or the guest's ``link_expires``, whichever is sooner.
Each link sent is an audit event (``link_sent``) with a number used once (its nonce):
only the latest one holds, so sending a fresh link voids the one before. Once the guest
has decided, the task is closed and the link shows that, and takes nothing more.

The address lives only in the outbox (the mail sent to it); audit, logs and the run name
the guest by their id of the task (``guest:3fa2...``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backoffice import runtime
from backoffice.errors import BackofficeError
from backoffice.settings import Settings
from backoffice.tasks.queries import as_utc
from backoffice.tasks.store import NotificationRow, TaskCandidateRow, TaskEventRow, TaskRow

GUEST_PREFIX = "guest:"
GUEST_PATH = "/guest/"
LINK_SENT = "link_sent"
_KEY_LABEL = b"backoffice guest link v1"


class GuestInvite(BaseModel):
    """A task's guest as the run gives it when the task opens."""

    id: str
    email: str
    name: str
    link_expires_at: datetime


@dataclass(frozen=True)
class Link:
    """What a guest link says: which task, which guest, which sending, until when."""

    task_id: str
    guest: str
    nonce: str
    expires_at: datetime


class LinkRefused(BackofficeError):
    """A link that decides nothing; the message says why in plain words, and what to do."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


def link_key(settings: Settings) -> bytes:
    """The key that signs guest links: derived from the inbox's configured key, or kept in
    the state directory, so the worker that mails a link and the inbox that reads it agree."""
    if settings.inbox_secret_key:
        material = settings.inbox_secret_key.encode()
    else:
        path = settings.state_dir / "guest-links.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        material = path.read_text(encoding="utf-8").strip().encode()
    return hmac.new(material, _KEY_LABEL, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def token_of(link: Link, key: bytes) -> str:
    payload = {
        "t": link.task_id,
        "g": link.guest,
        "n": link.nonce,
        "x": int(link.expires_at.timestamp()),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signature = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    return f"{body}.{signature}"


TAMPERED = (
    "This link is not valid: it was changed or cut short on its way. Open the link from "
    "your mail exactly as it is, or ask the sender for a new one."
)


def read_token(token: str, key: bytes) -> Link:
    """The link a token stands for; LinkRefused when it was not made here or was altered."""
    body, _, signature = token.partition(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise LinkRefused(TAMPERED)
    try:
        payload = json.loads(_unb64(body))
        return Link(
            task_id=str(payload["t"]),
            guest=str(payload["g"]),
            nonce=str(payload["n"]),
            expires_at=datetime.fromtimestamp(int(payload["x"]), UTC),
        )
    except (ValueError, KeyError, TypeError):
        raise LinkRefused(TAMPERED) from None


def link_url(inbox_url: str, token: str) -> str:
    return inbox_url.rstrip("/") + GUEST_PATH + token


def _opening(row: TaskRow) -> str:
    # A task opened again by a later run of the same case is told apart by its opening.
    return f"{row.id}#{as_utc(row.created_at):%Y%m%dT%H%M%S%f}"


def guest_of_task(session: Session, task_id: str) -> str | None:
    """The guest who alone may decide the task, if it is a guest's."""
    query = select(TaskCandidateRow.person_id).where(
        TaskCandidateRow.task_id == task_id,
        col(TaskCandidateRow.person_id).startswith(GUEST_PREFIX),
    )
    return session.exec(query).first()


def latest_link(session: Session, row: TaskRow) -> tuple[Link, dict[str, Any]] | None:
    """The link that holds now (the latest sent in this opening), with its audit detail."""
    query = (
        select(TaskEventRow)
        .where(
            TaskEventRow.task_id == row.id,
            TaskEventRow.event == LINK_SENT,
            col(TaskEventRow.key).startswith(_opening(row)),
        )
        .order_by(col(TaskEventRow.id).desc())
    )
    found = session.exec(query).first()
    if found is None:
        return None
    detail = json.loads(found.detail_json)
    link = Link(
        task_id=row.id,
        guest=str(detail["guest"]),
        nonce=str(detail["nonce"]),
        expires_at=datetime.fromisoformat(str(detail["expires_at"])),
    )
    return link, detail


def send_link(
    session: Session,
    row: TaskRow,
    guest: str,
    email: str,
    name: str,
    expires_at: datetime,
    at: datetime,
    actor: str = "system",
    why: str = "New task",
) -> Link:
    """Write a fresh link (voiding any before it) and put its mail in the outbox."""
    settings = runtime.settings()
    link = Link(row.id, guest, secrets.token_urlsafe(12), as_utc(expires_at))
    lifetime = (link.expires_at - as_utc(row.created_at)).total_seconds()
    session.add(
        TaskEventRow(
            key=f"{_opening(row)}#{LINK_SENT}#{link.nonce}",
            task_id=row.id,
            at=at,
            event=LINK_SENT,
            actor=actor,
            source="worker" if actor == "system" else "inbox",
            detail_json=json.dumps(
                {
                    "guest": guest,
                    "nonce": link.nonce,
                    "expires_at": link.expires_at.isoformat(),
                    "lifetime_seconds": int(lifetime),
                    "name": name,
                }
            ),
        )
    )
    _queue_link_mail(session, row, link, email, name, at, why, settings)
    return link


def _queue_link_mail(
    session: Session,
    row: TaskRow,
    link: Link,
    email: str,
    name: str,
    at: datetime,
    why: str,
    settings: Settings,
    kind: str = "guest-mail",
) -> None:
    key = f"{_opening(row)}#{kind}#{link.nonce}"
    if session.exec(select(NotificationRow.id).where(NotificationRow.key == key)).first():
        return  # written already by an earlier attempt
    url = link_url(settings.inbox_url, token_of(link, link_key(settings)))
    description = f"\n{row.description.strip()}\n" if row.description else ""
    body = (
        f"Hello {name},\n\n{why}: {row.title}\n{description}\n"
        f"Open it here (no account needed): {url}\n\n"
        f"The link is yours alone: it works until {link.expires_at:%Y-%m-%d %H:%M} UTC and "
        "takes your answer once. Please do not forward it.\n"
    )
    session.add(
        NotificationRow(
            key=key,
            task_id=row.id,
            person_id=link.guest,
            email=email,
            subject=f"{why}: {row.title}",
            body=body,
            created_at=at,
        )
    )


def _address_of(session: Session, row: TaskRow, guest: str) -> str | None:
    """Where the guest's links go: the address the last one was mailed to."""
    query = (
        select(NotificationRow.email)
        .where(NotificationRow.task_id == row.id, NotificationRow.person_id == guest)
        .order_by(col(NotificationRow.id).desc())
    )
    return session.exec(query).first()


def remind_guest(session: Session, row: TaskRow, number: int, at: datetime) -> bool:
    """Mail the guest their link again as a reminder (the same link: it stays valid)."""
    current = latest_link(session, row)
    if current is None:
        return False
    link, detail = current
    email = _address_of(session, row, link.guest)
    if email is None:
        return False
    name = str(detail.get("name", ""))
    settings = runtime.settings()
    _queue_link_mail(
        session, row, link, email, name, at, f"Reminder {number}", settings,
        f"guest-reminder-{number}",
    )  # fmt: skip
    return True


class ResendRefused(BackofficeError):
    """A fresh link was not sent; the message says why."""


def resend(engine: Engine, task_id: str, user: str, at: datetime | None = None) -> Link:
    """Send the task's guest a fresh link, voiding the one before: for its reassigners."""
    at = at or datetime.now(UTC)
    with Session(engine) as session:
        row = session.get(TaskRow, task_id)
        if row is None:
            raise ResendRefused(f"no task {task_id}")
        if row.status != "open":
            raise ResendRefused(
                f"task {task_id} is {row.status.replace('_', ' ')}: no link to send"
            )
        reassigners = json.loads(row.reassigners_json or "[]")
        if user not in reassigners:
            allowed = ", ".join(reassigners) or "nobody (the definition names no reassigners)"
            raise ResendRefused(f"{user} may not send a fresh link; who may: {allowed}")
        current = latest_link(session, row)
        guest = guest_of_task(session, task_id)
        if current is None or guest is None:
            raise ResendRefused(f"task {task_id} is not decided by a guest: it has no link")
        detail = current[1]
        email = _address_of(session, row, guest)
        if email is None:
            raise ResendRefused(f"task {task_id}: the guest's address is not known any more")
        lifetime = timedelta(seconds=int(detail.get("lifetime_seconds", 0)))
        expires = min(as_utc(row.deadline), at + lifetime)
        fresh = send_link(
            session, row, guest, email, str(detail.get("name", "")), expires, at, user,
            "A new link to your task",
        )  # fmt: skip
        session.commit()
        return fresh


def check_link(session: Session, token: str, key: bytes, now: datetime) -> tuple[TaskRow, Link]:
    """The task a guest's link opens, if it may decide it now; LinkRefused says why not.

    A closed task is returned too (its page says it is done); an open one only for the
    latest link, before it expires, and for the guest who decides it.
    """
    link = read_token(token, key)
    row = session.get(TaskRow, link.task_id)
    if row is None:
        raise LinkRefused("This link's task is not known here: it may have been removed.", 404)
    if row.status != "open":
        return row, link
    guest = guest_of_task(session, row.id)
    current = latest_link(session, row)
    if guest != link.guest or current is None:
        raise LinkRefused(
            "This link is not for this task any more. Ask the sender for a new one.", 403
        )
    if current[0].nonce != link.nonce:
        raise LinkRefused(
            "A newer link was sent for this task, which replaces this one: open the link "
            "in the latest mail.",
            410,
        )
    if now >= link.expires_at:
        raise LinkRefused(
            f"This link expired on {link.expires_at:%Y-%m-%d %H:%M} UTC. Ask the sender for "
            "a new one.",
            410,
        )
    return row, link
