"""The inbox application: sign-in, the lists of tasks, a task's page, a person's mail.

Server-rendered pages (Starlette and Jinja2), each form protected by a per-session token.
Database reads are synchronous and run in Starlette's thread pool; Temporal calls are
awaited on the event loop.
"""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from temporalio.client import Client

from backoffice import database
from backoffice.inbox import bulk, file_pages, guest_pages, list_pages, task_pages
from backoffice.inbox.auth import SignInRefused, session_key
from backoffice.inbox.codec_server import codec_app
from backoffice.inbox.core import HERE, SESSION_ID, Inbox, local_path, signed_in
from backoffice.mail import read_mailbox
from backoffice.payload_codec import EncryptionCodec
from backoffice.settings import Settings


async def login_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    if inbox.settings.inbox_auth == "header":
        return RedirectResponse("/", status_code=303)
    return inbox.render(request, "login.html", next=_safe_next(request))


async def login(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    try:
        submitted = await inbox.form(request)
    except PermissionError as stale:
        return inbox.render(request, "login.html", status=400, error=str(stale))
    name = str(submitted.get("username", ""))
    password, client = str(submitted.get("password", "")), inbox.auth.client_of(request)
    try:
        _, session_id = await run_in_threadpool(inbox.auth.sign_in, name, password, client)
    except SignInRefused as refused:
        return inbox.render(
            request, "login.html", status=401, error=str(refused), username=name,
            next=_safe_next(request),
        )  # fmt: skip
    request.session.clear()  # a new session on sign-in: nothing carries over from before
    request.session[SESSION_ID] = session_id
    return RedirectResponse(_safe_next(request), status_code=303)


def _safe_next(request: Request) -> str:
    # Only paths of this site: never send a person elsewhere after signing in.
    return local_path(request.query_params.get("next", "/")) or "/"


async def logout(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    # The session ends in the records database: a copy of the cookie signs in nobody.
    await run_in_threadpool(inbox.auth.sign_out, request.session.get(SESSION_ID))
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


async def mail_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    person = inbox.auth.person(user)
    email = person.email if person else ""
    messages = await run_in_threadpool(read_mailbox, inbox.settings.state_dir / "mail", email)
    shown = [
        {"date": m["Date"] or "", "subject": m["Subject"] or "", "body": _plain_text(m)}
        for m in reversed(messages[-100:])
    ]
    return inbox.render(request, "mail.html", user=user, messages=shown, email=email)


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return str(part.get_content()) if part is not None else ""


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def create_app(settings: Settings, client: Client, engine: Engine | None = None) -> Starlette:
    """The inbox for ``settings``, acting on runs through ``client`` (and, when that encrypts
    payloads, the Web UI's codec endpoint at ``/codec``)."""
    inbox = Inbox(settings, client, engine or database.engine(settings))
    routes = [
        *list_pages.routes(),
        *bulk.routes(),
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/mail", mail_page),
        Route("/healthz", health),
        *guest_pages.routes(),
        *file_pages.routes(),  # before the task page, whose path takes what follows it
        *task_pages.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    codec = client.data_converter.payload_codec
    if isinstance(codec, EncryptionCodec):
        # The Web UI's codec endpoint, with the very keys this inbox's client encrypts with.
        routes.append(Mount("/codec", app=codec_app(inbox, codec)))
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=session_key(settings),
            session_cookie="backoffice_inbox",
            max_age=int(settings.inbox_session_hours * 3600),
            same_site="strict",
        )
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.inbox = inbox
    return app
