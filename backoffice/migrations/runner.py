"""Running the records migrations with alembic, configured from the package, not an ini file.

The engine's revisions sit in ``backoffice/migrations/versions/`` on the branch ``engine``;
each pack's sit in the folder its ``Pack.migrations`` names, on a branch of the pack's name.
alembic joins the folders through version_locations. Every branch is a chain of its own, so
a pack's revisions never name the engine's, and this version's schema is the heads of all
branches together. The paths come from this package and the packs, so the scripts are found
from an installed package and from any working directory alike.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine, MetaData, inspect
from sqlmodel import SQLModel

from backoffice.database_errors import RecordsDatabaseError
from backoffice.database_lock import hold_lock
from backoffice.pack_registry import packs

HERE = Path(__file__).resolve().parent
ENGINE_VERSIONS = HERE / "versions"
ENGINE_BRANCH = "engine"
VERSION_TABLE = "alembic_version"

# The modules that declare the engine's own tables; each pack names its own (Pack.tables).
ENGINE_TABLES = (
    "backoffice.audit.steps",
    "backoffice.events.subscriptions",
    "backoffice.people.passwords",
    "backoffice.people.sessions",
    "backoffice.people.store",
    "backoffice.systems.store",
    "backoffice.tasks.store",
)


def records_metadata(plugins: Iterable[str] = ()) -> MetaData:
    """Every records table as the models declare it: the engine's and every pack's."""
    for module in (*ENGINE_TABLES, *(m for pack in packs(plugins) for m in pack.tables)):
        importlib.import_module(module)
    return SQLModel.metadata


def version_locations(plugins: Iterable[str] = ()) -> list[Path]:
    """The engine's revisions folder, then each pack's that has one."""
    found = (pack.migrations for pack in packs(plugins))
    return [ENGINE_VERSIONS, *(path for path in found if path is not None)]


def alembic_config(connection: Connection | None = None, plugins: Iterable[str] = ()) -> Config:
    """alembic's configuration of this version; ``env.py`` migrates ``connection``."""
    config = Config()
    config.set_main_option("script_location", _option(HERE))
    config.set_main_option("path_separator", "os")
    locations = os.pathsep.join(_option(path) for path in version_locations(plugins))
    config.set_main_option("version_locations", locations)
    config.attributes["connection"] = connection
    config.attributes["plugins"] = tuple(plugins)
    return config


def _option(path: Path) -> str:
    # Options go through ConfigParser's interpolation, where % starts a reference.
    return str(path).replace("%", "%%")


def upgrade(engine: Engine, plugins: Iterable[str] = ()) -> None:
    """Bring every branch to its head in one transaction holding the schema lock.

    A process starting meanwhile waits for the lock, then finds the work done. A database
    made by a release before migrations is adopted first (``adopt``).
    """
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        hold_lock(connection, "schema")
        config = alembic_config(connection, plugins)
        adopt(connection, config)
        command.upgrade(config, "heads")
        _foreign_keys_hold(connection)


def adopt(connection: Connection, config: Config) -> list[str]:
    """Stamp each branch a release before migrations made at its baseline; the ones stamped.

    Such a database has the tables but no version table. A baseline revision names, in
    ``made_before_migrations``, the tables those releases made of it: where all exist, the
    baseline is there already, and the revisions after it do the rest.
    """
    present = set(inspect(connection).get_table_names())
    if VERSION_TABLE in present:
        return []
    script = ScriptDirectory.from_config(config)
    made = [
        base
        for base in script.get_bases()
        if (tables := _made_before_migrations(script, base)) and tables <= present
    ]
    if made:
        command.stamp(config, made)
    return made


def _made_before_migrations(script: ScriptDirectory, revision: str) -> set[str]:
    found = script.get_revision(revision)
    module: Any = found.module if found is not None else None
    return set(getattr(module, "made_before_migrations", ()))


def behind(engine: Engine, plugins: Iterable[str] = ()) -> str | None:
    """What keeps the records from this version's schema, in words; None when at head."""
    script = ScriptDirectory.from_config(alembic_config(plugins=plugins))
    with engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        stamped = set(MigrationContext.configure(connection).get_current_heads())
    heads = set(script.get_heads())
    if stamped == heads:
        return None
    if not stamped:
        if present:
            return "its tables were made by a release before migrations and are not upgraded yet"
        return "it has no tables yet"
    unknown = sorted(revision for revision in stamped if not _known(script, revision))
    if unknown:
        return (
            f"it is at revisions this version does not know ({', '.join(unknown)}): a newer "
            "release upgraded it, so run that release"
        )
    missing = sorted(_branch(script, revision) for revision in heads - stamped)
    return f"the migrations of {', '.join(missing)} have not run on it yet"


def current(engine: Engine, plugins: Iterable[str] = ()) -> dict[str, str | None]:
    """Each branch's revision in the database (None: not there yet), and the head's."""
    script = ScriptDirectory.from_config(alembic_config(plugins=plugins))
    with engine.connect() as connection:
        stamped = MigrationContext.configure(connection).get_current_heads()
    found: dict[str, str | None] = {_branch(script, head): None for head in script.get_heads()}
    for revision in stamped:
        found[_branch(script, revision) if _known(script, revision) else revision] = revision
    return found


def heads(plugins: Iterable[str] = ()) -> dict[str, str]:
    """Each branch's newest revision in this version."""
    script = ScriptDirectory.from_config(alembic_config(plugins=plugins))
    return {_branch(script, head): head for head in script.get_heads()}


def drift(engine: Engine, plugins: Iterable[str] = ()) -> list[Any]:
    """Where the database's tables differ from the models (empty: none), as alembic says."""
    metadata = records_metadata(plugins)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return [
            difference
            for difference in compare_metadata(context, metadata)
            if not _is_version_table(difference)
        ]


def _is_version_table(difference: Any) -> bool:
    # alembic's own table is no model's: compare_metadata would report it as extra.
    table = getattr(difference[1], "name", None) if isinstance(difference, tuple) else None
    return table == VERSION_TABLE


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _branch(script: ScriptDirectory, revision: str) -> str:
    """The branch a revision is on: the label its chain's baseline gives."""
    found: Script | None = script.get_revision(revision)
    while found is not None:
        if found.branch_labels:
            return sorted(found.branch_labels)[0]
        below = found.down_revision
        found = script.get_revision(below) if isinstance(below, str) else None
    return revision


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys unchecked while tables are rebuilt, then checked again.

    SQLite changes a column's type by copying its table into a new one (alembic's batch
    mode) and dropping the old, which the foreign keys pointing at it would refuse. The
    pragma has no effect inside a transaction, so it is set before the upgrade's begins.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _foreign_keys_hold(connection: Connection) -> None:
    """Refuse to commit an upgrade that left a row pointing at nothing (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, rowid, parent, _ = broken[0]
        raise RecordsDatabaseError(
            f"records database: the upgrade would leave row {rowid} of table {table} "
            f"pointing at no row of {parent} ({len(broken)} rows in all); nothing was changed"
        )
