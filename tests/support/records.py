"""The records database a test uses: SQLite in its state directory, or PostgreSQL.

With ``TEST_RECORDS_DATABASE_URL`` set (to a server's maintenance database, as
``.ci/postgres`` prints it), each state directory a test uses gets a database of its own on
that server, made when first asked for and dropped when the test ends, so tests stay as
independent of each other as their SQLite files are.

Only a worker's start and ``backoffice db upgrade`` make the tables; a test that uses the
records without either upgrades them with ``upgraded`` (the ``settings`` fixture does).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text

from backoffice import database
from backoffice.settings import Settings

# Not BACKOFFICE_*: the settings refuse unknown variables of theirs, and every command a
# test runs inherits this one.
SERVER_ENV = "TEST_RECORDS_DATABASE_URL"

# This test's databases by state directory; emptied by the autouse fixture in conftest.
_made: dict[Path, str] = {}


def server_url() -> str | None:
    """The PostgreSQL server the suite runs on, or None for SQLite."""
    return os.environ.get(SERVER_ENV) or None


def records_environ(state_dir: Path) -> dict[str, str]:
    """The settings that put ``state_dir``'s records on the test server, if there is one."""
    url = records_url(state_dir)
    return {} if url is None else {"BACKOFFICE_DATABASE_URL": url}


def upgraded(settings: Settings) -> Engine:
    """These settings' records at this version's schema, as a worker's start leaves them.

    A new SQLite file starts as a copy of one the migrations made once this session: the
    same tables, in milliseconds instead of a run of every revision per test.
    """
    return upgraded_at(settings.resolved_database_url)


def upgraded_at(url: str) -> Engine:
    """The records at ``url``, at this version's schema (``upgraded``)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sqlite_at_head(), path)
        return database.engine_for(url)
    return database.upgrade(url)


def made_before_migrations(url: str) -> Engine:
    """A database at ``url`` as the last release before migrations made it: the baselines'
    tables, and no version table. Its engine, with no schema checks (the caller's to close)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from backoffice.migrations import alembic_config

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with engine.begin() as connection:
        config = alembic_config(connection)
        script = ScriptDirectory.from_config(config)
        for base in script.get_bases():
            # Only the branches that release had: their baselines name the tables it made.
            if getattr(script.get_revision(base).module, "made_before_migrations", ()):
                command.upgrade(config, base)
        connection.execute(text("DROP TABLE alembic_version"))
    return engine


_template: list[Path] = []


def _sqlite_at_head() -> Path:
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="records-at-head-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        url = f"sqlite:///{folder / 'records.db'}"
        database.upgrade(url)
        database.forget(url)  # closed, so the file holds everything (no write-ahead log)
        _template.append(folder / "records.db")
    return _template[0]


def records_url_in(directory: Path) -> str:
    """The URL of ``directory``'s records: its PostgreSQL database, or a SQLite file in it."""
    return records_url(directory) or f"sqlite:///{directory / 'records.db'}"


def records_url(state_dir: Path) -> str | None:
    """This state directory's own PostgreSQL database (made now if new), or None."""
    server = server_url()
    if server is None:
        return None
    key = state_dir.resolve()
    if key not in _made:
        _made[key] = new_database(server)
    return _made[key]


def new_database(server: str) -> str:
    """An empty database on the server; its URL."""
    name = f"bo_test_{uuid.uuid4().hex[:16]}"
    _admin(server, f'CREATE DATABASE "{name}"')
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Close this process's connections to it and drop it (and anyone else's)."""
    database.forget(url)
    server = server_url()
    if server is not None:
        name = make_url(url).database
        _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_all() -> None:
    for url in _made.values():
        drop_database(url)
    _made.clear()


def _admin(server: str, statement: str) -> None:
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(statement))
    finally:
        admin.dispose()
