"""Checking a person's directory password, with wrong guesses slowed down.

The inbox's sign-in and the command line's proof of who acts share this check, and its
count of wrong passwords lives in the records database, so every inbox process and every
command sees the same count. Wrong passwords are counted three ways, each answering a
different attack without handing an attacker a way to lock people out:

- one client guessing one name: five wrong passwords lock that name *for that client*
  for 15 minutes; the person signs in from anywhere else as usual;
- one client trying many names: twenty wrong passwords lock that client out for 15
  minutes, whatever names it tries next;
- many clients guessing one name: from ten wrong passwords in 15 minutes, that name takes
  one attempt at a time, 10 seconds after the last wrong one, then 20, 40, and a minute
  at most: a guessing crowd gets a guess a minute, and the real person waits a minute at
  worst instead of being locked out.

An attempt refused by these limits is not checked, so it tells nothing about the
password, and it is not counted, so a locked client writes nothing more.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, Engine, delete, func
from sqlmodel import Field, Session, SQLModel, col, select

from backoffice.errors import BackofficeError
from backoffice.people.store import PersonRow

WINDOW = timedelta(minutes=15)
PER_CLIENT_AND_NAME = 5
PER_CLIENT = 20
PER_NAME_BEFORE_SLOWING = 10
FIRST_PAUSE = timedelta(seconds=10)
LONGEST_PAUSE = timedelta(seconds=60)

_hasher = PasswordHasher()
# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class PasswordRefused(BackofficeError):
    """Why the password was not accepted (shown to the person)."""


class SignInFailureRow(SQLModel, table=True):
    """One wrong password: for which name, from which client, when."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    client: str = Field(index=True)
    at: datetime = Field(index=True)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@dataclass(frozen=True)
class _Counts:
    pair: int
    client: int
    name: int
    last_for_name: datetime | None
    oldest_for_pair: datetime | None
    oldest_for_client: datetime | None


def check_password(engine: Engine, name: str, password: str, client: str) -> PersonRow:
    """The active person ``name``, if ``password`` is theirs; PasswordRefused otherwise.

    ``client`` says where the attempt comes from (a network address, ``cli@host``).
    Blocking: argon2 takes a while by design.
    """
    person_id = name.strip().lower()
    now = datetime.now(UTC)
    counts = _counts(engine, person_id, client, now)
    _refuse_while_limited(counts, now)
    with Session(engine) as session:
        person = session.get(PersonRow, person_id)
    active = person if person is not None and person.active else None
    stored = active.password_hash if active is not None else None
    try:
        _hasher.verify(stored or _DUMMY_HASH, password)
        if active is None or stored is None:
            raise VerificationError("no such person")
    except (VerificationError, InvalidHashError):
        _count_failure(engine, person_id, client, now)
        raise PasswordRefused("wrong name or password") from None
    _forget_failures(engine, person_id, client)
    return active


def _counts(engine: Engine, name: str, client: str, now: datetime) -> _Counts:
    since = now - WINDOW
    recent = col(SignInFailureRow.at) >= since
    with Session(engine) as session:

        def summary(*where: ColumnElement[bool]) -> tuple[int, datetime | None, datetime | None]:
            query = select(
                func.count(), func.min(SignInFailureRow.at), func.max(SignInFailureRow.at)
            ).where(recent, *where)
            count, oldest, newest = session.exec(query).one()
            return int(count), _aware(oldest), _aware(newest)

        pair, oldest_pair, _ = summary(
            col(SignInFailureRow.name) == name, col(SignInFailureRow.client) == client
        )
        by_client, oldest_client, _ = summary(col(SignInFailureRow.client) == client)
        by_name, _, last_name = summary(col(SignInFailureRow.name) == name)
    return _Counts(pair, by_client, by_name, last_name, oldest_pair, oldest_client)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives back naive datetimes; they were written in UTC.
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _refuse_while_limited(counts: _Counts, now: datetime) -> None:
    if counts.client >= PER_CLIENT and counts.oldest_for_client is not None:
        wait = _minutes(counts.oldest_for_client + WINDOW - now)
        raise PasswordRefused(f"too many wrong passwords from this address: try again in {wait}")
    if counts.pair >= PER_CLIENT_AND_NAME and counts.oldest_for_pair is not None:
        wait = _minutes(counts.oldest_for_pair + WINDOW - now)
        raise PasswordRefused(
            f"too many wrong passwords for this name from this address: try again in {wait}"
        )
    if counts.name >= PER_NAME_BEFORE_SLOWING and counts.last_for_name is not None:
        pause = pause_after(counts.name)
        ready = counts.last_for_name + pause
        if now < ready:
            seconds = max(1, int((ready - now).total_seconds() + 0.999))
            raise PasswordRefused(
                "many wrong passwords for this name of late, from elsewhere: "
                f"try again in {seconds} s"
            )


def pause_after(failures: int) -> timedelta:
    """How long a name waits between attempts after ``failures`` wrong passwords."""
    doublings = min(max(failures - PER_NAME_BEFORE_SLOWING, 0), 3)
    pause: timedelta = FIRST_PAUSE * (2**doublings)
    return min(pause, LONGEST_PAUSE)


def _minutes(left: timedelta) -> str:
    minutes = max(1, int(left.total_seconds() // 60) + 1)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _count_failure(engine: Engine, name: str, client: str, now: datetime) -> None:
    with Session(engine) as session:
        # Old failures count for nothing: dropped here, so the table stays small.
        session.exec(delete(SignInFailureRow).where(col(SignInFailureRow.at) < now - WINDOW))
        session.add(SignInFailureRow(name=name, client=client, at=now))
        session.commit()


def _forget_failures(engine: Engine, name: str, client: str) -> None:
    with Session(engine) as session:
        session.exec(
            delete(SignInFailureRow).where(
                col(SignInFailureRow.name) == name, col(SignInFailureRow.client) == client
            )
        )
        session.commit()
