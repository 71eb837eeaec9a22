"""Server-side login sessions with an idle timeout, keyed by a signed cookie."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer

COOKIE_NAME = "JSESSIONID"


@dataclass
class LoginSession:
    username: str
    last_seen: float


class SessionLookup:
    """What a cookie led to: a live session, an ended one, or none at all."""

    __slots__ = ("expired", "session", "session_id")

    def __init__(self, session_id: str | None, session: LoginSession | None, expired: bool) -> None:
        self.session_id = session_id
        self.session = session
        self.expired = expired


class SessionStore:
    """Sessions held in memory: a restart of the system logs everybody out, as it did then."""

    def __init__(self, idle_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._signer = Signer(secrets.token_bytes(32), salt="legacy-session")
        self._sessions: dict[str, LoginSession] = {}
        self._lock = threading.Lock()

    def open(self, username: str) -> str:
        """Start a session; the value for the session cookie."""
        session_id = secrets.token_hex(16)
        with self._lock:
            self._sessions[session_id] = LoginSession(username=username, last_seen=self._clock())
        return self._signer.sign(session_id).decode()

    def lookup(self, cookie: str | None) -> SessionLookup:
        """Find the session of a cookie and mark it used; an idle one is ended here."""
        if not cookie:
            return SessionLookup(None, None, expired=False)
        try:
            session_id = self._signer.unsign(cookie).decode()
        except BadSignature:
            # A cookie from before a restart: to the user that is an expired session.
            return SessionLookup(None, None, expired=True)
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return SessionLookup(session_id, None, expired=True)
            if now - session.last_seen > self.idle_seconds:
                del self._sessions[session_id]
                return SessionLookup(session_id, None, expired=True)
            session.last_seen = now
            return SessionLookup(session_id, session, expired=False)

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_all(self) -> None:
        with self._lock:
            self._sessions.clear()
