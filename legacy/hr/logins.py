"""Sign-ins the systems report to the intranet, taken at an admin endpoint of the sandbox.

Real systems send their sign-in logs; in the sandbox a test or the demo reports one
(``POST /__admin/logins`` with ``{"employee_id", "system"}`` and optionally ``at`` as an
ISO timestamp in UTC), so that a leaver still signing in shows on the account's page.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy.admin import invalid, loopback_only
from legacy.context import context_of
from legacy.hr.models import AccountLogin, UserAccount
from legacy.storage import utcnow


class ReportedLogin(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employee_id: str
    system: str
    at: datetime | None = None
    source: str = ""


def record_login(session: Session, login: ReportedLogin) -> int | None:
    """Keep the sign-in on the employee's account on that system; its account, if any."""
    account = session.scalars(
        select(UserAccount).where(
            UserAccount.employee_id == login.employee_id.upper(),
            UserAccount.system == login.system.upper(),
        )
    ).first()
    if account is None:
        return None
    at = utcnow()
    if login.at is not None:  # a time without a zone is taken as UTC, as the screens show
        aware = login.at if login.at.tzinfo else login.at.replace(tzinfo=UTC)
        at = aware.astimezone(UTC).replace(tzinfo=None)
    session.add(AccountLogin(account_id=account.account_id, at=at, source=login.source))
    return account.account_id


@loopback_only
async def report_login(request: Request) -> Response:
    try:
        login = ReportedLogin.model_validate(json.loads(await request.body() or b"{}"))
    except json.JSONDecodeError as error:
        return JSONResponse({"error": f"body is not JSON: {error}"}, 400)
    except ValidationError as error:
        return invalid("invalid login", error)
    account_id = await run_in_threadpool(
        context_of(request).db.write, lambda session: record_login(session, login)
    )
    if account_id is None:
        return JSONResponse({"error": f"{login.employee_id} has no account on {login.system}"}, 404)
    return JSONResponse({"account_id": account_id, "recorded": True})


ROUTES = [Route("/__admin/logins", report_login, methods=["POST"])]
