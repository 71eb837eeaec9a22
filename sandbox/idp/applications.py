"""The applications behind the identity provider: their sessions, refresh tokens and mail.

Each application (``directory``, ``mail``, ``vpn``, ``erp``) trusts the provider's
sign-in and then keeps what it issued: a browser session and a refresh token per sign-in.
Deactivating the user in SCIM stops the next sign-in, not those already issued (as with
Entra ID and the applications federated to it), so a leaver stays signed in until the
sessions are revoked — the reason offboarding revokes and then checks for logins.

The ``mail`` application also turns a leaver's mailbox into a shared one (delegated, with
an auto-reply and a date it is deleted on) and moves the files the leaver owns.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

APPLICATIONS = ("directory", "mail", "vpn", "erp")
KINDS = ("session", "token")

SCHEMA = """
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    application TEXT NOT NULL,
    user_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS mailboxes (
    user_id TEXT PRIMARY KEY,
    delegate TEXT NOT NULL,
    auto_reply TEXT NOT NULL,
    auto_reply_until TEXT NOT NULL,
    delete_on TEXT NOT NULL,
    converted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    previous_owner TEXT
);
"""


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Revocation:
    application: str
    sessions_ended: int
    tokens_revoked: int


class Applications:
    """The applications' tables, in the identity provider's SQLite file."""

    def __init__(
        self, connection: sqlite3.Connection, lock: threading.RLock, clock: Callable[[], datetime]
    ) -> None:
        self.connection = connection
        self.lock = lock
        self.clock = clock
        with self.lock:
            self.connection.executescript(SCHEMA)

    def sign_in(self, application: str, user_id: str) -> list[dict[str, Any]]:
        """Issue a session and a refresh token; the caller checked that the user may sign in."""
        now = iso(self.clock())
        issued = []
        with self.lock:
            for kind in KINDS:
                grant = {
                    "id": uuid.uuid4().hex,
                    "application": application,
                    "kind": kind,
                    "since": now,
                }
                self.connection.execute(
                    "INSERT INTO grants (id, application, user_id, kind, issued_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (grant["id"], application, user_id, kind, now),
                )
                issued.append(grant)
            self.connection.commit()
        return issued

    def logins(self, application: str, user_id: str) -> list[dict[str, Any]]:
        """The sessions and refresh tokens of a user that are not revoked."""
        with self.lock:
            rows = self.connection.execute(
                "SELECT id, kind, issued_at FROM grants WHERE application = ? AND user_id = ? "
                "AND revoked_at IS NULL ORDER BY issued_at, id",
                (application, user_id),
            ).fetchall()
        return [{"id": row[0], "kind": row[1], "since": row[2]} for row in rows]

    def revoke(self, application: str, user_id: str) -> Revocation:
        """End every session and revoke every refresh token; a second call finds none."""
        now = iso(self.clock())
        with self.lock:
            counts = dict.fromkeys(KINDS, 0)
            for kind in KINDS:
                cursor = self.connection.execute(
                    "UPDATE grants SET revoked_at = ? WHERE application = ? AND user_id = ? "
                    "AND kind = ? AND revoked_at IS NULL",
                    (now, application, user_id, kind),
                )
                counts[kind] = cursor.rowcount
            self.connection.commit()
        return Revocation(application, counts["session"], counts["token"])

    def mailbox(self, user_id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self.connection.execute(
                "SELECT delegate, auto_reply, auto_reply_until, delete_on, converted_at "
                "FROM mailboxes WHERE user_id = ?",
                (user_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            "shared": True,
            "delegate": row[0],
            "auto_reply": row[1],
            "auto_reply_until": row[2],
            "delete_on": row[3],
            "converted_at": row[4],
        }

    def convert_to_shared(
        self,
        user_id: str,
        delegate: str,
        auto_reply: str,
        auto_reply_days: int,
        delete_after_days: int,
    ) -> dict[str, Any]:
        """Make the mailbox shared; once shared, a repeat answers what was done the first time."""
        with self.lock:
            existing = self.mailbox(user_id)
            if existing is not None:
                return existing
            now = self.clock()
            today: date = now.astimezone(UTC).date()
            self.connection.execute(
                "INSERT INTO mailboxes (user_id, delegate, auto_reply, auto_reply_until, "
                "delete_on, converted_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    delegate,
                    auto_reply,
                    (today + timedelta(days=auto_reply_days)).isoformat(),
                    (today + timedelta(days=delete_after_days)).isoformat(),
                    iso(now),
                ),
            )
            self.connection.commit()
            converted = self.mailbox(user_id)
        assert converted is not None
        return converted

    def add_files(self, owner: str, names: list[str]) -> list[dict[str, Any]]:
        with self.lock:
            added = []
            for name in names:
                file_id = uuid.uuid4().hex
                self.connection.execute(
                    "INSERT INTO files (id, name, owner) VALUES (?, ?, ?)", (file_id, name, owner)
                )
                added.append({"id": file_id, "name": name, "owner": owner})
            self.connection.commit()
        return added

    def files(self, owner: str) -> list[dict[str, Any]]:
        with self.lock:
            rows = self.connection.execute(
                "SELECT id, name, owner, previous_owner FROM files WHERE owner = ? ORDER BY name",
                (owner,),
            ).fetchall()
        return [{"id": r[0], "name": r[1], "owner": r[2], "previous_owner": r[3]} for r in rows]

    def transfer_files(self, owner: str, to: str) -> int:
        """Give ``to`` every file of ``owner``; the files ``to`` holds from ``owner`` in all.

        The count includes files moved by an earlier call, so a repeat answers the same.
        """
        with self.lock:
            self.connection.execute(
                "UPDATE files SET owner = ?, previous_owner = ? WHERE owner = ?", (to, owner, owner)
            )
            self.connection.commit()
            (moved,) = self.connection.execute(
                "SELECT COUNT(*) FROM files WHERE owner = ? AND previous_owner = ?", (to, owner)
            ).fetchone()
        return int(moved)

    def state(self) -> dict[str, Any]:
        with self.lock:
            grants = self.connection.execute(
                "SELECT id, application, user_id, kind, issued_at, revoked_at FROM grants "
                "ORDER BY issued_at, id"
            ).fetchall()
            boxes = self.connection.execute("SELECT user_id FROM mailboxes").fetchall()
            files = self.connection.execute(
                "SELECT id, name, owner, previous_owner FROM files ORDER BY name"
            ).fetchall()
        return {
            "grants": [
                {
                    "id": g[0],
                    "application": g[1],
                    "user_id": g[2],
                    "kind": g[3],
                    "issued_at": g[4],
                    "revoked_at": g[5],
                }
                for g in grants
            ],
            "mailboxes": {box[0]: self.mailbox(box[0]) for box in boxes},
            "files": [
                {"id": f[0], "name": f[1], "owner": f[2], "previous_owner": f[3]} for f in files
            ],
        }

    def wipe(self) -> None:
        with self.lock:
            self.connection.executescript(
                "DELETE FROM grants; DELETE FROM mailboxes; DELETE FROM files;"
            )
            self.connection.commit()
