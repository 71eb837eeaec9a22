"""``assets.*``: laptops in the IT asset register: assigned to a holder, shipped, returned.

The holder is whoever the laptop is for: an onboarding id before the employee exists, an
employee id after. Assigning is keyed on the holder and the model, so a retry gets the
laptop the first attempt reserved rather than a second one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.system_api import Answer, SystemApi
from backoffice import packs

REGISTER = SystemApi(
    "assets", "the asset register", unavailable="AssetRegisterUnavailable",
    refused="AssetRegisterRefused",
)  # fmt: skip
ERRORS = ["AssetRegisterUnavailable", "AssetRegisterRefused", "AssetNotFound", "SecretNotFound"]
API = "/api/v1"


class LaptopRequest(BaseModel):
    holder_ref: str = Field(min_length=1, description="Onboarding id or employee id.")
    model: str = Field(min_length=1, description="STD-WIN-14, STD-MAC-14, ...")
    ship_to: str = ""


class Assignment(BaseModel):
    asset: str
    serial: str
    model: str
    status: Literal["Assigned", "Shipped", "Returned", "Cancelled"]
    holder_ref: str = ""
    tracking: str = Field(default="", description="The carrier's tracking number, once shipped.")


class AssetRef(BaseModel):
    asset: str


class HolderRef(BaseModel):
    holder_ref: str


class Holdings(BaseModel):
    assets: list[Assignment]


def _assignment(body: dict[str, Any]) -> Assignment:
    return Assignment.model_validate({**body, "tracking": body.get("tracking") or ""})


def _not_found(answer: Answer) -> ApplicationError:
    return ApplicationError(answer.reason, type="AssetNotFound", non_retryable=True)


async def _change(asset: str, action: str) -> Assignment:
    answer = await REGISTER.call("POST", f"{API}/assets/{asset}/{action}", expect=(404,))
    if answer.status == 404:
        raise _not_found(answer)
    return _assignment(answer.body)


@packs.activity(errors=[*ERRORS, "NoStock"])
@activity.defn(name="assets.assign_laptop")
async def assign_laptop(request: LaptopRequest) -> Assignment:
    """Reserve a laptop of the model in stock for the holder (the same one on a retry)."""
    answer = await REGISTER.call(
        "POST", f"{API}/assignments", body=request.model_dump(), expect=(409,)
    )
    if answer.status == 409:
        raise ApplicationError(
            answer.reason,
            {"stock": answer.body.get("stock") if isinstance(answer.body, dict) else None},
            type="NoStock",
            non_retryable=True,
        )
    return _assignment(answer.body)


@packs.activity(errors=ERRORS)
@activity.defn(name="assets.ship")
async def ship(ref: AssetRef) -> Assignment:
    """Ship an assigned laptop; the result has the tracking number."""
    return await _change(ref.asset, "shipment")


@packs.activity(errors=ERRORS)
@activity.defn(name="assets.record_return")
async def record_return(ref: AssetRef) -> Assignment:
    """Record that the holder gave the laptop back."""
    return await _change(ref.asset, "return")


@packs.activity(errors=ERRORS)
@activity.defn(name="assets.cancel_assignment")
async def cancel_assignment(ref: AssetRef) -> Assignment:
    """Cancel an assignment that has not shipped: the laptop goes back into stock."""
    return await _change(ref.asset, "cancel")


@packs.activity(errors=ERRORS)
@activity.defn(name="assets.holdings")
async def holdings(ref: HolderRef) -> Holdings:
    """Every laptop the holder has, or had (each assignment with its status)."""
    answer = await REGISTER.call("GET", f"{API}/assignments", params={"holder_ref": ref.holder_ref})
    return Holdings(assets=[_assignment(found) for found in answer.body["assignments"]])
