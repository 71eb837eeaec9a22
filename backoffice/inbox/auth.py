"""Who is signed in: passwords checked against the directory's hashes, or a trusted header.

Password mode keeps the person's id in a signed session cookie. Header mode (single
sign-on behind a proxy) believes the user header only from the configured proxy
addresses, and only for active people of the directory: anyone else is refused rather
than treated as anonymous. Repeated wrong passwords lock the name for a while, so the
inbox cannot be used to guess passwords.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.requests import Request

from backoffice.people.store import PersonRow
from backoffice.settings import Settings

MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
_hasher = PasswordHasher()
# Checked when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class SignInRefused(Exception):
    """Why someone cannot sign in (shown on the sign-in page)."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def session_key(settings: Settings) -> str:
    """The key that signs session cookies: configured, or kept in the state directory."""
    if settings.inbox_secret_key:
        return settings.inbox_secret_key
    path = settings.state_dir / "inbox.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_private(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


def _write_private(path: Path, text: str) -> None:
    path.touch(mode=0o600)
    path.write_text(text, encoding="utf-8")


@dataclass
class Authenticator:
    engine: Engine
    settings: Settings
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def person(self, person_id: str) -> PersonRow | None:
        with Session(self.engine) as session:
            row = session.get(PersonRow, person_id)
        return row if row is not None and row.active else None

    def check_password(self, person_id: str, password: str) -> PersonRow:
        """The person, if the password is theirs; SignInRefused otherwise (blocking: argon2)."""
        name = person_id.strip().lower()
        failures = self._failures.setdefault(name, deque(maxlen=MAX_FAILURES))
        now = time.monotonic()
        if len(failures) == MAX_FAILURES and now - failures[0] < LOCK_SECONDS:
            raise SignInRefused("too many wrong passwords for this name: try again in 15 minutes")
        person = self.person(name)
        stored = person.password_hash if person is not None else None
        try:
            _hasher.verify(stored or _DUMMY_HASH, password)
            if person is None or stored is None:
                raise VerificationError("no such person")
        except (VerificationError, InvalidHashError):
            failures.append(now)
            raise SignInRefused("wrong name or password") from None
        failures.clear()
        return person

    def header_user(self, request: Request) -> str | None:
        """The person a trusted proxy vouches for; SignInRefused if it is not to be believed."""
        address = request.client.host if request.client else ""
        if address not in self.settings.inbox_trusted_proxies:
            raise SignInRefused(
                f"requests from {address or 'an unknown address'} are not accepted: sign in "
                "through the company's sign-on"
            )
        claimed = request.headers.get(self.settings.inbox_user_header, "").strip().lower()
        if not claimed:
            raise SignInRefused(
                f"no {self.settings.inbox_user_header} header: the sign-on proxy did not say "
                "who you are"
            )
        if self.person(claimed) is None:
            raise SignInRefused(f"{claimed} is not an active person of the directory")
        return claimed
