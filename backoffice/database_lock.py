"""One lock of the whole records database, for work no two processes may do at once.

Upgrading the tables and loading the directory run under it: workers starting together
take turns, and the later ones find the work done.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

# How long a process waits for another's schema change or directory load (PostgreSQL;
# SQLite waits its busy timeout). Either takes seconds; minutes mean one is stuck.
LOCK_TIMEOUT_SECONDS = 120
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock wait that timed out


def hold_lock(connection: Connection, name: str) -> None:
    """Hold the database-wide lock ``name`` until the connection's transaction ends.

    Call it first in the transaction. PostgreSQL: a transaction advisory lock, waited for
    at most LOCK_TIMEOUT_SECONDS. SQLite has one write lock for the whole file, so taking
    it at once (BEGIN IMMEDIATE) serialises this transaction with every other writer.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(name)})
        connection.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _lock_key(name: str) -> int:
    # Advisory locks are numbered (a signed 64-bit key): a stable number for each name.
    digest = hashlib.sha256(f"backoffice:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)
