"""The identity provider as one Starlette application: SCIM, applications, admin surface.

``/scim/v2/...``          SCIM 2.0 Users and Groups (bearer token)
``/apps/...``             the applications' sessions, refresh tokens and mail (bearer token)
``/__admin/...``          reset, state, sign-in, files, faults (tests and the demo; no token,
                          as it listens on 127.0.0.1 only)
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from scim2_models import Group, ResourceType, User
from scim2_server.memory import AsyncInMemoryStorage
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from sandbox.idp.applications import APPLICATIONS, Applications
from sandbox.idp.faults import FaultMiddleware, Faults
from sandbox.idp.scim import ScimApplication, provider, token_accepted
from sandbox.idp.storage import SqliteScimStorage

SYSTEM = "idp"
# Groups a fresh provider has, so onboarding can add a new hire to them.
SEED_GROUPS = (
    "all-staff",
    "finance",
    "accounts-payable",
    "engineering",
    "sales",
    "hr",
    "it",
    "vpn-users",
    "erp-users",
)


def _now() -> datetime:
    return datetime.now(UTC)


class IdentityProvider:
    """The state the routes share: the SCIM storage and the applications' tables."""

    def __init__(self, data_dir: Path, clock: Callable[[], datetime]) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(
            data_dir / f"{SYSTEM}.db", check_same_thread=False, isolation_level=None
        )
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.lock = threading.RLock()
        self.provider = provider()
        self.storage = SqliteScimStorage(self.connection, self.lock, self.provider, clock)
        self.applications = Applications(self.connection, self.lock, clock)
        self.faults = Faults()
        if not self.groups():
            self.seed()

    def resource_type(self, name: str) -> ResourceType:
        return next(rt for rt in self.provider.resource_types if rt.name == name)

    def seed(self) -> None:
        with self.provider:
            for name in SEED_GROUPS:
                self.storage.create(self.resource_type("Group"), Group(display_name=name))

    def users(self) -> list[User[Any]]:
        return [r for r in self.storage.resources if isinstance(r, User)]

    def groups(self) -> list[Group]:
        return [r for r in self.storage.resources if isinstance(r, Group)]

    def user(self, reference: str) -> User[Any] | None:
        """The user whose id or userName is ``reference`` (as Entra takes an id or a UPN)."""
        for user in self.users():
            if reference in (user.id, user.user_name):
                return user
        return None

    def reset(self) -> None:
        self.applications.wipe()
        self.storage.wipe()
        self.faults.set()
        self.seed()


def _error(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status)


def create_app(
    data_dir: Path, tokens: Mapping[str, str], *, clock: Callable[[], datetime] = _now
) -> Starlette:
    """The identity provider keeping its data in ``data_dir/idp.db``.

    ``tokens`` names the clients that may call it (client name -> bearer token).
    """
    if not tokens:
        raise ValueError("the identity provider needs at least one bearer token")
    idp = IdentityProvider(Path(data_dir), clock)
    scim = ScimApplication(AsyncInMemoryStorage(idp.storage), idp.provider, tokens)

    def authorised(request: Request) -> JSONResponse | None:
        if token_accepted(request.headers.get("authorization"), tokens):
            return None
        response = _error(401, "a bearer token is needed: Authorization: Bearer <token>")
        response.headers["WWW-Authenticate"] = 'Bearer realm="idp"'
        return response

    def target(request: Request) -> tuple[str, User[Any]] | JSONResponse:
        application = request.path_params["application"]
        if application not in APPLICATIONS:
            return _error(
                404, f"no application '{application}' (there are: {', '.join(APPLICATIONS)})"
            )
        user = idp.user(request.path_params["user"])
        if user is None:
            return _error(404, f"no user '{request.path_params['user']}'")
        return application, user

    def mail_user(request: Request) -> User[Any] | JSONResponse:
        # The mail application's calls: an authorised caller, about a user who exists.
        refused = authorised(request)
        if refused:
            return refused
        user = idp.user(request.path_params["user"])
        if user is None:
            return _error(404, f"no user '{request.path_params['user']}'")
        return user

    async def list_applications(request: Request) -> JSONResponse:
        return authorised(request) or JSONResponse({"applications": list(APPLICATIONS)})

    async def logins(request: Request) -> JSONResponse:
        refused = authorised(request)
        if refused:
            return refused
        found = target(request)
        if isinstance(found, JSONResponse):
            return found
        application, user = found
        return JSONResponse(
            {
                "application": application,
                "user_id": user.id,
                "logins": idp.applications.logins(application, str(user.id)),
            }
        )

    async def revoke(request: Request) -> JSONResponse:
        refused = authorised(request)
        if refused:
            return refused
        found = target(request)
        if isinstance(found, JSONResponse):
            return found
        application, user = found
        done = idp.applications.revoke(application, str(user.id))
        return JSONResponse(
            {
                "value": True,
                "application": application,
                "user_id": user.id,
                "sessions_ended": done.sessions_ended,
                "tokens_revoked": done.tokens_revoked,
            }
        )

    async def mailbox(request: Request) -> JSONResponse:
        user = mail_user(request)
        if isinstance(user, JSONResponse):
            return user
        box = idp.applications.mailbox(str(user.id))
        return JSONResponse(box or {"shared": False})

    async def convert_to_shared(request: Request) -> JSONResponse:
        user = mail_user(request)
        if isinstance(user, JSONResponse):
            return user
        body = await _json(request)
        delegate = idp.user(str(body.get("delegate", "")))
        if delegate is None:
            return _error(
                400,
                f"no delegate '{body.get('delegate', '')}': give the user name of an existing user",
            )
        try:
            auto_reply_days = int(body.get("auto_reply_days", 30))
            delete_after_days = int(body.get("delete_after_days", 90))
        except (TypeError, ValueError):
            return _error(400, "auto_reply_days and delete_after_days are whole numbers of days")
        if auto_reply_days < 0 or delete_after_days < 1:
            return _error(400, "auto_reply_days is 0 or more, delete_after_days 1 or more")
        box = idp.applications.convert_to_shared(
            str(user.id),
            str(delegate.user_name),
            str(body.get("auto_reply", "")),
            auto_reply_days,
            delete_after_days,
        )
        return JSONResponse(box)

    async def files(request: Request) -> JSONResponse:
        user = mail_user(request)
        if isinstance(user, JSONResponse):
            return user
        return JSONResponse({"files": idp.applications.files(str(user.id))})

    async def transfer_files(request: Request) -> JSONResponse:
        user = mail_user(request)
        if isinstance(user, JSONResponse):
            return user
        body = await _json(request)
        to = idp.user(str(body.get("to", "")))
        if to is None:
            return _error(400, f"no user '{body.get('to', '')}' to give the files to")
        moved = idp.applications.transfer_files(str(user.id), str(to.id))
        return JSONResponse({"from": user.user_name, "to": to.user_name, "files_moved": moved})

    # The admin surface, for tests and the demo.
    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"system": SYSTEM, "ok": True})

    async def reset(request: Request) -> JSONResponse:
        idp.reset()
        return JSONResponse({"reset": True})

    async def state(request: Request) -> JSONResponse:
        users = [
            {
                "id": u.id,
                "user_name": u.user_name,
                "external_id": u.external_id,
                "active": bool(u.active),
                "version": u.meta.version if u.meta else None,
            }
            for u in idp.users()
        ]
        groups = [
            {
                "id": g.id,
                "display_name": g.display_name,
                "members": sorted(str(m.value) for m in (g.members or [])),
            }
            for g in idp.groups()
        ]
        return JSONResponse(
            {
                "users": users,
                "groups": groups,
                **idp.applications.state(),
                "faults": idp.faults.state(),
            }
        )

    async def sign_in(request: Request) -> JSONResponse:
        body = await _json(request)
        application = str(body.get("application", ""))
        if application not in APPLICATIONS:
            return _error(400, f"application is one of: {', '.join(APPLICATIONS)}")
        user = idp.user(str(body.get("user_name", "")))
        if user is None:
            return _error(403, f"sign-in refused: no user '{body.get('user_name', '')}'")
        if not user.active:
            return _error(403, f"sign-in refused: the account {user.user_name} is disabled")
        issued = idp.applications.sign_in(application, str(user.id))
        return JSONResponse({"user_id": user.id, "issued": issued})

    async def add_files(request: Request) -> JSONResponse:
        body = await _json(request)
        user = idp.user(str(body.get("user_name", "")))
        if user is None:
            return _error(404, f"no user '{body.get('user_name', '')}'")
        names = body.get("names", [])
        if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
            return _error(400, 'names is a list of file names, e.g. ["budget.xlsx"]')
        return JSONResponse({"files": idp.applications.add_files(str(user.id), names)})

    async def faults(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            idp.faults.set()
        elif request.method == "PUT":
            body = await _json(request)
            try:
                fail_next = int(body.get("fail_next", 0))
            except (TypeError, ValueError):
                return _error(400, "fail_next is a whole number of requests")
            idp.faults.set(fail_next=max(fail_next, 0), down=bool(body.get("down", False)))
        return JSONResponse(idp.faults.state())

    user_path = "/apps/{application}/users/{user}"
    mail_path = "/apps/mail/users/{user}"
    app = Starlette(
        routes=[
            Route("/apps", list_applications),
            Route(f"{mail_path}/mailbox", mailbox),
            Route(f"{mail_path}/mailbox/convertToShared", convert_to_shared, methods=["POST"]),
            Route(f"{mail_path}/files", files),
            Route(f"{mail_path}/files/transferOwnership", transfer_files, methods=["POST"]),
            Route(f"{user_path}/logins", logins),
            Route(f"{user_path}/revokeSignInSessions", revoke, methods=["POST"]),
            Route("/__admin/health", health),
            Route("/__admin/reset", reset, methods=["POST"]),
            Route("/__admin/state", state),
            Route("/__admin/sign-in", sign_in, methods=["POST"]),
            Route("/__admin/files", add_files, methods=["POST"]),
            Route("/__admin/faults", faults, methods=["GET", "PUT", "DELETE"]),
            Mount("/scim", app=cast(ASGIApp, scim)),
        ]
    )
    app.add_middleware(FaultMiddleware, faults=idp.faults)
    app.state.idp = idp
    return app


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
