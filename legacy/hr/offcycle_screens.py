"""HR screens for off-cycle pay runs: one payment to one employee outside the schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.hr.models import OFFCYCLE_RANGE, Employee, OffCycleRun
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    lost_response_instead,
    parse_amount,
    parse_date,
    read,
    render,
    required,
    search,
    slow_screen,
    write,
)
from legacy.storage import next_number, utcnow

REASONS = ("Final settlement", "Bonus", "Correction", "Expense reimbursement", "Other")
CURRENCIES = ("USD", "EUR")


def create_run(
    session: Session,
    *,
    employee_id: str,
    amount: Decimal,
    currency: str,
    reason: str,
    payment_date: date,
    comment: str | None,
    user: str,
) -> OffCycleRun:
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise FormError(f"Employee {employee_id} does not exist")
    run = OffCycleRun(
        run_number=f"OC-{payment_date.year}-{next_number(session, OFFCYCLE_RANGE):06d}",
        employee_id=employee_id,
        amount=amount,
        currency=currency,
        reason=reason,
        payment_date=payment_date,
        comment=comment,
        status="CREATED",
        created_by=user,
    )
    session.add(run)
    return run


def cancel_run(session: Session, run_number: str) -> OffCycleRun:
    run = session.get(OffCycleRun, run_number)
    if run is None:
        raise FormError(f"Off-cycle run {run_number} does not exist")
    if run.status == "CANCELLED":
        raise FormError(f"Off-cycle run {run_number} is already cancelled")
    run.status, run.cancelled_at = "CANCELLED", utcnow()
    return run


def _form(request: Request, fields: dict[str, str], error: str | None) -> Response:
    return render(
        request,
        "hr/offcycle_form.html",
        fields=fields,
        error=error,
        reasons=REASONS,
        currencies=CURRENCIES,
    )


async def run_form(request: Request) -> Response:
    fields = {
        "employee_id": request.query_params.get("employee_id", "").strip().upper(),
        "currency": "USD",
        "payment_date": date.today().isoformat(),
    }
    return _form(request, fields, None)


async def run_create(request: Request) -> Response:
    fields = await form_fields(request)
    user = current_user(request)
    try:
        employee_id = required(fields, "employee_id", "Employee ID").upper()
        amount = parse_amount(required(fields, "amount", "Gross amount"), "Gross amount")
        if amount <= 0:
            raise FormError("Gross amount: must be more than zero")
        currency = fields.get("currency", "")
        if currency not in CURRENCIES:
            raise FormError(f"Currency: choose one of {', '.join(CURRENCIES)}")
        reason = fields.get("reason", "")
        if reason not in REASONS:
            raise FormError("Reason: choose a reason")
        payment_date = parse_date(required(fields, "payment_date", "Payment date"), "Payment date")
        comment = fields.get("comment") or None
        await slow_screen(request)
        run = await write(
            request,
            lambda session: create_run(
                session,
                employee_id=employee_id,
                amount=amount.quantize(Decimal("0.01")),
                currency=currency,
                reason=reason,
                payment_date=payment_date,
                comment=comment,
                user=user,
            ),
        )
    except FormError as error:
        return _form(request, fields, str(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    return render(
        request,
        "hr/offcycle_run.html",
        run=run,
        info=f"Off-cycle run {run.run_number} was created",
        error=None,
    )


async def run_search(request: Request) -> Response:
    params = request.query_params
    query = {
        "employee_id": params.get("employee_id", "").strip().upper(),
        "status": params.get("status", "").strip().upper(),
    }

    statement = select(OffCycleRun)
    if query["employee_id"]:
        statement = statement.where(OffCycleRun.employee_id == query["employee_id"])
    if query["status"]:
        statement = statement.where(OffCycleRun.status == query["status"])
    statement = statement.order_by(OffCycleRun.created_at.desc())
    await slow_screen(request)
    result = await search(request, statement, query)
    return render(request, "hr/offcycle_search.html", query=query, result=result)


async def run_display(request: Request) -> Response:
    number = request.path_params["run_number"]
    run = await read(request, lambda session: session.get(OffCycleRun, number))
    if run is None:
        return render(
            request,
            "hr/offcycle_search.html",
            status_code=404,
            query={"employee_id": "", "status": ""},
            result=None,
            error=f"Off-cycle run {number} does not exist",
        )
    return render(request, "hr/offcycle_run.html", run=run, info=None, error=None)


async def run_cancel(request: Request) -> Response:
    number = request.path_params["run_number"]
    await form_fields(request)
    try:
        run = await write(request, lambda session: cancel_run(session, number))
    except FormError as error:
        current = await read(request, lambda session: session.get(OffCycleRun, number))
        if current is None:
            return await run_display(request)
        return render(request, "hr/offcycle_run.html", run=current, info=None, error=str(error))
    lost = lost_response_instead(context_of(request))
    if lost is not None:
        return lost
    return render(
        request,
        "hr/offcycle_run.html",
        run=run,
        info=f"Off-cycle run {number} was cancelled",
        error=None,
    )


ROUTES = [
    Route("/offcycle", run_search, methods=["GET"]),
    Route("/offcycle", run_create, methods=["POST"]),
    Route("/offcycle/new", run_form, methods=["GET"]),
    Route("/offcycle/{run_number}", run_display, methods=["GET"]),
    Route("/offcycle/{run_number}/cancel", run_cancel, methods=["POST"]),
]
