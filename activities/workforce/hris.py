"""``hris.*``: employees, separations and full-and-final statements in the HRIS.

Each activity reads before it writes, keyed on the business key (the onboarding id, the
separation id), so a retry after a lost answer changes nothing twice. The HRIS refuses to
submit a full-and-final statement while a row is Unsettled or an asset to be returned is
still Owned: ``StatementNotSettled`` names each, for the people who settle them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.workforce.system_api import Answer, SystemApi
from backoffice import packs
from backoffice.packs import Amount

HRIS = SystemApi("hris", "the HRIS", unavailable="HrisUnavailable", refused="HrisRefused")
ERRORS = ["HrisUnavailable", "HrisRefused", "EmployeeNotFound", "SecretNotFound"]
API = "/api/v1"


class NewEmployee(BaseModel):
    onboarding_id: str = Field(min_length=1, description="The onboarding that hires them.")
    first_name: str
    last_name: str
    designation: str
    department: str
    grade: str
    cost_center: str
    location: str
    employment_type: str
    manager_id: str
    date_of_joining: date


class Employee(BaseModel):
    employee_id: str
    status: str
    created: bool


class EmployeeRef(BaseModel):
    employee_id: str


class EmployeeRecord(BaseModel):
    employee_id: str
    first_name: str
    last_name: str
    department: str
    location: str
    manager_id: str
    status: str  # Active, Inactive, Suspended, Left
    work_email: str
    daily_wage: Amount
    currency: str
    relieving_date: str | None


class Separation(BaseModel):
    separation_id: str = Field(min_length=1)
    employee_id: str
    type: Literal["voluntary", "involuntary", "retirement", "end_of_contract"]
    relieving_date: date
    notice_given_at: date


class SeparationRef(BaseModel):
    separation_id: str


class SeparationRecord(BaseModel):
    separation_id: str
    status: str  # Pending, Cancelled


class StatementRef(BaseModel):
    employee_id: str
    separation_id: str


class Row(BaseModel):
    component: str
    amount: Amount
    status: Literal["Settled", "Unsettled"]
    reference: str = Field(default="", description="The HRIS document the row comes from.")


class AssetRow(BaseModel):
    asset: str
    action: Literal["Return", "Recover Cost"]
    status: Literal["Owned", "Returned"]
    amount: Amount


class Statement(BaseModel):
    statement_id: str
    currency: str
    payables: list[Row]
    receivables: list[Row]
    assets: list[AssetRow]
    status: Literal["Draft", "Submitted", "Paid"]
    employee_id: str = ""
    separation_id: str = ""
    journal_entry: str = ""


class AssetAction(BaseModel):
    statement_id: str
    asset: str
    action: Literal["Return", "Recover Cost"]
    amount: Amount
    status: Literal["Owned", "Returned"] | None = Field(
        default=None,
        description="Returned once the asset register has it back; left out, unchanged.",
    )


class Payment(BaseModel):
    statement_id: str
    run_number: str
    journal_entry: str


class Leaving(BaseModel):
    employee_id: str
    relieving_date: date


def _missing(answer: Answer) -> str:
    return str(answer.body.get("missing", "")) if isinstance(answer.body, dict) else ""


def _not_found(answer: Answer) -> ApplicationError:
    if _missing(answer) == "employee":
        return ApplicationError(answer.reason, type="EmployeeNotFound", non_retryable=True)
    return ApplicationError(answer.reason, type="HrisRefused", non_retryable=True)


def _record(body: dict[str, Any]) -> EmployeeRecord:
    return EmployeeRecord.model_validate(
        {
            **body,
            "manager_id": body.get("manager_id") or "",
            "work_email": body.get("work_email") or "",
        }
    )


def _statement(body: dict[str, Any]) -> Statement:
    return Statement.model_validate({**body, "journal_entry": body.get("journal_entry") or ""})


async def _employee(employee_id: str) -> EmployeeRecord:
    answer = await HRIS.call("GET", f"{API}/employees/{employee_id}", expect=(404,))
    if answer.status == 404:
        raise _not_found(answer)
    return _record(answer.body)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.create_employee")
async def create_employee(new: NewEmployee) -> Employee:
    """Create the employee of an onboarding in the HRIS, once (keyed by onboarding id)."""
    query = {"onboarding_id": new.onboarding_id}
    found = (await HRIS.call("GET", f"{API}/employees", params=query)).body["employees"]
    if found:
        return Employee(employee_id=found[0]["employee_id"], status=found[0]["status"],
                        created=False)  # fmt: skip
    answer = await HRIS.call(
        "POST", f"{API}/employees", body=new.model_dump(mode="json"), expect=(409,)
    )
    if answer.status == 409:  # created by an attempt whose answer was lost meanwhile
        made = await _employee(str(answer.body["employee_id"]))
        return Employee(employee_id=made.employee_id, status=made.status, created=False)
    return Employee(employee_id=answer.body["employee_id"], status=answer.body["status"],
                    created=True)  # fmt: skip


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.get_employee")
async def get_employee(ref: EmployeeRef) -> EmployeeRecord:
    """Read an employee: status, manager, location, daily wage."""
    return await _employee(ref.employee_id)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.record_separation")
async def record_separation(separation: Separation) -> SeparationRecord:
    """Record a resignation or termination (again with new dates, when they move)."""
    body = separation.model_dump(mode="json", exclude={"separation_id"})
    answer = await HRIS.call(
        "PUT", f"{API}/separations/{separation.separation_id}", body=body, expect=(404,)
    )
    if answer.status == 404:
        raise _not_found(answer)
    return SeparationRecord(separation_id=separation.separation_id, status=answer.body["status"])


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.cancel_separation")
async def cancel_separation(ref: SeparationRef) -> SeparationRecord:
    """Cancel a separation (a withdrawn resignation); cancelling twice is the same."""
    answer = await HRIS.call("POST", f"{API}/separations/{ref.separation_id}/cancel")
    return SeparationRecord(separation_id=ref.separation_id, status=answer.body["status"])


async def _open_statement(ref: StatementRef) -> Statement:
    answer = await HRIS.call(
        "POST", f"{API}/final-statements", body=ref.model_dump(), expect=(404,)
    )
    if answer.status == 404:
        raise _not_found(answer)
    return _statement(answer.body)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.final_statement")
async def final_statement(ref: StatementRef) -> Statement:
    """The leaver's full-and-final statement (made as a Draft the first time)."""
    return await _open_statement(ref)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.set_asset_action")
async def set_asset_action(change: AssetAction) -> Statement:
    """Set what happens to an asset: Return it, or Recover Cost (an amount to deduct)."""
    body = change.model_dump(mode="json", exclude={"statement_id", "asset"}, exclude_none=True)
    body["amount"] = str(change.amount)
    answer = await HRIS.call(
        "PUT", f"{API}/final-statements/{change.statement_id}/assets/{change.asset}", body=body
    )
    return _statement(answer.body)


@packs.activity(errors=[*ERRORS, "StatementNotSettled"])
@activity.defn(name="hris.submit_statement")
async def submit_statement(ref: StatementRef) -> Statement:
    """Submit the statement; refused while a row is Unsettled or an asset still Owned."""
    statement = await _open_statement(ref)
    answer = await HRIS.call(
        "POST", f"{API}/final-statements/{statement.statement_id}/submit", expect=(409,)
    )
    if answer.status == 409:
        reasons = answer.body.get("reasons") if isinstance(answer.body, dict) else None
        raise ApplicationError(
            answer.reason,
            {"statement_id": statement.statement_id, "reasons": reasons or [answer.reason]},
            type="StatementNotSettled",
            non_retryable=True,
        )
    return _statement(answer.body)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.mark_statement_paid")
async def mark_statement_paid(payment: Payment) -> Statement:
    """Record the off-cycle run and journal entry that paid the statement."""
    body = payment.model_dump(exclude={"statement_id"})
    answer = await HRIS.call(
        "POST", f"{API}/final-statements/{payment.statement_id}/payment", body=body
    )
    return _statement(answer.body)


@packs.activity(errors=ERRORS)
@activity.defn(name="hris.set_employee_left")
async def set_employee_left(leaving: Leaving) -> EmployeeRecord:
    """Set the employee's status to Left, with the relieving date."""
    body = {"status": "Left", "relieving_date": leaving.relieving_date.isoformat()}
    answer = await HRIS.call(
        "PATCH", f"{API}/employees/{leaving.employee_id}", body=body, expect=(404,)
    )
    if answer.status == 404:
        raise _not_found(answer)
    return _record(answer.body)
