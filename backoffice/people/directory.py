"""Who may decide: assignee rules resolved against the directory, delegations included.

Assignees arrive as the interpreter records them: ``user:alice``, ``group:ap-clerks``,
``role:cfo``, ``manager_of:bob``, ``cost_center_owner:CC-4100``, ``owner_of:system:erp``
(the owner of a system; ``owner_of:supplier:SUP-100`` of a record of any kind),
``approval_limit:15000`` (optionally ``@group``), ``users:a,b``. ``manager_of:role:cfo``
means the managers of the people a rule names (a person's id never holds a ``:``), and
``|`` separates the alternatives of ``or_else``: ``manager_of:frank|role:deputy_cfo`` is
frank's manager, or the deputy CFOs when frank reports to nobody. Tasks opened before the
language settled its spellings keep their old kinds (see ``backoffice.old_spellings``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from backoffice.money import exact
from backoffice.old_spellings import current_rule_kind
from backoffice.people.store import (
    CostCenterRow,
    DelegationRow,
    MembershipRow,
    PersonRow,
    RecordOwnerRow,
    RoleRow,
)


class UnknownAssigneeRule(ValueError):
    """An assignee is not of a form the directory knows."""


class Directory(Protocol):
    def resolve(self, assignee: str, excluded: Collection[str] = ()) -> set[str]:
        """The active people an assignee rule names; of alternatives, the first that names
        someone not ``excluded`` (the last alternative, whatever it names)."""
        ...

    def deciders(
        self, assignees: Iterable[str], on: date, excluded: Collection[str] = ()
    ) -> dict[str, str]:
        """Everyone who may decide on ``on``, each with why: assignee or delegate of whom."""
        ...

    def delegation_problem(self, source: str, target: str) -> str | None:
        """Why ``source`` may not hand a task to ``target``, or None if they may."""
        ...

    def inactive(self, people: Iterable[str]) -> list[str]:
        """Those of ``people`` who are not active people of the directory."""
        ...


@dataclass
class SqlDirectory:
    """The directory as stored in the records database."""

    engine: Engine

    def _active(self, session: Session, ids: Iterable[str]) -> set[str]:
        wanted = set(ids)
        if not wanted:
            return set()
        rows = session.exec(
            select(PersonRow.id).where(col(PersonRow.id).in_(wanted), col(PersonRow.active))
        )
        return set(rows)

    def resolve(self, assignee: str, excluded: Collection[str] = ()) -> set[str]:
        *earlier, last = assignee.split("|")
        for alternative in earlier:
            people = self._rule(alternative)
            if people - set(excluded):
                return people
        return self._rule(last)

    def _rule(self, rule: str) -> set[str]:
        kind, _, value = rule.partition(":")
        kind = current_rule_kind(kind)
        if kind == "owner_of":
            return self._owner_of(*value.partition(":")[::2])
        if kind == "manager_of" and ":" in value:
            named = self._rule(value)
            with Session(self.engine) as session:
                people = session.exec(select(PersonRow).where(col(PersonRow.id).in_(named)))
                managers = [person.manager_id for person in people if person.manager_id]
                return self._active(session, managers)
        with Session(self.engine) as session:
            if kind == "user":
                return self._active(session, [value])
            if kind == "users":
                return self._active(session, [v for v in value.split(",") if v])
            if kind == "group":
                members = session.exec(
                    select(MembershipRow.person_id).where(MembershipRow.group_id == value)
                )
                return self._active(session, members)
            if kind == "role":
                holders = session.exec(select(RoleRow.person_id).where(RoleRow.role == value))
                return self._active(session, holders)
            if kind == "manager_of":
                person = session.get(PersonRow, value)
                return self._active(
                    session, [person.manager_id] if person and person.manager_id else []
                )
            if kind == "cost_center_owner":
                center = session.get(CostCenterRow, value)
                return self._active(session, [center.owner_id] if center else [])
            if kind == "approval_limit":
                amount, _, group = value.partition("@")
                query = select(PersonRow.id).where(PersonRow.approval_limit >= exact(amount))
                candidates = set(session.exec(query))
                if group:
                    members = session.exec(
                        select(MembershipRow.person_id).where(MembershipRow.group_id == group)
                    )
                    candidates &= set(members)
                return self._active(session, candidates)
        raise UnknownAssigneeRule(f"'{rule}' is not an assignee rule the directory knows")

    def _owner_of(self, record: str, record_id: str) -> set[str]:
        """The active owner of a system or a record; for a cost center, its owner as the
        people list it (``cost_centers``) counts as much as the ``owners`` list."""
        with Session(self.engine) as session:
            owned = session.get(RecordOwnerRow, (record, record_id))
            owners = [owned.owner_id] if owned else []
            if record == "cost_center":
                center = session.get(CostCenterRow, record_id)
                owners += [center.owner_id] if center else []
            return self._active(session, owners)

    def inactive(self, people: Iterable[str]) -> list[str]:
        wanted = list(people)
        with Session(self.engine) as session:
            active = self._active(session, wanted)
        return [person for person in wanted if person not in active]

    def delegation_problem(self, source: str, target: str) -> str | None:
        # Delegation goes to the same or a higher authority only: a clerk cannot pass an
        # approval to someone whose limit is lower than their own.
        with Session(self.engine) as session:
            giver, taker = session.get(PersonRow, source), session.get(PersonRow, target)
        if taker is None:
            return f"{target} is not in the directory"
        if not taker.active:
            return f"{target} is no longer active"
        if giver is not None and taker.approval_limit < giver.approval_limit:
            return (
                f"{target}'s approval limit ({taker.approval_limit:,.2f}) is below "
                f"{source}'s ({giver.approval_limit:,.2f}): delegate to the same or a higher "
                "authority"
            )
        return None

    def deciders(
        self, assignees: Iterable[str], on: date, excluded: Collection[str] = ()
    ) -> dict[str, str]:
        named: set[str] = set()
        for assignee in assignees:
            named |= self.resolve(assignee, excluded)
        who = {person: "assignee" for person in named}
        with Session(self.engine) as session:
            delegations = session.exec(
                select(DelegationRow).where(
                    col(DelegationRow.from_id).in_(named),
                    DelegationRow.starts <= on,
                    DelegationRow.ends >= on,
                )
            )
            for delegation in delegations:
                if delegation.to_id in self._active(session, [delegation.to_id]):
                    who.setdefault(delegation.to_id, f"delegate of {delegation.from_id}")
        return who
