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

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, event, make_url
from sqlalchemy.exc import NoSuchModuleError, OperationalError
from sqlmodel import create_engine

# The lock and the errors are leaves of their own, so the migrations can use them without
# importing this module (which opens the records through them).
from backoffice.database_errors import RecordsDatabaseError, RecordsNotUpgraded
from backoffice.database_lock import LOCK_NOT_AVAILABLE, LOCK_TIMEOUT_SECONDS, hold_lock
from backoffice.settings import Settings, masked_url

__all__ = [
    "RecordsDatabaseError",
    "RecordsNotUpgraded",
    "engine",
    "engine_for",
    "forget",
    "hold_lock",
    "upgrade",
    "upgraded",
]

SQLITE_BUSY_SECONDS = 30  # SQLite's wait for another's write lock (see database_lock)

_engines: dict[str, Engine] = {}


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
