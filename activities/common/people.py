"""Reading the people directory from a process: who owns a cost center, whom they report to.

Task assignees resolve rules such as ``cost_center_owner`` themselves; a process reads the
people behind them when it needs their ids, for example to escalate to the manager of
the cost center's owner.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from sqlmodel import Session
from temporalio import activity

from backoffice import registry
from backoffice.people.store import CostCenterRow, PersonRow
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
