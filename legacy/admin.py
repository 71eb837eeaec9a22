"""The admin endpoints tests and the engine use: faults, record counts, reset and seeding.

They answer JSON, only to callers on the loopback interface, and are never hit by faults.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.faults import FaultSettings
from legacy.seeding import seed_database

LOOPBACK = frozenset({"127.0.0.1", "::1"})

Endpoint = Callable[[Request], Awaitable[Response]]


def loopback_only(endpoint: Endpoint) -> Endpoint:
    """Refuse callers that are not on this machine."""

    async def guarded(request: Request) -> Response:
        host = request.client.host if request.client else None
        if host not in LOOPBACK:
            return JSONResponse({"error": "admin endpoints answer only 127.0.0.1"}, 403)
        return await endpoint(request)

    return guarded


def invalid(what: str, error: ValidationError) -> JSONResponse:
    """A 422 answer naming each field that is wrong and why."""
    problems = [
        {"field": ".".join(str(part) for part in item["loc"]), "problem": item["msg"]}
        for item in error.errors()
    ]
    return JSONResponse({"error": what, "problems": problems}, 422)


async def _json_body(request: Request) -> Any:
    body = await request.body()
    if not body.strip():
        return {}
    return json.loads(body)


@loopback_only
async def get_faults(request: Request) -> Response:
    return JSONResponse(context_of(request).faults.settings.model_dump(mode="json"))


@loopback_only
async def put_faults(request: Request) -> Response:
    """Replace the fault settings; fields left out take their defaults."""
    context = context_of(request)
    try:
        settings = FaultSettings.model_validate(await _json_body(request))
    except json.JSONDecodeError as error:
        return JSONResponse({"error": f"body is not JSON: {error}"}, 400)
    except ValidationError as error:
        return invalid("invalid fault settings", error)
    context.faults.replace(settings)
    return JSONResponse(context.faults.settings.model_dump(mode="json"))


@loopback_only
async def count_records(request: Request) -> Response:
    """How many records of a kind carry a business key (``?kind=...&key=...``)."""
    context = context_of(request)
    params = dict(request.query_params)
    kind, key = params.pop("kind", ""), params.pop("key", "")
    kinds = context.spec.count_kinds
    if kind not in kinds:
        return JSONResponse(
            {"error": f"unknown kind {kind!r}", "kinds": dict(kinds)},
            400,
        )
    if not key:
        return JSONResponse({"error": f"key is required: {kinds[kind]}"}, 400)

    def work(session: Session) -> int:
        return context.spec.count(session, kind, key, params)

    count = await run_in_threadpool(context.db.read, work)
    return JSONResponse({"kind": kind, "key": key, "count": count, **params})


def _users_of(body: Any) -> dict[str, str]:
    users = body.get("users", {}) if isinstance(body, dict) else None
    if not isinstance(users, dict) or not all(
        isinstance(name, str) and isinstance(password, str) for name, password in users.items()
    ):
        raise ValueError('users must be an object of user name to password: {"users": {...}}')
    return users


@loopback_only
async def seed(request: Request) -> Response:
    """Add missing demo master data and create or update users (``{"users": {...}}``)."""
    context = context_of(request)
    try:
        users = _users_of(await _json_body(request))
    except ValueError as error:
        return JSONResponse({"error": str(error)}, 400)
    await run_in_threadpool(seed_database, context.db, context.spec, users)
    return JSONResponse({"seeded": context.spec.name, "users": sorted(users)})


@loopback_only
async def reset(request: Request) -> Response:
    """Delete all data but the users, seed the demo master data again, end all sessions."""
    context = context_of(request)
    try:
        users = _users_of(await _json_body(request))
    except ValueError as error:
        return JSONResponse({"error": str(error)}, 400)

    def work() -> None:
        context.db.wipe()
        seed_database(context.db, context.spec, users)

    await run_in_threadpool(work)
    context.sessions.end_all()
    return JSONResponse({"reset": context.spec.name, "users": sorted(users)})


ROUTES = [
    Route("/__admin/faults", get_faults, methods=["GET"]),
    Route("/__admin/faults", put_faults, methods=["PUT"]),
    Route("/__admin/count", count_records, methods=["GET"]),
    Route("/__admin/seed", seed, methods=["POST"]),
    Route("/__admin/reset", reset, methods=["POST"]),
]
