"""The records database: SQLite in the state directory by default, PostgreSQL by URL.

A worker or ``backoffice dev`` starting, or ``backoffice db upgrade``, brings its tables to
this version's schema (``upgrade``, with backoffice.migrations); every other process that
opens it (the inbox, the command line, activities) only checks that they are there and
otherwise says to run the upgrade, so nothing but those changes tables. Processes starting
together would trip on each other upgrading, or loading the directory, so such work runs
under a lock of the whole database (``hold_lock``). A database that cannot be reached or
used is one ``RecordsDatabaseError`` line naming it, its password masked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, event, make_url, text
from sqlalchemy.exc import NoSuchModuleError, OperationalError
from sqlmodel import create_engine

from backoffice.settings import Settings, masked_url

# How long a process waits for another's schema change or directory load (PostgreSQL;
# SQLite waits its busy timeout). Either takes seconds; minutes mean one is stuck.
LOCK_TIMEOUT_SECONDS = 120
SQLITE_BUSY_SECONDS = 30
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock wait that timed out

_engines: dict[str, Engine] = {}


class RecordsDatabaseError(Exception):
    """The records database cannot be used; the message names it and says what to do."""


class RecordsNotUpgraded(RecordsDatabaseError):
    """The records tables are not at this version's schema: a worker or an operator must
    upgrade them first."""


def engine_for(url: str, plugins: Iterable[str] = ()) -> Engine:
    """One engine per URL, its tables at this version's schema; SQLite gets WAL and foreign
    keys. A database not upgraded yet is refused with the command that upgrades it."""
    from backoffice import migrations  # its table modules import this one

    def check(engine: Engine) -> None:
        missing = migrations.behind(engine, plugins)
        if missing is not None:
            raise RecordsNotUpgraded(
                f"records database {masked_url(url)}: {missing}. Run `backoffice db upgrade` "
                "(or start a worker, which upgrades it) with the same settings, then try again"
            )

    return _opened(url, check)


def upgrade(url: str, plugins: Iterable[str] = ()) -> Engine:
    """Bring the tables to this version's schema under the schema lock; the engine."""
    from backoffice import migrations

    def run(engine: Engine) -> None:
        migrations.upgrade(engine, plugins)

    opened = _engines.get(url)
    if opened is None:
        return _opened(url, run)
    with _said_in_one_line(url):
        run(opened)
    return opened


def _opened(url: str, first: Callable[[Engine], None]) -> Engine:
    """This URL's engine; a new one runs ``first`` before it is kept."""
    if url in _engines:
        return _engines[url]
    engine = _create(url)
    try:
        with _said_in_one_line(url):
            first(engine)
    except BaseException:
        engine.dispose()
        raise
    _engines[url] = engine
    return engine


@contextmanager
def _said_in_one_line(url: str) -> Iterator[None]:
    """A database the driver cannot use as one line naming it and what to check."""
    try:
        yield
    except OperationalError as error:
        raise RecordsDatabaseError(
            f"records database {masked_url(url)}: {_reason(error, url)} {_advice(error)}"
        ) from None


def _create(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
        )

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, _record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            # WAL lets the inbox read while the worker writes; foreign keys keep rows honest.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    try:
        # Times are kept without a zone, meaning UTC as on SQLite: a server in another
        # zone would otherwise shift every aware time it is given to its own.
        return create_engine(url, pool_pre_ping=True, connect_args={"options": "-c timezone=UTC"})
    except (ModuleNotFoundError, NoSuchModuleError):
        raise RecordsDatabaseError(
            f"records database {masked_url(url)}: PostgreSQL needs psycopg: install the "
            "postgres extra (pip install 'backoffice[postgres]')"
        ) from None


def _reason(error: OperationalError, url: str) -> str:
    # The driver's own words, on one line; never the password, should a driver echo it.
    said = " ".join(str(error.orig).split())
    password = make_url(url).password
    if password:
        said = said.replace(str(password), "***")
    return said if said.endswith((".", "?")) else f"{said}."


def _advice(error: OperationalError) -> str:
    if getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return (
            f"Another process has held its lock for over {LOCK_TIMEOUT_SECONDS} s: find it "
            "in pg_stat_activity"
        )
    return (
        "Check BACKOFFICE_DATABASE_URL (user, password, host, database) and that the server is up"
    )


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


def forget(url: str) -> None:
    """Close the engine of this URL, if one is open (a database about to be dropped)."""
    found = _engines.pop(url, None)
    if found is not None:
        found.dispose()


def engine(settings: Settings) -> Engine:
    return engine_for(settings.resolved_database_url, settings.plugins)


def upgraded(settings: Settings) -> Engine:
    """The records of these settings, upgraded to this version's schema first."""
    return upgrade(settings.resolved_database_url, settings.plugins)


@contextmanager
def unchecked(settings: Settings) -> Iterator[Engine]:
    """The records as they are, at this version's schema or not: to say where they stand."""
    url = settings.resolved_database_url
    engine = _create(url)
    try:
        with _said_in_one_line(url):
            yield engine
    finally:
        engine.dispose()
