"""Handing a leaver's open tasks to a successor, in every run that waits on them.

The offboarding of a person calls ``people.hand_over_tasks``: each open task the person
may decide, in any run but the caller's, is reassigned through that run's own
``reassign`` update, so the run knows its new deciders (the inbox, reminders and
escalations follow them) and the task's audit keeps why. Others who could decide keep
their place; the leaver's goes to the successor (the person's manager unless told).

Idempotent: each update has an id made of the caller, the leaver and the task, so a
retried activity sends nothing twice; a task already handed over no longer lists the
leaver and is not found again. Bounded: tasks are read a page at a time, at most
``MAX_TASKS`` in one call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from backoffice.engine.contracts import Reassign
from backoffice.errors import BackofficeError
from backoffice.people.store import PersonRow
from backoffice.tasks import actions
from backoffice.tasks.store import TaskCandidateRow, TaskRow

PAGE = 50
MAX_TASKS = 1000
MAX_DECIDERS = 20  # as many people as one reassignment names at most (``Reassign.to``)


class HandOverRefused(BackofficeError):
    """Nothing can be handed over: ``kind`` is the error type a definition may catch."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Parties:
    """Who leaves, and who takes over, with their names for the audit."""

    person: str
    name: str
    successor: str
    successor_name: str


@dataclass(frozen=True)
class Moved:
    task_id: str
    process: str
    run_id: str
    title: str


@dataclass
class Outcome:
    moved: list[Moved] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)  # (task id, why)


def parties(engine: Engine, person: str, to: str) -> Parties:
    """The leaver and the successor (``to``, else the leaver's manager), from the directory."""
    with Session(engine) as session:
        leaver = session.get(PersonRow, person)
        if leaver is None:
            raise HandOverRefused(
                "PersonNotFound", f"no person '{person}' in the directory: give their id"
            )
        successor_id = to or leaver.manager_id or ""
        if not successor_id:
            raise HandOverRefused(
                "NoOneToHandOverTo",
                f"{leaver.name} ({person}) reports to nobody in the directory: name whom "
                "their tasks go to with `to:`",
            )
        successor = session.get(PersonRow, successor_id)
        if successor is None or not successor.active:
            raise HandOverRefused(
                "NoOneToHandOverTo",
                f"'{successor_id}' is not an active person of the directory, so "
                f"{leaver.name}'s tasks cannot go to them: name someone else with `to:`",
            )
        if successor_id == person:
            raise HandOverRefused(
                "NoOneToHandOverTo", f"{leaver.name}'s tasks cannot go to {leaver.name}"
            )
        return Parties(person, leaver.name, successor.id, successor.name)


def _page(engine: Engine, person: str, after: str) -> list[tuple[TaskRow, list[str]]]:
    """Open tasks ``person`` may decide, by id after ``after``, with all who may decide."""
    with Session(engine) as session:
        rows = list(
            session.exec(
                select(TaskRow)
                .join(TaskCandidateRow, col(TaskCandidateRow.task_id) == col(TaskRow.id))
                .where(
                    TaskCandidateRow.person_id == person,
                    TaskRow.status == "open",
                    col(TaskRow.id) > after,
                )
                .order_by(col(TaskRow.id))
                .limit(PAGE)
            )
        )
        found: list[tuple[TaskRow, list[str]]] = []
        for row in rows:
            people = session.exec(
                select(TaskCandidateRow.person_id).where(TaskCandidateRow.task_id == row.id)
            )
            found.append((row, sorted(people)))
        return found


def successors(deciders: list[str], who: Parties) -> list[str]:
    """Who decides once the leaver is gone: the successor, then the others who could."""
    others = [person for person in deciders if person not in (who.person, who.successor)]
    return [who.successor, *others][:MAX_DECIDERS]


async def hand_over(
    client: Client,
    engine: Engine,
    who: Parties,
    reason: str,
    *,
    caller: str,
    by: str,
    done: Outcome | None = None,
    beat: Callable[[Outcome], None] = lambda _: None,
) -> Outcome:
    """Reassign every open task of ``who.person`` outside the run ``caller`` (a workflow
    id) to ``who.successor``; ``by`` names the caller in the audit (its process).
    ``done`` is what an earlier attempt did (from its heartbeat); ``beat`` is told after
    each task."""
    outcome = done or Outcome()
    comment = f"{who.name} left ({reason}): tasks go to {who.successor_name}"
    after, seen = "", 0
    while seen < MAX_TASKS:
        page = await asyncio.to_thread(_page, engine, who.person, after)
        if not page:
            break
        for row, deciders in page:
            after, seen = row.id, seen + 1
            if row.workflow_id == caller or any(m.task_id == row.id for m in outcome.moved):
                continue
            moved = await _move(client, engine, row, deciders, who, comment, caller, by)
            if isinstance(moved, Moved):
                outcome.moved.append(moved)
            else:
                outcome.left.append((row.id, moved))
            beat(outcome)
    return outcome


async def _move(
    client: Client,
    engine: Engine,
    row: TaskRow,
    deciders: list[str],
    who: Parties,
    comment: str,
    caller: str,
    by: str,
) -> Moved | str:
    """Reassign one task; what was moved, or why it was not."""
    update_id = f"hand-over:{caller}:{who.person}:{row.id}"
    request = Reassign(
        task_id=row.id,
        user=by,
        to=successors(deciders, who),
        comment=comment,
        via="process",
        handing_over=who.person,
    )
    try:
        await actions.reassign(client, engine, request, update_id)
    except actions.TaskRefused as refused:
        # Closed meanwhile, or someone in it may no longer be named (they decided): the
        # successor alone takes it then; anything else is said in the result.
        if len(request.to) == 1:
            return str(refused)
        alone = request.model_copy(update={"to": [who.successor]})
        try:
            await actions.reassign(client, engine, alone, update_id + ":alone")
        except actions.TaskRefused as again:
            return str(again)
    description = await client.get_workflow_handle(row.workflow_id).describe()
    return Moved(row.id, row.process, description.run_id, row.title)
