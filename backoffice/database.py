"""The records database: SQLite in the state directory by default, PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, event, inspect, text
from sqlmodel import SQLModel, create_engine

from backoffice.settings import Settings

_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine per URL, with the tables created; SQLite gets WAL and foreign keys."""
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: object, _record: object) -> None:
            cursor = connection.cursor()  # type: ignore[attr-defined]
            # WAL lets the inbox read while the worker writes; foreign keys keep rows honest.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    # Importing the table modules registers them with SQLModel's metadata.
    import backoffice.audit.steps
    import backoffice.events.subscriptions
    import backoffice.payables.records
    import backoffice.payables.store
    import backoffice.people.passwords
    import backoffice.people.sessions
    import backoffice.people.store
    import backoffice.systems.store
    import backoffice.tasks.store  # noqa: F401

    SQLModel.metadata.create_all(engine)
    _add_new_columns(engine)
    _engines[url] = engine
    return engine


def _add_new_columns(engine: Engine) -> None:
    """Add columns a newer version declares to tables an older one created.

    New columns are always nullable or defaulted, so a database kept from an earlier
    release keeps working (and keeps its rows) instead of failing on the first insert.
    """
    inspector = inspect(engine)
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                default = getattr(column.default, "arg", None)
                clause = f" DEFAULT {default!r}" if isinstance(default, int | str) else ""
                connection.execute(
                    text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{clause}')
                )


def engine(settings: Settings) -> Engine:
    return engine_for(settings.resolved_database_url)
