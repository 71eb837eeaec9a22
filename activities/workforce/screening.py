"""``screening.*``: background checks at the screening vendor.

A check is ordered under the client's reference (the onboarding id), so ordering twice
is one order. The vendor answers later by a signed ``check.completed`` webhook, which the
event receiver turns into the event ``background_check_completed`` keyed by that
reference (docs/events.md); ``screening.result`` reads it again. A result names the
report (``report_ref``), never what is in it: the report stays with the vendor.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.system_api import Answer, SystemApi
from backoffice import packs

VENDOR = SystemApi(
    "screening", "the screening vendor", unavailable="ScreeningUnavailable",
    refused="ScreeningRefused",
)  # fmt: skip
ERRORS = ["ScreeningUnavailable", "ScreeningRefused", "OrderNotFound", "SecretNotFound"]


class CheckOrder(BaseModel):
    reference: str = Field(min_length=1, description="The onboarding id the check is for.")
    given_name: str
    family_name: str
    email: str
    package: str = "standard"
    consent_ref: str = Field(min_length=1, description="Where the signed consent is kept.")


class CheckOrderPlaced(BaseModel):
    order_id: str
    status: Literal["pending", "clear", "adverse"]


class OrderRef(BaseModel):
    order_id: str


class Reminded(BaseModel):
    order_id: str
    reminded_at: str


class CheckResult(BaseModel):
    order_id: str
    status: Literal["pending", "clear", "adverse"]
    report_ref: str = ""


class Notice(BaseModel):
    notice_id: str
    sent_at: str


def _not_found(answer: Answer) -> ApplicationError:
    return ApplicationError(answer.reason, type="OrderNotFound", non_retryable=True)


async def _order(order_id: str, action: str = "", method: str = "GET") -> dict[str, Any]:
    path = f"/v1/orders/{order_id}" + (f"/{action}" if action else "")
    answer = await VENDOR.call(method, path, expect=(404,))
    if answer.status == 404:
        raise _not_found(answer)
    body: dict[str, Any] = answer.body
    return body


@packs.activity(errors=ERRORS)
@activity.defn(name="screening.order_check")
async def order_check(order: CheckOrder) -> CheckOrderPlaced:
    """Order a background check for a candidate who consented (once per reference)."""
    found = await VENDOR.call("GET", "/v1/orders", params={"reference": order.reference})
    existing = found.body["orders"]
    if existing:
        return CheckOrderPlaced(order_id=existing[0]["order_id"], status=existing[0]["status"])
    body = {
        "reference": order.reference,
        "candidate": {"given_name": order.given_name, "family_name": order.family_name,
                      "email": order.email},
        "package": order.package,
        "consent_ref": order.consent_ref,
    }  # fmt: skip
    placed = (await VENDOR.call("POST", "/v1/orders", body=body)).body
    return CheckOrderPlaced(order_id=placed["order_id"], status=placed["status"])


@packs.activity(errors=ERRORS)
@activity.defn(name="screening.remind")
async def remind(ref: OrderRef) -> Reminded:
    """Ask the vendor to remind the candidate (refused once the check has a result)."""
    body = await _order(ref.order_id, "reminders", "POST")
    return Reminded(order_id=ref.order_id, reminded_at=body["reminded_at"])


@packs.activity(errors=ERRORS)
@activity.defn(name="screening.result")
async def result(ref: OrderRef) -> CheckResult:
    """The check's status and a reference to its report (never the report itself)."""
    body = await _order(ref.order_id)
    return CheckResult(order_id=ref.order_id, status=body["status"], report_ref=body["report_ref"])


@packs.activity(errors=ERRORS)
@activity.defn(name="screening.pre_adverse_notice")
async def pre_adverse_notice(ref: OrderRef) -> Notice:
    """Have the vendor send the pre-adverse action notice, a copy of the report and the
    FCRA summary of rights to the candidate (once)."""
    body = await _order(ref.order_id, "pre-adverse-notices", "POST")
    return Notice(notice_id=body["notice_id"], sent_at=body["sent_at"])


@packs.activity(errors=ERRORS)
@activity.defn(name="screening.final_adverse_notice")
async def final_adverse_notice(ref: OrderRef) -> Notice:
    """Have the vendor send the final adverse action notice (after the pre-adverse one)."""
    body = await _order(ref.order_id, "adverse-notices", "POST")
    return Notice(notice_id=body["notice_id"], sent_at=body["sent_at"])
