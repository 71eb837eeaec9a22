"""HR screens for off-cycle pay runs: one payment to one employee outside the schedule."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.models import OFFCYCLE_RANGE, Employee, OffCycleRun
from legacy.screen_kit import (
    as_code,
    display,
    end_once,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    parse_amount,
    parse_date,
    render,
    required,
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
    return end_once(
        session,
        OffCycleRun,
        run_number,
        what="Off-cycle run",
        status="CANCELLED",
        already="cancelled",
        cancelled_at=utcnow(),
    )


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

    async def act() -> OffCycleRun:
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
        return await write(
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

    return await submitted(
        request,
        act,
        lambda error: _form(request, fields, str(error)),
        lambda run: render(
            request,
            "hr/offcycle_run.html",
            run=run,
            info=f"Off-cycle run {run.run_number} was created",
            error=None,
        ),
    )


async def run_search(request: Request) -> Response:
    query = search_query(request, {"employee_id": as_code, "status": as_code})
    columns = {"employee_id": OffCycleRun.employee_id, "status": OffCycleRun.status}
    statement = matching(select(OffCycleRun), query, columns)
    statement = statement.order_by(OffCycleRun.created_at.desc())
    return await results(request, "hr/offcycle_search.html", statement, query)


def _shown(
    request: Request, run: OffCycleRun, *, info: str | None = None, error: str | None = None
) -> Response:
    return render(request, "hr/offcycle_run.html", run=run, info=info, error=error)


def _not_found(request: Request, number: str) -> Response:
    return not_found(
        request,
        "hr/offcycle_search.html",
        f"Off-cycle run {number} does not exist",
        {"employee_id": "", "status": ""},
    )


async def run_display(request: Request) -> Response:
    number = request.path_params["run_number"]
    return await display(
        request,
        lambda session: session.get(OffCycleRun, number),
        lambda run: _shown(request, run),
        lambda: _not_found(request, number),
    )


async def run_cancel(request: Request) -> Response:
    number = request.path_params["run_number"]
    await form_fields(request)

    async def act() -> OffCycleRun:
        return await write(request, lambda session: cancel_run(session, number))

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: session.get(OffCycleRun, number),
            lambda current: _shown(request, current, error=str(error)),
            lambda: _not_found(request, number),
        )

    return await submitted(
        request,
        act,
        refused,
        lambda run: _shown(request, run, info=f"Off-cycle run {number} was cancelled"),
    )


ROUTES = [
    Route("/offcycle", run_search, methods=["GET"]),
    Route("/offcycle", run_create, methods=["POST"]),
    Route("/offcycle/new", run_form, methods=["GET"]),
    Route("/offcycle/{run_number}", run_display, methods=["GET"]),
    Route("/offcycle/{run_number}/cancel", run_cancel, methods=["POST"]),
]
