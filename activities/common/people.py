"""The people directory from a process: who owns a cost center, whom they report to, and
handing a leaver's open tasks to a successor.

Task assignees resolve rules such as ``cost_center_owner`` themselves; a process reads the
people behind them when it needs their ids, for example to escalate to the manager of
the cost center's owner.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry
from backoffice.people.store import CostCenterRow, PersonRow
from backoffice.tasks.hand_over import HandOverRefused, Moved, Outcome, hand_over, parties
from backoffice.tasks.records import records_engine


class CostCenterRequest(BaseModel):
    cost_center: str


class CostCenter(BaseModel):
    cost_center: str
    found: bool
    owner: str = ""
    owner_name: str = ""
    owner_active: bool = False
    owner_manager: str = ""  # empty when the owner reports to nobody


def read_cost_center(request: CostCenterRequest) -> CostCenter:
    with Session(records_engine()) as session:
        center = session.get(CostCenterRow, request.cost_center)
        owner = session.get(PersonRow, center.owner_id) if center else None
        if center is None or owner is None:
            return CostCenter(cost_center=request.cost_center, found=False)
        return CostCenter(
            cost_center=center.id,
            found=True,
            owner=owner.id,
            owner_name=owner.name,
            owner_active=owner.active,
            owner_manager=owner.manager_id or "",
        )


@registry.activity()
@activity.defn(name="people.cost_center")
async def cost_center(request: CostCenterRequest) -> CostCenter:
    """The owner of a cost center and the owner's manager, from the people directory."""
    return await asyncio.to_thread(read_cost_center, request)


class HandOver(BaseModel):
    person: str = Field(min_length=1, description="The leaver's id in the directory, e.g. bob.")
    to: str = Field(
        default="", description="Who takes the tasks over; empty: the person's manager."
    )
    reason: str = Field(
        min_length=1,
        max_length=300,
        description="Why, for the audit, e.g. offboarding HR-EMP-SEP-2025-00007.",
    )


class MovedTask(BaseModel):
    task_id: str
    process: str
    run_id: str
    title: str


class LeftTask(BaseModel):
    task_id: str
    why: str


class HandedOver(BaseModel):
    moved: list[MovedTask]
    to: str
    # Tasks found but not moved (closed meanwhile, say), with why.
    left: list[LeftTask] = Field(default_factory=list)


def _outcome(details: object) -> Outcome | None:
    """What an earlier attempt moved, from its last heartbeat."""
    if not isinstance(details, dict):
        return None
    moved = [Moved(**item) for item in details.get("moved", [])]
    left = [(str(item[0]), str(item[1])) for item in details.get("left", [])]
    return Outcome(moved=moved, left=left)


def _beat(outcome: Outcome) -> None:
    activity.heartbeat(
        {"moved": [vars(item) for item in outcome.moved], "left": [list(i) for i in outcome.left]}
    )


@registry.activity(errors=["PersonNotFound", "NoOneToHandOverTo"])
@activity.defn(name="people.hand_over_tasks")
async def hand_over_tasks(request: HandOver) -> HandedOver:
    """Give every open task of a person, in every other run, to their manager (or ``to``),
    through each run's reassignment, audited with why."""
    engine = records_engine()
    try:
        who = await asyncio.to_thread(parties, engine, request.person, request.to)
    except HandOverRefused as refused:
        raise ApplicationError(str(refused), type=refused.kind, non_retryable=True) from None
    info = activity.info()
    earlier = info.heartbeat_details[0] if info.heartbeat_details else None
    outcome = await hand_over(
        activity.client(),
        engine,
        who,
        request.reason,
        caller=info.workflow_id or "",
        by=info.workflow_type or "process",
        done=_outcome(earlier),
        beat=_beat,
    )
    return HandedOver(
        moved=[MovedTask(**vars(item)) for item in outcome.moved],
        to=who.successor,
        left=[LeftTask(task_id=task_id, why=why) for task_id, why in outcome.left],
    )
