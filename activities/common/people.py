"""Reading the people directory from a process: who owns a cost centre, whom they report to.

Task assignees resolve rules such as ``cost_centre_owner`` themselves; a process reads the
people behind them when it needs their ids, for example to escalate to the manager of
the cost centre's owner.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from sqlmodel import Session
from temporalio import activity

from backoffice import registry
from backoffice.people.store import CostCentreRow, PersonRow
from backoffice.tasks.records import records_engine


class CostCentreRequest(BaseModel):
    cost_centre: str


class CostCentre(BaseModel):
    cost_centre: str
    found: bool
    owner: str = ""
    owner_name: str = ""
    owner_active: bool = False
    owner_manager: str = ""  # empty when the owner reports to nobody


def _read(request: CostCentreRequest) -> CostCentre:
    with Session(records_engine()) as session:
        centre = session.get(CostCentreRow, request.cost_centre)
        owner = session.get(PersonRow, centre.owner_id) if centre else None
        if centre is None or owner is None:
            return CostCentre(cost_centre=request.cost_centre, found=False)
        return CostCentre(
            cost_centre=centre.id,
            found=True,
            owner=owner.id,
            owner_name=owner.name,
            owner_active=owner.active,
            owner_manager=owner.manager_id or "",
        )


@registry.activity()
@activity.defn(name="people.cost_centre")
async def cost_centre(request: CostCentreRequest) -> CostCentre:
    """The owner of a cost centre and the owner's manager, from the people directory."""
    return await asyncio.to_thread(_read, request)
