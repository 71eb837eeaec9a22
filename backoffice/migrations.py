"""Making and upgrading the records tables, once for all the processes that share them.

New tables are made as declared, the engine's and every pack's. A table an earlier version
made gets the columns declared since (always nullable or defaulted, so its rows stay),
their data (the packs' upgrades), then the indexes declared since. All of it is one
transaction holding the schema lock: a process starting meanwhile waits, then finds
everything done. (PostgreSQL
changes tables transactionally; on SQLite the lock is the file's write lock.)
"""

from __future__ import annotations

import importlib

from sqlalchemy import Connection, Engine, inspect, text
from sqlmodel import SQLModel

from backoffice.database import hold_lock


def prepare(engine: Engine) -> None:
    """Make or upgrade every records table, under the schema lock."""
    # Importing the table modules registers them with SQLModel's metadata.
    import backoffice.audit.steps
    import backoffice.events.subscriptions
    import backoffice.people.passwords
    import backoffice.people.sessions
    import backoffice.people.store
    import backoffice.systems.store
    import backoffice.tasks.store  # noqa: F401
    from backoffice import packs

    for module in packs.table_modules():
        importlib.import_module(module)
    with engine.begin() as connection:
        hold_lock(connection, "schema")
        SQLModel.metadata.create_all(connection)
        _add_new_columns(connection)
        for upgrade in packs.data_upgrades():
            upgrade(connection)
        _add_new_indexes(connection)


def _add_new_columns(connection: Connection) -> None:
    """Add the columns a newer version declares to tables an older one made."""
    inspector = inspect(connection)
    for table in SQLModel.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=connection.dialect)
            default = getattr(column.default, "arg", None)
            clause = f" DEFAULT {default!r}" if isinstance(default, int | str) else ""
            connection.execute(
                text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{clause}')
            )


def _add_new_indexes(connection: Connection) -> None:
    """Make the indexes a newer version declares on tables an older one made.

    A unique index is also a rule of the data (the register's one counted invoice per
    number): its data was made to fit it just before.
    """
    inspector = inspect(connection)
    for table in SQLModel.metadata.sorted_tables:
        present = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in present:
                index.create(connection)
