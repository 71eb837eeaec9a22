"""The receiver of business events that systems push: ``POST /events/SOURCE``.

A source (the ERP) posts ``{"id", "type", "data"}`` signed with its shared secret
(signatures.py). The receiver finds the runs waiting for the event the type maps to,
about the key the data names (a PO number), and signals each of them. It never trusts
the data beyond routing: the waiting definition reads the system again.

Answers tell the sender whether to retry: 2xx done (also for a type nobody listens to),
401 a forged or unsigned delivery, 4xx a malformed one, 503 when Temporal or the secret
store cannot be reached (a retry may succeed).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from backoffice import database
from backoffice.devstack import ensure_port_free
from backoffice.engine.contracts import EVENT_SIGNAL, ExternalEvent
from backoffice.events import signatures
from backoffice.events.subscriptions import (
    MAX_KEY_LENGTH,
    EventSubscriptionRow,
    delivered,
    forget,
    waiting_for,
)
from backoffice.logs import get_logger
from backoffice.secrets import SecretNotFound, SecretStore, field_of, secret_store
from backoffice.serving import EmbeddedServer
from backoffice.settings import EventSource, Settings

log = get_logger("backoffice.events")
MAX_BODY_BYTES = 64 * 1024  # a business event is a notification, not a document


class _Refused(Exception):
    def __init__(self, status: int, answer: str) -> None:
        super().__init__(answer)
        self.status = status
        self.answer = answer


class EventReceiver:
    """Verifies, routes and delivers; one per receiving process."""

    def __init__(
        self,
        settings: Settings,
        client: Client,
        engine: Engine,
        secrets: SecretStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.client = client
        self.engine = engine
        self.secrets = secrets
        self.clock = clock

    async def receive(self, request: Request) -> Response:
        name = request.path_params["source"]
        source = self.settings.event_sources.get(name)
        if source is None:
            return JSONResponse({"error": f"no event source '{name}'"}, 404)
        try:
            body = await _bounded_body(request)
            self._check_signature(name, source, request, body)
            event_id, event_type, data = _parse(body)
        except _Refused as refused:
            return JSONResponse({"error": refused.answer}, refused.status)
        route = source.events.get(event_type)
        if route is None:
            return JSONResponse({"event_id": event_id, "ignored": event_type}, 202)
        key = data.get(route.key)
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            return JSONResponse({"error": f"data.{route.key} must be text"}, 422)
        try:
            runs = await self._deliver(event_id, route.event, key, data)
        except RPCError as error:
            log.warning("event not delivered; the sender retries", source=name, error=str(error))
            return JSONResponse({"error": "the engine is not reachable, retry later"}, 503)
        # Most events concern records no run waits for (receipts before their invoices):
        # those are not worth a line in the terminal.
        (log.info if runs else log.debug)(
            "event received",
            source=name,
            type=event_type,
            event_id=event_id,
            waited_for=route.event,
            key=key,
            runs=runs,
        )
        return JSONResponse({"event_id": event_id, "runs": runs})

    def _check_signature(
        self, name: str, source: EventSource, request: Request, body: bytes
    ) -> None:
        try:
            secret = field_of(self.secrets, source.credential, "secret")
        except SecretNotFound as missing:
            log.error("event source has no secret", source=name, problem=str(missing))
            raise _Refused(503, "the receiver is not configured for this source") from None
        refusal = signatures.refusal(
            secret,
            request.headers,
            body,
            now=self.clock(),
            tolerance=self.settings.event_signature_tolerance_seconds,
        )
        if refusal is not None:
            peer = request.client.host if request.client else None
            log.warning("event refused", source=name, why=refusal, peer=peer)
            raise _Refused(401, "the signature is missing or wrong")
        if _header_id(request) != _body_id(body):
            raise _Refused(401, "the signature is missing or wrong")

    async def _deliver(self, event_id: str, event: str, key: str, data: dict[str, Any]) -> int:
        now = datetime.fromtimestamp(self.clock(), UTC)
        rows = await asyncio.to_thread(waiting_for, self.engine, event, key, now)
        runs = 0
        for row in rows:
            if row.last_event_id == event_id:
                continue  # the sender retried after a lost answer: the run has it already
            if await self._signal(row, event, data):
                await asyncio.to_thread(delivered, self.engine, row, event_id)
                runs += 1
        return runs

    async def _signal(self, row: EventSubscriptionRow, event: str, data: dict[str, Any]) -> bool:
        handle = self.client.get_workflow_handle(row.workflow_id)
        try:
            await handle.signal(EVENT_SIGNAL, ExternalEvent(name=event, data=data))
        except RPCError as error:
            if error.status != RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.to_thread(forget, self.engine, row)  # the run has ended
            return False
        return True


async def _bounded_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _Refused(413, f"an event has at most {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _header_id(request: Request) -> str:
    return request.headers.get(signatures.ID_HEADER, "")


def _body_id(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    found = parsed.get("id") if isinstance(parsed, dict) else None
    return found if isinstance(found, str) else None


def _parse(body: bytes) -> tuple[str, str, dict[str, Any]]:
    try:
        parsed = json.loads(body)
    except ValueError:
        raise _Refused(400, "the body is not JSON") from None
    if not isinstance(parsed, dict):
        raise _Refused(422, 'an event is {"id", "type", "data"}')
    event_id, event_type, data = parsed.get("id"), parsed.get("type"), parsed.get("data")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise _Refused(422, "an event needs an id and a type")
    if not isinstance(data, dict):
        raise _Refused(422, "an event's data is an object")
    return event_id, event_type, data


def create_receiver(
    settings: Settings,
    client: Client,
    engine: Engine,
    secrets: SecretStore,
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The receiver as an ASGI application (``backoffice dev`` serves it on 127.0.0.1)."""
    receiver = EventReceiver(settings, client, engine, secrets, clock)
    app = Starlette(routes=[Route("/events/{source}", receiver.receive, methods=["POST"])])
    app.state.receiver = receiver
    return app


def serve_receiver(settings: Settings, client: Client) -> EmbeddedServer:
    """The receiver on 127.0.0.1 at the configured port, ready to start (``backoffice dev``)."""
    port = settings.event_receiver_port
    ensure_port_free(port, "event receiver", "event_receiver_port (BACKOFFICE_EVENT_RECEIVER_PORT)")
    app = create_receiver(settings, client, database.engine(settings), secret_store(settings))
    return EmbeddedServer(app, "127.0.0.1", port, name="event receiver")
