"""Storage shared by the legacy systems: one SQLite file per system, exact money, number ranges.

Each system declares its tables on its own ``DeclarativeBase`` so that its file holds only
its own tables (plus the login users and number ranges every system has), and nothing of
it leaks into the engine's records database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Dialect, Engine, String, create_engine, delete, event, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")


class DecimalText(TypeDecorator[Decimal]):
    """A Decimal stored as text: SQLite has no exact decimal type, and money must stay exact."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value)


# For a system base's ``type_annotation_map``: every ``Mapped[Decimal]`` column is exact.
EXACT_DECIMALS: dict[Any, Any] = {Decimal: DecimalText()}


def utcnow() -> datetime:
    """Now in UTC without tzinfo (SQLite stores naive timestamps)."""
    return datetime.now(UTC).replace(tzinfo=None)


class CommonBase(DeclarativeBase):
    """Tables every system has: who may log in, and the number ranges of its documents."""


class LoginUser(CommonBase):
    __tablename__ = "login_user"

    username: Mapped[str] = mapped_column(String(40), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked: Mapped[bool] = mapped_column(default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class NumberRange(CommonBase):
    __tablename__ = "number_range"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_value: Mapped[int]


def next_number(session: Session, name: str) -> int:
    """Draw the next number of a range (the range must exist: seeding creates it)."""
    # The increment is the first statement of the transaction, so SQLite takes the write
    # lock at once and two drawers can never read the same value.
    drawn = session.execute(
        update(NumberRange)
        .where(NumberRange.name == name)
        .values(next_value=NumberRange.next_value + 1)
        .returning(NumberRange.next_value)
    ).scalar_one()
    return int(drawn) - 1


def ensure_number_range(session: Session, name: str, first: int) -> None:
    """Create a number range starting at ``first`` unless it exists."""
    if session.get(NumberRange, name) is None:
        session.add(NumberRange(name=name, next_value=first))


class Database:
    """One system's SQLite file: an engine, and sessions run off the event loop by callers."""

    def __init__(self, path: Path, system_base: type[DeclarativeBase]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.engine: Engine = create_engine(
            f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(self.engine, "connect", _sqlite_pragmas)
        self._system_base = system_base
        # One writer at a time in this process: SQLite would serialise writers anyway,
        # but with busy-waits; the lock makes it orderly.
        self._write_lock = threading.Lock()
        CommonBase.metadata.create_all(self.engine)
        system_base.metadata.create_all(self.engine)

    def read(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a session that is not committed."""
        with Session(self.engine, expire_on_commit=False) as session:
            return work(session)

    def write(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a session and commit it, one writer at a time."""
        with self._write_lock, Session(self.engine, expire_on_commit=False) as session:
            result = work(session)
            session.commit()
            return result

    def wipe(self) -> None:
        """Delete every row of the system's own tables and its number ranges (users stay)."""
        with self._write_lock, Session(self.engine) as session:
            for table in reversed(self._system_base.metadata.sorted_tables):
                session.execute(table.delete())
            session.execute(delete(NumberRange))
            session.commit()

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    cursor = connection.cursor()
    # WAL lets screens read while a posting writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
