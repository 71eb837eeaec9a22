"""HR screens for personnel: search employees, show one, enter a new hire."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.models import (
    EMPLOYEE_RANGE,
    Badge,
    Employee,
    OffCycleRun,
    PayrollRecord,
    UserAccount,
)
from legacy.screen_kit import (
    as_code,
    as_sent,
    as_text,
    display,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import (
    FormError,
    form_fields,
    parse_date,
    render,
    required,
    slow_screen,
    write,
)
from legacy.storage import next_number

GIVEN_ID = re.compile(r"EMP-\d{4,6}")
MAX_ID_DRAWS = 1000

DEPARTMENTS = (
    "Customer Service",
    "Executive",
    "Finance",
    "Human Resources",
    "Information Technology",
    "Marketing",
    "Operations",
    "Procurement",
    "Sales",
)


async def employee_search(request: Request) -> Response:
    fields = {"employee_id": as_code, "last_name": as_text, "department": as_text}
    query = search_query(request, {**fields, "search": as_sent})
    if not query["search"]:
        return render(
            request, "hr/employee_search.html", query=query, result=None, departments=DEPARTMENTS
        )

    statement = select(Employee)
    if query["employee_id"]:
        statement = statement.where(Employee.employee_id == query["employee_id"])
    if query["last_name"]:
        statement = statement.where(Employee.last_name.ilike(f"{query['last_name']}%"))
    statement = matching(statement, query, {"department": Employee.department})
    statement = statement.order_by(Employee.employee_id)
    return await results(
        request, "hr/employee_search.html", statement, query, departments=DEPARTMENTS
    )


@dataclass
class EmployeeView:
    employee: Employee
    manager: Employee | None
    accounts: list[UserAccount]
    payroll_records: list[PayrollRecord]
    offcycle_runs: list[OffCycleRun]
    badges: list[Badge]


def load_employee(session: Session, employee_id: str) -> EmployeeView | None:
    employee = session.get(Employee, employee_id)
    if employee is None:
        return None
    return EmployeeView(
        employee=employee,
        manager=session.get(Employee, employee.manager_id) if employee.manager_id else None,
        accounts=list(
            session.scalars(
                select(UserAccount)
                .where(UserAccount.employee_id == employee_id)
                .order_by(UserAccount.account_id)
            )
        ),
        payroll_records=list(
            session.scalars(
                select(PayrollRecord)
                .where(PayrollRecord.employee_id == employee_id)
                .order_by(PayrollRecord.record_number)
            )
        ),
        offcycle_runs=list(
            session.scalars(
                select(OffCycleRun)
                .where(OffCycleRun.employee_id == employee_id)
                .order_by(OffCycleRun.run_number)
            )
        ),
        badges=list(
            session.scalars(
                select(Badge).where(Badge.employee_id == employee_id).order_by(Badge.issued_at)
            )
        ),
    )


async def employee_display(request: Request) -> Response:
    employee_id = request.path_params["employee_id"]
    return await display(
        request,
        lambda session: load_employee(session, employee_id),
        lambda view: render(request, "hr/employee.html", view=view),
        lambda: not_found(
            request,
            "hr/employee_search.html",
            f"No employee found with ID {employee_id}",
            {"employee_id": employee_id, "last_name": "", "department": "", "search": ""},
            departments=DEPARTMENTS,
        ),
    )


def _free_id(session: Session) -> str:
    """The next assigned ID not already given by hand (an HRIS ID may lie in the range)."""
    for _ in range(MAX_ID_DRAWS):
        employee_id = f"EMP-{next_number(session, EMPLOYEE_RANGE):04d}"
        if session.get(Employee, employee_id) is None:
            return employee_id
    raise FormError("No free employee ID in the range: ask the HR system administrator")


def hire(session: Session, fields: dict[str, str], hire_date: date) -> str:
    """Enter a new hire (status Pre-hire until the start date); the employee ID."""
    employee_id = fields.get("employee_id", "").strip().upper()
    if employee_id:
        # The HRIS is the master of employee IDs: a new hire entered after it keeps its ID.
        if not GIVEN_ID.fullmatch(employee_id):
            raise FormError(
                "Employee ID: write it as the HRIS gives it, EMP- and four digits "
                "(EMP-0612), or leave it empty to have one assigned"
            )
        if session.get(Employee, employee_id) is not None:
            raise FormError(f"Employee ID {employee_id} is already in use")
    else:
        employee_id = _free_id(session)
    manager_id = fields.get("manager_id", "").upper() or None
    if manager_id and session.get(Employee, manager_id) is None:
        raise FormError(f"Manager {manager_id} is not an employee")
    first, last = (
        required(fields, "first_name", "First name"),
        required(fields, "last_name", "Last name"),
    )
    session.add(
        Employee(
            employee_id=employee_id,
            first_name=first,
            last_name=last,
            department=required(fields, "department", "Department"),
            job_title=required(fields, "job_title", "Job title"),
            manager_id=manager_id,
            location=fields.get("location") or "San Francisco",
            cost_center=fields.get("cost_center", "").upper() or "CC-1000",
            hire_date=hire_date,
            status="Pre-hire" if hire_date > date.today() else "Active",
            email=f"{first}.{last}".lower().replace(" ", "").replace("'", ""),
        )
    )
    return employee_id


async def hire_form(request: Request) -> Response:
    return render(request, "hr/hire_form.html", fields={}, error=None, departments=DEPARTMENTS)


async def hire_submit(request: Request) -> Response:
    fields = await form_fields(request)

    async def act() -> str:
        if fields.get("department") not in DEPARTMENTS:
            raise FormError("Department: choose a department")
        hire_date = parse_date(required(fields, "hire_date", "Hire date"), "Hire date")
        await slow_screen(request)
        return await write(request, lambda session: hire(session, fields, hire_date))

    return await submitted(
        request,
        act,
        lambda error: render(
            request, "hr/hire_form.html", fields=fields, error=str(error), departments=DEPARTMENTS
        ),
        lambda employee_id: render(
            request, "hr/hired.html", employee_id=employee_id, fields=fields
        ),
    )


ROUTES = [
    Route("/employees", employee_search, methods=["GET"]),
    Route("/employees/new", hire_form, methods=["GET"]),
    Route("/employees/new", hire_submit, methods=["POST"]),
    Route("/employees/{employee_id}", employee_display, methods=["GET"]),
]
