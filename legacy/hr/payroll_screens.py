"""The payroll screens: a frameset of the old intranet, with its forms in the main frame.

``/payroll`` is the frameset (banner, navigation, and the frame named ``main``); the pages
inside the frames are ordinary URLs that can also be opened alone.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.models import PAYROLL_RANGE, Employee, PayrollRecord
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

PAY_FREQUENCIES = ("Weekly", "Biweekly", "Semi-monthly", "Monthly")
ACCOUNT_TYPES = ("Checking", "Savings")
FILING_STATUSES = (
    "Single or Married filing separately",
    "Married filing jointly",
    "Head of household",
)
STATES = ("CA", "NY", "TX", "WA", "IL", "MA", "OR", "NV")


def routing_number_valid(number: str) -> bool:
    """The ABA check: weights 3, 7, 1 over the nine digits give a multiple of ten."""
    if len(number) != 9 or not number.isdigit():
        return False
    digits = [int(d) for d in number]
    weights = (3, 7, 1) * 3
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


@dataclass
class PayrollEntry:
    """A payroll record as entered: the columns of ``PayrollRecord`` a user fills in."""

    employee_id: str
    effective_date: date
    pay_frequency: str
    account_holder: str
    bank_name: str
    routing_number: str
    account_number: str
    account_type: str
    filing_status: str
    multiple_jobs: bool
    dependents_amount: Decimal
    other_income: Decimal
    deductions: Decimal
    extra_withholding: Decimal
    state: str
    state_allowances: int


def parse_payroll(fields: dict[str, str]) -> PayrollEntry:
    """The payroll record as entered, checked field by field."""

    def choice(name: str, label: str, allowed: tuple[str, ...]) -> str:
        value = fields.get(name, "")
        if value not in allowed:
            raise FormError(f"{label}: choose one of {', '.join(allowed)}")
        return value

    def money(name: str, label: str) -> Decimal:
        value = parse_amount(fields.get(name) or "0", label)
        if value < 0:
            raise FormError(f"{label}: cannot be negative")
        return value.quantize(Decimal("0.01"))

    routing = required(fields, "routing_number", "Routing number")
    if not routing_number_valid(routing):
        raise FormError("Routing number: not a valid ABA routing number")
    account = required(fields, "account_number", "Account number")
    if not account.isdigit() or not 4 <= len(account) <= 17:
        raise FormError("Account number: 4 to 17 digits")
    allowances = fields.get("state_allowances") or "0"
    if not allowances.isdigit() or int(allowances) > 99:
        raise FormError("State allowances: a whole number from 0 to 99")
    return PayrollEntry(
        employee_id=required(fields, "employee_id", "Employee ID").upper(),
        effective_date=parse_date(
            required(fields, "effective_date", "Effective date"), "Effective date"
        ),
        pay_frequency=choice("pay_frequency", "Pay frequency", PAY_FREQUENCIES),
        account_holder=required(fields, "account_holder", "Account holder"),
        bank_name=required(fields, "bank_name", "Bank name"),
        routing_number=routing,
        account_number=account,
        account_type=choice("account_type", "Account type", ACCOUNT_TYPES),
        filing_status=choice("filing_status", "Filing status", FILING_STATUSES),
        multiple_jobs=fields.get("multiple_jobs") == "on",
        dependents_amount=money("dependents_amount", "Dependents amount"),
        other_income=money("other_income", "Other income"),
        deductions=money("deductions", "Deductions"),
        extra_withholding=money("extra_withholding", "Extra withholding"),
        state=choice("state", "State", STATES),
        state_allowances=int(allowances),
    )


def create_record(session: Session, entry: PayrollEntry, user: str) -> str:
    employee_id = entry.employee_id
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise FormError(f"Employee {employee_id} does not exist")
    if employee.status == "Left":
        raise FormError(f"Employee {employee_id} has left the company")
    record_number = f"PR-{next_number(session, PAYROLL_RANGE):06d}"
    session.add(
        PayrollRecord(
            record_number=record_number,
            status="ACTIVE",
            created_by=user,
            **asdict(entry),
        )
    )
    return record_number


async def frameset(request: Request) -> Response:
    employee_id = request.query_params.get("employee_id", "").strip().upper()
    main = (
        f"/payroll/records/new?employee_id={quote(employee_id)}"
        if employee_id
        else "/payroll/records"
    )
    return render(request, "hr/payroll_frameset.html", popups=False, main=main)


async def banner(request: Request) -> Response:
    return render(request, "hr/payroll_banner.html", popups=False)


async def navigation(request: Request) -> Response:
    return render(request, "hr/payroll_navigation.html", popups=False)


def _form(request: Request, fields: dict[str, str], error: str | None) -> Response:
    return render(
        request,
        "hr/payroll_form.html",
        fields=fields,
        error=error,
        pay_frequencies=PAY_FREQUENCIES,
        account_types=ACCOUNT_TYPES,
        filing_statuses=FILING_STATUSES,
        states=STATES,
    )


async def record_form(request: Request) -> Response:
    fields = {
        "employee_id": request.query_params.get("employee_id", "").strip().upper(),
        "pay_frequency": "Biweekly",
        "account_type": "Checking",
        "filing_status": FILING_STATUSES[0],
        "state": "CA",
        "state_allowances": "0",
    }
    return _form(request, fields, None)


async def record_create(request: Request) -> Response:
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> tuple[str, PayrollEntry]:
        entry = parse_payroll(fields)
        await slow_screen(request)
        return await write(request, lambda session: create_record(session, entry, user)), entry

    def done(created: tuple[str, PayrollEntry]) -> Response:
        record_number, entry = created
        return render(
            request,
            "hr/payroll_created.html",
            record_number=record_number,
            employee_id=entry.employee_id,
        )

    return await submitted(request, act, lambda error: _form(request, fields, str(error)), done)


async def record_search(request: Request) -> Response:
    query = search_query(request, {"employee_id": as_code})
    statement = matching(select(PayrollRecord), query, {"employee_id": PayrollRecord.employee_id})
    statement = statement.order_by(PayrollRecord.record_number.desc())
    return await results(request, "hr/payroll_search.html", statement, query)


def _shown(
    request: Request, record: PayrollRecord, *, info: str | None = None, error: str | None = None
) -> Response:
    return render(request, "hr/payroll_record.html", record=record, info=info, error=error)


def _not_found(request: Request, number: str) -> Response:
    return not_found(
        request,
        "hr/payroll_search.html",
        f"Payroll record {number} does not exist",
        {"employee_id": ""},
    )


async def record_display(request: Request) -> Response:
    number = request.path_params["record_number"]
    return await display(
        request,
        lambda session: session.get(PayrollRecord, number),
        lambda record: _shown(request, record),
        lambda: _not_found(request, number),
    )


def inactivate(session: Session, number: str) -> PayrollRecord:
    return end_once(
        session,
        PayrollRecord,
        number,
        what="Payroll record",
        status="INACTIVE",
        already="inactive",
        inactivated_at=utcnow(),
    )


async def record_inactivate(request: Request) -> Response:
    number = request.path_params["record_number"]
    await form_fields(request)

    async def act() -> PayrollRecord:
        return await write(request, lambda session: inactivate(session, number))

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: session.get(PayrollRecord, number),
            lambda current: _shown(request, current, error=str(error)),
            lambda: _not_found(request, number),
        )

    def done(record: PayrollRecord) -> Response:
        return _shown(request, record, info=f"Payroll record {number} was inactivated")

    return await submitted(request, act, refused, done)


ROUTES = [
    Route("/payroll", frameset, methods=["GET"]),
    Route("/payroll/banner", banner, methods=["GET"]),
    Route("/payroll/navigation", navigation, methods=["GET"]),
    Route("/payroll/records", record_search, methods=["GET"]),
    Route("/payroll/records", record_create, methods=["POST"]),
    Route("/payroll/records/new", record_form, methods=["GET"]),
    Route("/payroll/records/{record_number}", record_display, methods=["GET"]),
    Route("/payroll/records/{record_number}/inactivate", record_inactivate, methods=["POST"]),
]
