"""What stands between the browser and a screen: injected faults and the login check."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from legacy.context import AppContext
from legacy.sessions import COOKIE_NAME

USER_KEY = "legacy.user"
SESSION_KEY = "legacy.session_id"


def is_admin(path: str) -> bool:
    return path.startswith("/__admin")


def _never_faulted(path: str) -> bool:
    return is_admin(path) or path == "/favicon.ico"


class FaultGate:
    """Slows down or fails whole pages as the fault settings say."""

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _never_faulted(scope["path"]):
            await self.app(scope, receive, send)
            return
        faults = self.context.faults
        if faults.strikes("latency"):
            await asyncio.sleep(faults.settings.latency_seconds)
        if faults.strikes("error"):
            await self._error_page(faults.settings.error_status)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _error_page(self, status: int) -> Response:
        html = self.context.templates.get_template("error.html").render(
            status=status, title=self.context.spec.title
        )
        headers = {"Retry-After": "30"} if status == 503 else None
        return HTMLResponse(html, status_code=status, headers=headers)


class SessionGate:
    """Lets only logged-in users through; an ended session sends them to the login page."""

    PUBLIC = ("/login", "/logout", "/favicon.ico")

    def __init__(self, app: ASGIApp, context: AppContext) -> None:
        self.app = app
        self.context = context

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or path in self.PUBLIC or is_admin(path):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        found = self.context.sessions.lookup(request.cookies.get(COOKIE_NAME))
        if (
            found.session is not None
            and found.session_id is not None
            and self.context.faults.strikes("session_expiry")
        ):
            self.context.sessions.end(found.session_id)
            found.session, found.expired = None, True
        if found.session is None:
            await self._to_login(request, expired=found.expired)(scope, receive, send)
            return
        scope[USER_KEY] = found.session.username
        scope[SESSION_KEY] = found.session_id
        await self.app(scope, receive, send)

    @staticmethod
    def _to_login(request: Request, *, expired: bool) -> Response:
        query: dict[str, str] = {}
        if expired:
            query["expired"] = "1"
        # Only a page can be returned to; whatever a form carried is lost with the session.
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            query["next"] = target
        response = RedirectResponse(
            "/login" + (f"?{urlencode(query)}" if query else ""), status_code=302
        )
        response.delete_cookie(COOKIE_NAME, path="/")
        return response


class LostResponse(Response):
    """The answer to a submit that was committed but never arrives.

    ``hold`` keeps the connection open until the client gives up or ``max_seconds`` pass;
    both modes then start an answer and abandon it, so the server closes the connection
    in the middle of a response that never completes.
    """

    def __init__(self, *, hold: bool, max_seconds: float) -> None:
        super().__init__(status_code=200)
        self.hold = hold
        self.max_seconds = max_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.hold:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.max_seconds):
                    while (await receive())["type"] != "http.disconnect":
                        pass
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", b"4096"),
                ],
            }
        )
