"""HR screen for opening an account on a system the intranet provisions itself.

Systems without an identity provider (the legacy payroll's own logins, the door-access
profile in the facilities system) get their accounts here, by hand or by bot. The
account is keyed by employee and system: an employee has at most one account on each.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.account_screens import AccountView, load_account, show_account
from legacy.hr.models import ACCOUNT_SYSTEMS, AccountEvent, Employee, UserAccount
from legacy.screen_kit import submitted
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    render,
    required,
    slow_screen,
    write,
)

USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,39}")


def open_account(session: Session, employee_id: str, system: str, user_id: str, user: str) -> int:
    """Create the account; its number. Refuses a second one for the employee and system."""
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise FormError(
            f"Employee {employee_id} does not exist: enter the new hire first (New hire)"
        )
    if employee.status == "Left":
        raise FormError(f"Employee {employee_id} has left the company")
    existing = session.scalars(
        select(UserAccount).where(
            UserAccount.employee_id == employee_id, UserAccount.system == system
        )
    ).first()
    if existing is not None:
        raise FormError(
            f"Employee {employee_id} already has account {existing.user_id} on {system}"
        )
    taken = session.scalars(
        select(UserAccount).where(UserAccount.system == system, UserAccount.user_id == user_id)
    ).first()
    if taken is not None:
        raise FormError(
            f"User ID {user_id} is already taken on {system} (by {taken.employee_id}): "
            "choose another"
        )
    account = UserAccount(employee_id=employee_id, system=system, user_id=user_id, status="ACTIVE")
    session.add(account)
    session.flush()
    session.add(
        AccountEvent(
            account_id=account.account_id,
            employee_id=employee_id,
            system=system,
            action="CREATE",
            by=user,
            reason=None,
        )
    )
    return account.account_id


def _form(request: Request, fields: dict[str, str], error: str | None) -> Response:
    return render(
        request, "hr/account_form.html", fields=fields, error=error, systems=ACCOUNT_SYSTEMS
    )


async def account_form(request: Request) -> Response:
    params = request.query_params
    fields = {
        "employee_id": params.get("employee_id", "").strip().upper(),
        "system": params.get("system", "").strip().upper(),
    }
    return _form(request, fields, None)


async def account_create(request: Request) -> Response:
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> AccountView:
        employee_id = required(fields, "employee_id", "Employee ID").upper()
        system = fields.get("system", "")
        if system not in ACCOUNT_SYSTEMS:
            raise FormError(f"System: choose one of {', '.join(ACCOUNT_SYSTEMS)}")
        user_id = required(fields, "user_id", "User ID")
        if not USER_ID.fullmatch(user_id):
            raise FormError(
                "User ID: 2 to 40 letters, digits or . _ @ -, starting with a letter or digit"
            )
        await slow_screen(request)

        def work(session: Session) -> AccountView:
            account_id = open_account(session, employee_id, system, user_id, user)
            view = load_account(session, account_id)
            assert view is not None  # just written in this session
            return view

        return await write(request, work)

    def done(view: AccountView) -> Response:
        account = view.account
        info = f"Account {account.user_id} on {account.system} was created"
        return show_account(request, view, info=info)

    return await submitted(request, act, lambda error: _form(request, fields, str(error)), done)


# Before the account screens' routes: ``/accounts/new`` is not an account number.
ROUTES = [
    Route("/accounts", account_create, methods=["POST"]),
    Route("/accounts/new", account_form, methods=["GET"]),
]
