"""The records tables come from the migrations alone: an empty database gets every table
the models declare, with no drift between the two; a database the release before
migrations made is adopted at the baselines and upgraded with every row and amount intact;
and records not upgraded are refused with the command that upgrades them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, create_engine, inspect, select
from sqlmodel import Session

from activities.payables.register import InvoiceRecord
from backoffice import database, migrations
from backoffice.database import RecordsNotUpgraded
from backoffice.people.store import PersonRow
from tests.support.records import made_before_migrations, records_environ, records_url_in

ROOT = Path(__file__).resolve().parents[2]
BEFORE = Path(__file__).parent / "data" / "records_before_migrations.db"
PACKAGES = ("backoffice", "activities", "workflows", "bots", "legacy")


def _release_before_migrations(directory: Path) -> str:
    """A copy of the records the release before migrations made, with rows; its URL."""
    url = records_url_in(directory)
    if url.startswith("sqlite:///"):
        shutil.copyfile(BEFORE, url.removeprefix("sqlite:///"))
        return url
    # On PostgreSQL: that release's tables (the baselines), and the file's rows in them.
    target = made_before_migrations(url)
    rows = _rows(_file_engine())
    try:
        tables = MetaData()
        tables.reflect(target)
        with target.begin() as connection:
            for table in tables.sorted_tables:
                connection.execute(table.insert(), [dict(row) for row in rows[table.name]])
    finally:
        target.dispose()
    return url


def _file_engine() -> Engine:
    return create_engine(f"sqlite:///{BEFORE}")


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table but alembic's, values made comparable across databases."""
    tables = MetaData()
    tables.reflect(engine)
    found = {}
    with engine.connect() as connection:
        for table in tables.sorted_tables:
            if table.name == "alembic_version":
                continue
            ordered = select(table).order_by(*table.primary_key.columns)
            found[table.name] = [
                {key: _comparable(value) for key, value in row._mapping.items()}
                for row in connection.execute(ordered)
            ]
    engine.dispose()
    return found


def _comparable(value: Any) -> Any:
    if isinstance(value, float | Decimal):
        return Decimal(str(value)).normalize()
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def test_an_empty_database_gets_every_table_the_models_declare_and_no_drift(
    tmp_path: Path,
) -> None:
    records = database.upgrade(records_url_in(tmp_path))

    declared = set(migrations.records_metadata().tables)
    assert set(inspect(records).get_table_names()) == {*declared, "alembic_version"}
    assert migrations.drift(records) == []
    assert migrations.current(records) == migrations.heads()
    assert set(migrations.heads()) == {"engine", "payables", "workforce"}


def test_the_baselines_make_the_tables_the_release_before_migrations_made(
    tmp_path: Path,
) -> None:
    made = made_before_migrations(records_url_in(tmp_path))
    if made.dialect.name != "sqlite":
        made.dispose()
        pytest.skip("the release's own tables are kept as a SQLite file")

    assert _schema(made) == _schema(_file_engine())


def _schema(engine: Engine) -> dict[str, Any]:
    found = inspect(engine)
    with engine.connect() as connection:
        # SQLite keeps each table and index as the statement that made it.
        made = connection.exec_driver_sql("SELECT type, name, sql FROM sqlite_master").all()
    engine.dispose()
    return {name: (kind, " ".join(str(sql).split())) for kind, name, sql in made} | {
        "tables": sorted(found.get_table_names())
    }


# Tables a revision renamed since that release, old name to new: their rows must follow.
RENAMED = {"cost_centre": "cost_center"}
# Tables a revision added since that release: they start empty.
ADDED = (
    "record_owner",
    "workforce_onboarding",
    "workforce_retention",
    "workforce_legal_hold",
    "workforce_deletion_certificate",
    "workforce_incident",
)
# Columns a revision added since that release: each existing row has them empty.
ADDED_COLUMNS = {"notification": ("claimed_by", "claimed_at")}


def test_records_of_the_release_before_migrations_upgrade_with_every_row_intact(
    tmp_path: Path,
) -> None:
    before = {RENAMED.get(name, name): rows for name, rows in _rows(_file_engine()).items()}
    before.update({name: [] for name in ADDED})
    for name, columns in ADDED_COLUMNS.items():
        before[name] = [row | dict.fromkeys(columns) for row in before[name]]
    url = _release_before_migrations(tmp_path)
    with pytest.raises(RecordsNotUpgraded, match="made by a release before migrations"):
        database.engine_for(url)

    records = database.upgrade(url)

    assert migrations.current(records) == migrations.heads()
    assert migrations.drift(records) == []
    after = _rows(create_engine(url))
    assert {table: len(rows) for table, rows in after.items()} == {
        table: len(rows) for table, rows in before.items()
    }
    assert after == before
    with Session(records) as session:
        kwd = session.get(InvoiceRecord, "INV-3")
        bob = session.get(PersonRow, "bob")
    assert kwd is not None
    assert bob is not None
    assert kwd.gross_amount == Decimal("12345678.125")
    assert bob.approval_limit == Decimal("0.1")


def test_an_upgrade_at_head_changes_nothing(tmp_path: Path) -> None:
    url = _release_before_migrations(tmp_path)
    database.upgrade(url)
    once = _rows(create_engine(url))

    database.upgrade(url)

    assert _rows(create_engine(url)) == once


def test_records_never_upgraded_are_refused_saying_how_to_upgrade_them(tmp_path: Path) -> None:
    with pytest.raises(RecordsNotUpgraded) as refused:
        database.engine_for(records_url_in(tmp_path))

    message = str(refused.value)
    assert "\n" not in message
    assert "it has no tables yet" in message
    assert "`backoffice db upgrade`" in message


def _backoffice(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        "BACKOFFICE_LOG_LEVEL": "WARNING",
        **records_environ(tmp_path / "state"),
    }
    return subprocess.run(
        [sys.executable, "-m", "backoffice.cli.main", *args],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip


def test_an_operator_upgrades_the_records_alone_and_sees_each_branch_at_its_head(
    tmp_path: Path,
) -> None:
    before = _backoffice(tmp_path, "db", "current")
    assert before.returncode == 1
    assert "run `backoffice db upgrade`" in before.stderr

    upgraded = _backoffice(tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    current = _backoffice(tmp_path, "db", "current")
    assert current.returncode == 0, current.stderr
    lines = [line.split() for line in current.stdout.splitlines()[1:]]
    assert lines == [[branch, head, "head"] for branch, head in sorted(migrations.heads().items())]
    assert _backoffice(tmp_path, "db", "check").returncode == 0


def test_no_table_is_altered_by_hand_outside_the_migrations() -> None:
    found = [
        str(path.relative_to(ROOT))
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "ALTER TABLE" in path.read_text(encoding="utf-8").upper()
    ]
    assert found == []


def test_alembics_own_command_line_upgrades_an_empty_database_and_finds_no_drift(
    tmp_path: Path,
) -> None:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        **records_environ(tmp_path / "state"),
    }
    alembic = [sys.executable, "-m", "alembic"]
    for arguments in (["upgrade", "heads"], ["check"]):
        done = subprocess.run(
            [*alembic, *arguments],
            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    assert "No new upgrade operations detected" in done.stdout + done.stderr
    # Without a server, the state directory's own file, as the settings place it.
    url = environment.get("BACKOFFICE_DATABASE_URL") or f"sqlite:///{tmp_path}/state/backoffice.db"
    upgraded = create_engine(url)
    assert migrations.current(upgraded) == migrations.heads()
    upgraded.dispose()


def test_the_checkouts_alembic_ini_names_every_branchs_revisions() -> None:
    ini = (ROOT / "alembic.ini").read_text(encoding="utf-8")
    [line] = [line for line in ini.splitlines() if line.startswith("version_locations")]
    folders = line.split("=", 1)[1].strip().split(":")
    named = [Path(part.replace("%(here)s", str(ROOT))) for part in folders]
    assert [path.resolve() for path in named] == [
        path.resolve() for path in migrations.version_locations()
    ]
