"""The people activities under the names they had before they were renamed.

``people.cost_center`` was once ``people.cost_centre``, taking and returning a
``cost_centre`` field. Runs started before the rename, and their recorded histories, call
the old name with the old field: it keeps answering them exactly as it did, from the same
directory read. It is retired (see ``registry.retired_activity``): the catalog does not
list it and validation tells a definition to call ``people.cost_center``.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel
from temporalio import activity

from activities.common.people import CostCenterRequest, read_cost_center
from backoffice import registry


class CostCentreRequest(BaseModel):
    cost_centre: str


class CostCentre(BaseModel):
    cost_centre: str
    found: bool
    owner: str = ""
    owner_name: str = ""
    owner_active: bool = False
    owner_manager: str = ""


def _read(request: CostCentreRequest) -> CostCentre:
    found = read_cost_center(CostCenterRequest(cost_center=request.cost_centre))
    fields = found.model_dump(exclude={"cost_center"})
    return CostCentre(cost_centre=found.cost_center, **fields)


@registry.retired_activity(renamed_to="people.cost_center")
@activity.defn(name="people.cost_centre")
async def cost_centre(request: CostCentreRequest) -> CostCentre:
    """The owner of a cost center and the owner's manager, under the activity's old name."""
    return await asyncio.to_thread(_read, request)
