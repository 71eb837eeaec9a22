"""What every sandbox API system has in common: bearer tokens, outages on demand, the
admin surface's guard, JSON errors and a SQLite file.

A real API answers 401 to a call without a valid bearer token, 503 while it is down, and
a JSON body that says what is wrong. The admin endpoints (``/__admin/...``) are for tests
and the demo: they answer only callers on this machine, need no token and are never hit
by an injected outage.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

ADMIN_PREFIX = "/__admin/"
LOOPBACK = frozenset({"127.0.0.1", "::1"})
M = TypeVar("M", bound=BaseModel)


class Refusal(Exception):
    """An answer other than success: the status and the reason, in words."""

    def __init__(self, status: int, error: str, **details: Any) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.error, **self.details}, self.status)


Endpoint = Callable[[Request], Awaitable[Response]]


def endpoint(handler: Callable[[Request], Awaitable[Any]], status: int = 200) -> Endpoint:
    """A handler that returns JSON-able data (or raises :class:`Refusal`) as an endpoint."""

    async def answer(request: Request) -> Response:
        try:
            result = await handler(request)
        except Refusal as refusal:
            return refusal.response()
        if isinstance(result, Response):
            return result
        return JSONResponse(result, status)

    return answer


async def body_as(request: Request, model: type[M]) -> M:
    """The JSON body as ``model``; a 422 naming each wrong field otherwise."""
    raw = await request.body()
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as error:
        problems = [
            {"field": ".".join(str(part) for part in item["loc"]) or "(body)",
             "problem": item["msg"]}
            for item in error.errors()
        ]  # fmt: skip
        raise Refusal(422, "the request body is not valid", problems=problems) from None


class FaultSettings(BaseModel):
    """An outage: the next ``next`` API calls answer 503, or all of them until cleared."""

    model_config = ConfigDict(extra="forbid")

    next: int = Field(default=0, ge=0, le=100_000, description="API calls that answer 503.")
    until_cleared: bool = Field(default=False, description="Answer 503 until cleared.")


@dataclass
class Faults:
    settings: FaultSettings

    def strikes(self) -> bool:
        if self.settings.until_cleared:
            return True
        if self.settings.next > 0:
            self.settings = self.settings.model_copy(update={"next": self.settings.next - 1})
            return True
        return False


class Guard:
    """ASGI middleware: outages and bearer tokens for the API, loopback for the admin."""

    def __init__(self, app: ASGIApp, system: str, tokens: Mapping[str, str], faults: Faults):
        self.app = app
        self.system = system
        self.tokens = {name: token for name, token in tokens.items() if token}
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        refusal = self._admin(scope) if path.startswith(ADMIN_PREFIX) else self._api(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _admin(self, scope: Scope) -> Response | None:
        client = scope.get("client")
        if (client[0] if client else None) not in LOOPBACK:
            return JSONResponse({"error": "admin endpoints answer only 127.0.0.1"}, 403)
        return None

    def _api(self, scope: Scope) -> Response | None:
        if self.faults.strikes():
            return JSONResponse(
                {"error": f"the {self.system} is temporarily unavailable, try again later"},
                503,
                headers={"Retry-After": "1"},
            )
        if self.client_of(scope) is None:
            return JSONResponse(
                {"error": "a valid bearer token is required (Authorization: Bearer ...)"},
                401,
                headers={"WWW-Authenticate": f'Bearer realm="{self.system}"'},
            )
        return None

    def client_of(self, scope: Scope) -> str | None:
        """The name of the client whose token the request carries, if any."""
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        for name, known in self.tokens.items():
            if hmac.compare_digest(token.strip().encode(), known.encode()):
                return name
        return None


class Store:
    """One SQLite file of a system; each call is one transaction."""

    def __init__(self, path: Path, schema: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.connection.row_factory = sqlite3.Row
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.executescript(schema)

    def one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        found: sqlite3.Row | None = self.connection.execute(sql, params).fetchone()
        return found

    def all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return list(self.connection.execute(sql, params).fetchall())

    def run(self, sql: str, *params: Any) -> int:
        """Run a write; the id of the row it inserted."""
        return self.connection.execute(sql, params).lastrowid or 0

    def many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        self.connection.executemany(sql, rows)

    def wipe(self, tables: Iterable[str]) -> None:
        for table in tables:
            self.connection.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names

    def close(self) -> None:
        self.connection.close()


def admin_routes(
    faults: Faults,
    reset: Callable[[], None],
    state: Callable[[], dict[str, Any]],
) -> list[Route]:
    """``/__admin/reset``, ``/__admin/state`` and ``/__admin/faults`` of a system."""

    async def do_reset(request: Request) -> Any:
        reset()
        faults.settings = FaultSettings()
        return {"reset": True}

    async def show_state(request: Request) -> Any:
        return state()

    async def show_faults(request: Request) -> Any:
        return faults.settings.model_dump()

    async def set_faults(request: Request) -> Any:
        faults.settings = await body_as(request, FaultSettings)
        return faults.settings.model_dump()

    async def clear_faults(request: Request) -> Any:
        faults.settings = FaultSettings()
        return faults.settings.model_dump()

    return [
        Route("/__admin/reset", endpoint(do_reset), methods=["POST"]),
        Route("/__admin/state", endpoint(show_state), methods=["GET"]),
        Route("/__admin/faults", endpoint(show_faults), methods=["GET"]),
        Route("/__admin/faults", endpoint(set_faults), methods=["PUT"]),
        Route("/__admin/faults", endpoint(clear_faults), methods=["DELETE"]),
    ]


def rows_of(rows: Iterable[sqlite3.Row]) -> list[dict[str, Any]]:
    return [dict(row) for row in rows]


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
