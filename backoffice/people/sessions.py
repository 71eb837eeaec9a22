"""Inbox sessions kept in the records database, so that signing out really ends them.

The session cookie carries only a random session id (signed, like the rest of the
cookie); who it belongs to, and until when, is a row here. Signing out deletes the row,
so a copy of the cookie taken before then signs in nobody. A session also ends when its
person leaves the directory or gets a new password: the row remembers a digest of the
password the person signed in with, and a changed one no longer matches. Only a digest of
the id is stored, so reading the table gives no session to use.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Field, Session, SQLModel, col

from backoffice.people.store import PersonRow


class InboxSessionRow(SQLModel, table=True):
    __tablename__ = "inbox_session"

    id: str = Field(primary_key=True)  # SHA-256 of the id the cookie carries
    person_id: str = Field(index=True)
    password: str  # SHA-256 of the person's password hash at sign-in
    started_at: datetime
    expires_at: datetime = Field(index=True)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def begin(engine: Engine, person: PersonRow, hours: float) -> str:
    """A new session for ``person``; the id to put in the cookie."""
    session_id = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with Session(engine) as session:
        # Expired sessions are dropped as new ones start: the table holds live ones only.
        session.exec(delete(InboxSessionRow).where(col(InboxSessionRow.expires_at) < now))
        session.add(
            InboxSessionRow(
                id=_digest(session_id),
                person_id=person.id,
                password=_digest(person.password_hash or ""),
                started_at=now,
                expires_at=now + timedelta(hours=hours),
            )
        )
        session.commit()
    return session_id


def person_of(engine: Engine, session_id: str) -> str | None:
    """Whose session this is, while it lasts; None once ended, expired or outdated."""
    with Session(engine) as session:
        row = session.get(InboxSessionRow, _digest(session_id))
        if row is None or _aware(row.expires_at) <= datetime.now(UTC):
            return None
        person = session.get(PersonRow, row.person_id)
    if person is None or not person.active:
        return None
    if not secrets.compare_digest(row.password, _digest(person.password_hash or "")):
        return None
    return person.id


def end(engine: Engine, session_id: str) -> None:
    """End the session everywhere its cookie was copied to."""
    with Session(engine) as session:
        row = session.get(InboxSessionRow, _digest(session_id))
        if row is not None:
            session.delete(row)
            session.commit()


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; they were written in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
