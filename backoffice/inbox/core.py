"""What every inbox page shares: the application's state, who is signed in, messages.

Pages are server-rendered with Jinja2; each posted form carries a per-session token, so
no other site can post in a signed-in person's name.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates
from temporalio.client import Client

from backoffice.inbox.auth import Authenticator, SignInRefused
from backoffice.inbox.display import is_number, is_records, is_web_address, words
from backoffice.language.written import written
from backoffice.links import queue_path, task_path
from backoffice.settings import Settings
from backoffice.tasks.listing import groups_of
from backoffice.tasks.queries import as_utc

HERE = Path(__file__).parent
SESSION_ID = "sid"  # the cookie's key for the session's id


class Inbox:
    """What every page needs: settings, the records database, Temporal, templates."""

    def __init__(self, settings: Settings, client: Client, engine: Engine) -> None:
        self.settings = settings
        self.client = client
        self.engine = engine
        self.auth = Authenticator(engine, settings)
        if settings.inbox_auth == "header":
            self.auth.check_header_mode()  # a proxy that cannot be checked stops it now
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.templates.env.filters["utc"] = _utc_text
        self.templates.env.filters["task_path"] = task_path
        self.templates.env.filters["linked"] = _linked
        self.templates.env.filters["queue_path"] = queue_path
        self.templates.env.filters["words"] = words
        self.templates.env.filters["written"] = (
            written  # true, false, null as definitions write them
        )
        self.templates.env.tests["web_address"] = is_web_address
        self.templates.env.tests["number"] = is_number
        self.templates.env.tests["records"] = is_records

    def user(self, request: Request) -> str | None:
        """The signed-in person, or None (header mode raises SignInRefused instead)."""
        if self.settings.inbox_auth == "header":
            return self.auth.header_user(request)
        # One indexed read of the session's row, too small to be worth a thread.
        return self.auth.session_user(request.session.get(SESSION_ID))

    def render(self, request: Request, template: str, status: int = 200, **values: Any) -> Response:
        session = request.session
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(24)
        flash = session.pop("flash", None)
        user = values.pop("user", None)
        context = {
            "user": user,
            # The queues in the menu: one indexed read, too small to be worth a thread.
            "groups": groups_of(self.engine, user) if user else [],
            "csrf": session["csrf"],
            "flash": flash,
            "header_mode": self.settings.inbox_auth == "header",
            **values,
        }
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    async def form(self, request: Request) -> Any:
        """The posted form, if its token matches this session's (no cross-site posts)."""
        submitted = await request.form()
        token = submitted.get("csrf")
        expected = request.session.get("csrf")
        if not (isinstance(token, str) and expected and secrets.compare_digest(token, expected)):
            raise PermissionError("this form is out of date: reload the page and try again")
        return submitted


def local_path(target: object) -> str | None:
    """``target`` if it is a path of this site, else None: never send a person elsewhere."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//"):
        return None if "\\" in target else target
    return None


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session["flash"] = {"message": message, "kind": kind}


_URL = re.compile(r"https?://[^\s<>\"']+")


def _linked(text: str) -> Markup:
    """Plain text, escaped, with its web addresses made links (the task link of a mail)."""
    escaped = str(escape(text))
    return Markup(_URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped))  # noqa: S704 - escaped above


def _utc_text(moment: datetime | None) -> str:
    return "" if moment is None else as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def signed_in(inbox: Inbox, request: Request) -> str | Response:
    """The person, or the response that sends them to sign in."""
    try:
        user = inbox.user(request)
    except SignInRefused as refused:
        return PlainTextResponse(f"not signed in: {refused}", status_code=403)
    if user is None:
        # The path as the browser sent it (still percent-encoded), itself encoded as a
        # query value: a task id's '#' or '/' survives the round trip through sign-in.
        raw = request.scope.get("raw_path") or request.url.path.encode()
        target = raw.decode("latin-1")
        return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
    return user
