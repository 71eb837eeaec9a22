"""HR screens for access management: find an employee's accounts, disable or enable one.

An account's page also shows its last sign-in, which the systems report to the intranet
(the sandbox takes them at ``/__admin/logins``), so a leaver's use can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.models import ACCOUNT_SYSTEMS, AccountEvent, AccountLogin, Employee, UserAccount
from legacy.screen_kit import (
    as_code,
    display,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import FormError, current_user, form_fields, render, slow_screen, write
from legacy.storage import utcnow

TIMESTAMP = "%Y-%m-%d %H:%M:%S UTC"
DISABLE_REASONS = ("Leaver", "Leaver - immediate", "Security incident", "Long-term leave", "Other")


async def account_search(request: Request) -> Response:
    query = search_query(request, {"employee_id": as_code, "system": as_code, "status": as_code})
    columns = {
        "employee_id": UserAccount.employee_id,
        "system": UserAccount.system,
        "status": UserAccount.status,
    }
    statement = matching(select(UserAccount), query, columns).order_by(
        UserAccount.employee_id, UserAccount.account_id
    )
    return await results(
        request,
        "hr/account_search.html",
        statement,
        query,
        systems=ACCOUNT_SYSTEMS,
        timestamp=TIMESTAMP,
    )


@dataclass
class AccountView:
    account: UserAccount
    employee: Employee | None
    events: list[AccountEvent]
    last_login: AccountLogin | None = None


def load_account(session: Session, account_id: int) -> AccountView | None:
    account = session.get(UserAccount, account_id)
    if account is None:
        return None
    events = session.scalars(
        select(AccountEvent).where(AccountEvent.account_id == account_id).order_by(AccountEvent.id)
    )
    last_login = session.scalars(
        select(AccountLogin)
        .where(AccountLogin.account_id == account_id)
        .order_by(AccountLogin.at.desc(), AccountLogin.id.desc())
        .limit(1)
    ).first()
    return AccountView(
        account=account,
        employee=session.get(Employee, account.employee_id),
        events=list(events),
        last_login=last_login,
    )


def _account_id(request: Request) -> int:
    raw = str(request.path_params["account_id"])
    return int(raw) if raw.isdigit() else -1


def show_account(
    request: Request,
    view: AccountView,
    *,
    info: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "hr/account.html",
        status_code=status_code,
        view=view,
        info=info,
        error=error,
        reasons=DISABLE_REASONS,
        timestamp=TIMESTAMP,
    )


async def account_display(request: Request) -> Response:
    account_id = _account_id(request)
    return await display(
        request,
        lambda session: load_account(session, account_id),
        lambda view: show_account(request, view),
        lambda: _not_found(request),
    )


def _not_found(request: Request) -> Response:
    return not_found(
        request,
        "hr/account_search.html",
        f"Account {request.path_params['account_id']} does not exist",
        {"employee_id": "", "system": "", "status": ""},
        systems=ACCOUNT_SYSTEMS,
        timestamp=TIMESTAMP,
    )


def change_account(
    session: Session, account_id: int, action: str, reason: str | None, user: str
) -> AccountView:
    view = load_account(session, account_id)
    if view is None:
        raise FormError(f"Account {account_id} does not exist")
    account = view.account
    if action == "DISABLE":
        if account.status == "DISABLED":
            since = account.disabled_at.strftime(TIMESTAMP) if account.disabled_at else "?"
            raise FormError(f"Account {account.user_id} is already disabled (since {since})")
        account.status, account.disabled_at = "DISABLED", utcnow()
        account.disabled_by, account.disable_reason = user, reason
    else:
        if account.status == "ACTIVE":
            raise FormError(f"Account {account.user_id} is already active")
        account.status = "ACTIVE"
        account.disabled_at = account.disabled_by = account.disable_reason = None
    event = AccountEvent(
        account_id=account.account_id,
        employee_id=account.employee_id,
        system=account.system,
        action=action,
        by=user,
        reason=reason,
    )
    session.add(event)
    view.events.append(event)
    return view


async def _change(request: Request, action: str) -> Response:
    account_id = _account_id(request)
    fields = await form_fields(request)
    user = current_user(request)
    reason = fields.get("reason") or None

    async def act() -> AccountView:
        if action == "DISABLE" and reason not in DISABLE_REASONS:
            raise FormError("Reason: choose a reason for disabling")
        await slow_screen(request)
        return await write(
            request, lambda session: change_account(session, account_id, action, reason, user)
        )

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: load_account(session, account_id),
            lambda current: show_account(request, current, error=str(error)),
            lambda: _not_found(request),
        )

    def done(view: AccountView) -> Response:
        account = view.account
        done = "disabled" if action == "DISABLE" else "enabled"
        info = f"Account {account.user_id} on {account.system} was {done}"
        return show_account(request, view, info=info)

    return await submitted(request, act, refused, done)


async def account_disable(request: Request) -> Response:
    return await _change(request, "DISABLE")


async def account_enable(request: Request) -> Response:
    return await _change(request, "ENABLE")


ROUTES = [
    Route("/accounts", account_search, methods=["GET"]),
    Route("/accounts/{account_id}", account_display, methods=["GET"]),
    Route("/accounts/{account_id}/disable", account_disable, methods=["POST"]),
    Route("/accounts/{account_id}/enable", account_enable, methods=["POST"]),
]
