"""The directory's tables, and loading the directory file into them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import ValidationError
from sqlalchemy import Engine, Numeric, delete
from sqlmodel import Field, Session, SQLModel

from backoffice.database import hold_lock
from backoffice.errors import BackofficeError
from backoffice.logs import get_logger
from backoffice.old_spellings import RENAMED_PERSON_KEYS
from backoffice.people.model import DirectoryFile, renamed_keys

log = get_logger("backoffice.people")


class PersonRow(SQLModel, table=True):
    __tablename__ = "person"

    id: str = Field(primary_key=True)
    name: str
    email: str
    manager_id: str | None = Field(default=None, index=True)
    # Any currency's amount: 14 digits before the point, 4 after (ISO 4217 has at most 3).
    approval_limit: Decimal = Field(default=Decimal(0), sa_type=Numeric(18, 4))
    active: bool = True
    password_hash: str | None = None


class MembershipRow(SQLModel, table=True):
    __tablename__ = "person_group"

    person_id: str = Field(primary_key=True, foreign_key="person.id")
    group_id: str = Field(primary_key=True, index=True)


class RoleRow(SQLModel, table=True):
    __tablename__ = "person_role"

    person_id: str = Field(primary_key=True, foreign_key="person.id")
    role: str = Field(primary_key=True, index=True)


class CostCenterRow(SQLModel, table=True):
    __tablename__ = "cost_center"

    id: str = Field(primary_key=True)
    owner_id: str = Field(foreign_key="person.id", index=True)


class RecordOwnerRow(SQLModel, table=True):
    """Who owns a system (kind ``system``) or a record of another kind: ``owner_of``."""

    __tablename__ = "record_owner"

    kind: str = Field(primary_key=True)
    record_id: str = Field(primary_key=True)
    owner_id: str = Field(foreign_key="person.id", index=True)


class DelegationRow(SQLModel, table=True):
    __tablename__ = "delegation"

    id: int | None = Field(default=None, primary_key=True)
    from_id: str = Field(foreign_key="person.id", index=True)
    to_id: str = Field(foreign_key="person.id")
    starts: date
    ends: date


class DirectoryFileError(BackofficeError):
    """The directory file cannot be used; the message names the file and the problem."""


def read_directory_file(path: Path) -> DirectoryFile:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DirectoryFileError(f"{path}: cannot read the directory: {error}") from None
    try:
        directory = DirectoryFile.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in item['loc']) or 'file'}: "
            f"{item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        )
        raise DirectoryFileError(f"{path}: {problems}") from None
    for old, people in renamed_keys(data).items():
        new = RENAMED_PERSON_KEYS[old]
        log.warning(
            f"the directory file says {old}, an old spelling: rename the key to {new}",
            file=str(path),
            key=old,
            rename_to=new,
            people=people,
        )
    return directory


def load_directory(engine: Engine, directory: DirectoryFile) -> None:
    """Replace the stored directory with the file's, in one transaction.

    Workers starting together each load it: under the directory lock they take turns,
    where two interleaved loads would delete the rows the other's delegations point to.
    """
    with Session(engine) as session:
        hold_lock(session.connection(), "directory")
        tables = (DelegationRow, RecordOwnerRow, CostCenterRow, RoleRow, MembershipRow, PersonRow)
        for table in tables:
            session.exec(delete(table))
        for person in directory.people:
            session.add(
                PersonRow(
                    id=person.id,
                    name=person.name,
                    email=person.email,
                    manager_id=person.manager,
                    approval_limit=person.approval_limit,
                    active=person.active,
                    password_hash=person.password_hash,
                )
            )
        session.flush()
        for person in directory.people:
            session.add_all(MembershipRow(person_id=person.id, group_id=g) for g in person.groups)
            session.add_all(RoleRow(person_id=person.id, role=r) for r in person.roles)
            session.add_all(CostCenterRow(id=c, owner_id=person.id) for c in person.cost_centers)
        session.add_all(
            DelegationRow(from_id=d.from_, to_id=d.to, starts=d.starts, ends=d.ends)
            for d in directory.delegations
        )
        session.add_all(
            RecordOwnerRow(kind=o.owned[0], record_id=o.owned[1], owner_id=o.owner)
            for o in directory.owners
        )
        session.commit()


def sync_directory(engine: Engine, path: Path | None) -> int:
    """Load the directory file when there is one; the number of people loaded."""
    if path is None or not path.exists():
        return 0
    directory = read_directory_file(path)
    load_directory(engine, directory)
    return len(directory.people)
