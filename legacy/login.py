"""Logging in and out: argon2-hashed passwords, lockout after repeated failures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.screens import form_fields, write
from legacy.sessions import COOKIE_NAME
from legacy.storage import LoginUser, utcnow

INVALID = "Invalid user name or password"
LOCKED = "Your account is locked after too many failed logons. Contact your system administrator."
EXPIRED = "Your session has expired. Please log in again."
LOGGED_OUT = "You have been logged out."

_hasher = PasswordHasher()


def upsert_users(session: Session, users: Mapping[str, str]) -> None:
    """Create or update login users with these passwords; an update also unlocks."""
    for username, password in users.items():
        hashed = _hasher.hash(password)
        user = session.get(LoginUser, username)
        if user is None:
            session.add(LoginUser(username=username, password_hash=hashed))
        else:
            user.password_hash = hashed
            user.failed_attempts = 0
            user.locked = False


Outcome = Literal["ok", "invalid", "locked"]


def _check(session: Session, username: str, password: str, lockout_attempts: int) -> Outcome:
    user = session.get(LoginUser, username)
    if user is None:
        return "invalid"
    if user.locked:
        return "locked"
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        user.failed_attempts += 1
        if user.failed_attempts >= lockout_attempts:
            user.locked = True
            return "locked"
        return "invalid"
    user.failed_attempts = 0
    user.last_login_at = utcnow()
    return "ok"


def _safe_next(target: str | None) -> str:
    # Only paths of this system: a login page must not bounce users to other sites.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


def _login_page(
    request: Request, *, message: str | None, error: str | None, username: str, next_path: str
) -> Response:
    context = context_of(request)
    html = context.templates.get_template("login.html").render(
        system=context.spec,
        message=message,
        error=error,
        next=_safe_next(next_path),
        username=username,
    )
    return HTMLResponse(html)


async def login_form(request: Request) -> Response:
    message = None
    if request.query_params.get("expired"):
        message = EXPIRED
    elif request.query_params.get("logged_out"):
        message = LOGGED_OUT
    return _login_page(
        request,
        message=message,
        error=None,
        username="",
        next_path=request.query_params.get("next", "/"),
    )


async def login_submit(request: Request) -> Response:
    context = context_of(request)
    fields = await form_fields(request)
    username, password = fields.get("username", ""), fields.get("password", "")
    outcome = await write(
        request, lambda session: _check(session, username, password, context.lockout_attempts)
    )
    if outcome != "ok":
        return _login_page(
            request,
            message=None,
            error=LOCKED if outcome == "locked" else INVALID,
            username=username,
            next_path=fields.get("next", "/"),
        )
    response = RedirectResponse(_safe_next(fields.get("next")), status_code=302)
    response.set_cookie(
        COOKIE_NAME, context.sessions.open(username), path="/", httponly=True, samesite="lax"
    )
    return response


async def logout(request: Request) -> Response:
    context = context_of(request)
    found = context.sessions.lookup(request.cookies.get(COOKIE_NAME))
    if found.session_id is not None:
        context.sessions.end(found.session_id)
    response = RedirectResponse("/login?logged_out=1", status_code=302)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


async def no_icon(request: Request) -> Response:
    return Response(status_code=404)


ROUTES = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["GET", "POST"]),
    Route("/favicon.ico", no_icon, methods=["GET"]),
]
