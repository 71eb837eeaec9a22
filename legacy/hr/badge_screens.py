"""The facilities screens: access badges, issued to an employee and revoked once.

An employee has at most one active badge; it opens the doors from its ``valid_from``
date (a new hire's start date) until it is revoked, and the revocation keeps when, by
whom and why. Badges are listed by employee, revoked ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.hr.models import BADGE_RANGE, Badge, Employee
from legacy.screen_kit import (
    as_code,
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
    current_user,
    form_fields,
    parse_date,
    render,
    required,
    slow_screen,
    write,
)
from legacy.storage import next_number, utcnow

TIMESTAMP = "%Y-%m-%d %H:%M:%S UTC"
STATUSES = ("Active", "Revoked")
REVOKE_REASONS = ("Leaver", "Offer withdrawn", "Lost or stolen", "Security incident", "Other")


@dataclass
class BadgeRequest:
    employee_id: str
    holder_name: str
    valid_from: date


def issue(session: Session, asked: BadgeRequest, user: str) -> Badge:
    employee = session.get(Employee, asked.employee_id)
    if employee is None:
        raise FormError(
            f"Employee {asked.employee_id} does not exist: enter the new hire first (New hire)"
        )
    if employee.status == "Left":
        raise FormError(f"Employee {asked.employee_id} has left the company")
    active = session.scalars(
        select(Badge).where(Badge.employee_id == asked.employee_id, Badge.status == "Active")
    ).first()
    if active is not None:
        raise FormError(
            f"Employee {asked.employee_id} already has active badge {active.badge_number}: "
            "revoke it before issuing another"
        )
    badge = Badge(
        badge_number=f"BDG-{next_number(session, BADGE_RANGE):06d}",
        employee_id=asked.employee_id,
        holder_name=asked.holder_name,
        valid_from=asked.valid_from,
        status="Active",
        issued_by=user,
    )
    session.add(badge)
    return badge


def revoke(session: Session, number: str, reason: str, user: str) -> Badge:
    badge = session.get(Badge, number)
    if badge is None:
        raise FormError(f"Badge {number} does not exist")
    if badge.status == "Revoked":
        since = badge.revoked_at.strftime(TIMESTAMP) if badge.revoked_at else "?"
        raise FormError(f"Badge {number} is already revoked (since {since})")
    badge.status, badge.revoked_at = "Revoked", utcnow()
    badge.revoked_by, badge.revoke_reason = user, reason
    return badge


async def badge_search(request: Request) -> Response:
    query = search_query(
        request, {"employee_id": as_code, "holder_name": as_text, "status": as_text}
    )
    statement = matching(
        select(Badge), query, {"employee_id": Badge.employee_id, "status": Badge.status}
    )
    if query["holder_name"]:
        statement = statement.where(Badge.holder_name.ilike(f"%{query['holder_name']}%"))
    statement = statement.order_by(Badge.issued_at.desc(), Badge.badge_number.desc())
    return await results(
        request, "hr/badge_search.html", statement, query, statuses=STATUSES, timestamp=TIMESTAMP
    )


def _form(request: Request, fields: dict[str, str], error: str | None) -> Response:
    return render(request, "hr/badge_form.html", fields=fields, error=error)


async def badge_form(request: Request) -> Response:
    employee_id = request.query_params.get("employee_id", "").strip().upper()
    return _form(request, {"employee_id": employee_id}, None)


async def badge_issue(request: Request) -> Response:
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> Badge:
        asked = BadgeRequest(
            employee_id=required(fields, "employee_id", "Employee ID").upper(),
            holder_name=required(fields, "holder_name", "Holder name"),
            valid_from=parse_date(required(fields, "valid_from", "Valid from"), "Valid from"),
        )
        await slow_screen(request)
        return await write(request, lambda session: issue(session, asked, user))

    return await submitted(
        request,
        act,
        lambda error: _form(request, fields, str(error)),
        lambda badge: _shown(request, badge, info=f"Badge {badge.badge_number} was issued"),
    )


def _shown(
    request: Request, badge: Badge, *, info: str | None = None, error: str | None = None
) -> Response:
    return render(
        request,
        "hr/badge.html",
        badge=badge,
        info=info,
        error=error,
        reasons=REVOKE_REASONS,
        timestamp=TIMESTAMP,
    )


def _not_found(request: Request, number: str) -> Response:
    return not_found(
        request,
        "hr/badge_search.html",
        f"Badge {number} does not exist",
        {"employee_id": "", "holder_name": "", "status": ""},
        statuses=STATUSES,
        timestamp=TIMESTAMP,
    )


async def badge_display(request: Request) -> Response:
    number = str(request.path_params["badge_number"]).upper()
    return await display(
        request,
        lambda session: session.get(Badge, number),
        lambda badge: _shown(request, badge),
        lambda: _not_found(request, number),
    )


async def badge_revoke(request: Request) -> Response:
    number = str(request.path_params["badge_number"]).upper()
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> Badge:
        reason = fields.get("reason", "")
        if reason not in REVOKE_REASONS:
            raise FormError("Reason: choose a reason for revoking")
        await slow_screen(request)
        return await write(request, lambda session: revoke(session, number, reason, user))

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: session.get(Badge, number),
            lambda current: _shown(request, current, error=str(error)),
            lambda: _not_found(request, number),
        )

    return await submitted(
        request,
        act,
        refused,
        lambda badge: _shown(request, badge, info=f"Badge {number} was revoked"),
    )


ROUTES = [
    Route("/badges", badge_search, methods=["GET"]),
    Route("/badges", badge_issue, methods=["POST"]),
    Route("/badges/new", badge_form, methods=["GET"]),
    Route("/badges/{badge_number}", badge_display, methods=["GET"]),
    Route("/badges/{badge_number}/revoke", badge_revoke, methods=["POST"]),
]
