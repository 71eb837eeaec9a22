"""The directory file: people, groups, roles, cost centers, approval limits, delegations."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from backoffice.old_spellings import RENAMED_PERSON_KEYS

PersonId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]*$", max_length=64)]
GroupId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9._-]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(Strict):
    id: PersonId
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    manager: PersonId | None = None
    groups: list[GroupId] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)
    cost_centers: list[str] = Field(
        default_factory=list,
        # A file written before the spelling was settled still loads; the store warns.
        validation_alias=AliasChoices("cost_centers", *RENAMED_PERSON_KEYS),
        description="Cost centers owned.",
    )
    approval_limit: Decimal = Field(default=Decimal(0), ge=0)
    active: bool = True
    password_hash: str | None = Field(
        default=None,
        pattern=r"^\$argon2id?\$",
        description="Argon2 hash of the inbox password (`backoffice hash-password` makes one); "
        "none: this person signs in only through single sign-on.",
    )


class Delegation(Strict):
    """``from_`` is away; ``to`` decides for them from ``starts`` to ``ends`` inclusive."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: PersonId = Field(alias="from")
    to: PersonId
    starts: date
    ends: date

    @model_validator(mode="after")
    def _in_order(self) -> Delegation:
        if self.ends < self.starts:
            raise ValueError("a delegation ends on or after the day it starts")
        if self.from_ == self.to:
            raise ValueError("a person cannot delegate to themselves")
        return self


RecordKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Ownership(Strict):
    """Who owns a system (``{system: erp, owner: dave}``) or a record of any kind
    (``{record: supplier, id: SUP-100, owner: alice}``): whom ``owner_of`` names."""

    system: str | None = Field(default=None, min_length=1, max_length=200)
    record: RecordKind | None = None
    id: str | None = Field(default=None, min_length=1, max_length=200)
    owner: PersonId

    @model_validator(mode="after")
    def _one_thing_owned(self) -> Ownership:
        if (self.system is None) == (self.record is None) or (self.record is None) != (
            self.id is None
        ):
            raise ValueError(
                "an owner owns a system or a record: {system: erp, owner: dave} or "
                "{record: supplier, id: SUP-100, owner: alice}"
            )
        return self

    @property
    def owned(self) -> tuple[str, str]:
        """The kind of what is owned (``system`` for a system) and which one."""
        if self.system is not None:
            return "system", self.system
        assert self.record is not None
        assert self.id is not None
        return self.record, self.id


class DirectoryFile(Strict):
    people: list[Person] = Field(min_length=1)
    delegations: list[Delegation] = Field(default_factory=list)
    owners: list[Ownership] = Field(
        default_factory=list, description="Owners of systems and records, for owner_of."
    )

    @model_validator(mode="after")
    def _references_exist(self) -> DirectoryFile:
        ids = [person.id for person in self.people]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"people listed twice: {', '.join(duplicates)}")
        known = set(ids)
        for person in self.people:
            if person.manager is not None and person.manager not in known:
                raise ValueError(f"{person.id}'s manager {person.manager} is not in the directory")
        for delegation in self.delegations:
            for who in (delegation.from_, delegation.to):
                if who not in known:
                    raise ValueError(f"delegation names {who}, who is not in the directory")
        for ownership in self.owners:
            if ownership.owner not in known:
                kind, which = ownership.owned
                raise ValueError(
                    f"the owner of {kind} {which}, {ownership.owner}, is not in the directory"
                )
        return self


def renamed_keys(data: Any) -> dict[str, list[str]]:
    """For each old key a directory file's people still use, the ids of those people."""
    found: dict[str, list[str]] = {}
    people = data.get("people") if isinstance(data, dict) else None
    for person in people if isinstance(people, list) else []:
        if isinstance(person, dict):
            for old in RENAMED_PERSON_KEYS:
                if old in person:
                    found.setdefault(old, []).append(str(person.get("id", "?")))
    return found
