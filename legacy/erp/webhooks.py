"""The ERP pushes its business events to one subscriber: signed webhooks, retried.

The subscriber registers at ``PUT /__admin/webhooks`` (loopback only, like the other admin
endpoints) with its URL and the shared secret; the secret stays in this process's memory
and is never shown again. Each delivery attempt is a POST of the event's JSON with

- ``Webhook-Id``: the event's id (the same on every attempt, so the subscriber can drop repeats),
- ``Webhook-Timestamp``: the attempt's time in Unix seconds,
- ``Webhook-Signature``: ``v1=`` and the hex HMAC-SHA256, under the secret, of
  ``<id>.<timestamp>.<body>``.

A 2xx answer delivers the event; anything else, or no answer, is retried after 1, 2, 4 ...
seconds (``first_retry_seconds``, doubling up to ``max_retry_seconds``) until
``max_attempts``, then the event is given up. Events raised while nobody subscribes wait
in the outbox for the first subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from pydantic import ValidationError
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy.admin import invalid, loopback_only
from legacy.context import context_of
from legacy.erp.models import BusinessEvent
from legacy.storage import Database, utcnow
from legacy.webhook_sender import Subscription, sign

BATCH = 20
ERROR_TEXT_LENGTH = 200


def _due(session: Session, now: datetime) -> tuple[list[BusinessEvent], datetime | None]:
    """Events to send now (oldest first), and when the next one waiting for a retry is due."""
    waiting = (BusinessEvent.delivered_at.is_(None), BusinessEvent.given_up_at.is_(None))
    due = list(
        session.scalars(
            select(BusinessEvent)
            .where(*waiting, BusinessEvent.next_attempt_at <= now)
            .order_by(BusinessEvent.id)
            .limit(BATCH)
        )
    )
    later = session.scalar(select(func.min(BusinessEvent.next_attempt_at)).where(*waiting))
    return due, later


@dataclass
class WebhookSender:
    """Delivers the outbox while there is something to deliver; woken by each new event."""

    db: Database
    clock: Callable[[], float] = time.time
    subscription: Subscription | None = None
    _task: asyncio.Task[None] | None = field(default=None, repr=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def kick(self) -> None:
        """Deliver what is due, now: called after every write that raised events."""
        if self.subscription is None:
            return
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._deliver(), name="webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _deliver(self) -> None:
        async with httpx.AsyncClient() as client:
            while self.subscription is not None:
                self._wake.clear()
                due, later = await run_in_threadpool(self.db.read, lambda s: _due(s, utcnow()))
                for event in due:
                    await self._send(client, event)
                if due or self._wake.is_set():
                    continue
                if later is None:
                    return  # all delivered or given up: the next event starts us again
                pause = max((later - utcnow()).total_seconds(), 0.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=pause)

    async def _send(self, client: httpx.AsyncClient, event: BusinessEvent) -> None:
        subscription = self.subscription
        if subscription is None:
            return
        body = event.payload.encode()
        stamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "Webhook-Id": event.event_id,
            "Webhook-Timestamp": str(stamp),
            "Webhook-Signature": sign(subscription.secret, event.event_id, stamp, body),
        }
        error: str | None = None
        try:
            answer = await client.post(
                subscription.url,
                content=body,
                headers=headers,
                timeout=subscription.timeout_seconds,
            )
            if not answer.is_success:
                error = f"HTTP {answer.status_code}: {answer.text[:ERROR_TEXT_LENGTH]}"
        except httpx.HTTPError as failed:
            error = f"{type(failed).__name__}: {failed}"[:ERROR_TEXT_LENGTH]
        await run_in_threadpool(self.db.write, lambda s: _record(s, event.id, subscription, error))


def _record(session: Session, row_id: int, subscription: Subscription, error: str | None) -> None:
    event = session.get(BusinessEvent, row_id)
    if event is None:  # wiped by a reset meanwhile
        return
    now = utcnow()
    event.attempts += 1
    if error is None:
        event.delivered_at = now
        event.last_error = None
        return
    event.last_error = error
    if event.attempts >= subscription.max_attempts:
        event.given_up_at = now
        return
    pause = subscription.first_retry_seconds * 2 ** (event.attempts - 1)
    event.next_attempt_at = now + timedelta(seconds=min(pause, subscription.max_retry_seconds))


def sender_of(request: Request) -> WebhookSender:
    """The ERP's one sender, made on first use (it outlives requests, not the process)."""
    state = request.app.state
    sender: WebhookSender | None = getattr(state, "webhooks", None)
    if sender is None:
        sender = WebhookSender(context_of(request).db)
        state.webhooks = sender
    return sender


def _outbox(session: Session) -> dict[str, object]:
    def count(*where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(BusinessEvent).where(*where)) or 0

    attempts = session.scalar(select(func.sum(BusinessEvent.attempts))) or 0
    last = session.scalar(
        select(BusinessEvent.last_error)
        .where(BusinessEvent.last_error.is_not(None))
        .order_by(BusinessEvent.id.desc())
        .limit(1)
    )
    return {
        "delivered": count(BusinessEvent.delivered_at.is_not(None)),
        "pending": count(BusinessEvent.delivered_at.is_(None), BusinessEvent.given_up_at.is_(None)),
        "given_up": count(BusinessEvent.given_up_at.is_not(None)),
        "attempts": int(attempts),
        "last_error": last,
    }


@loopback_only
async def get_webhooks(request: Request) -> Response:
    """The subscription (without its secret) and the outbox: delivered, pending, given up."""
    sender = sender_of(request)
    outbox = await run_in_threadpool(context_of(request).db.read, _outbox)
    shown = sender.subscription.shown() if sender.subscription else None
    return JSONResponse({"subscription": shown, "outbox": outbox})


@loopback_only
async def put_webhooks(request: Request) -> Response:
    """Subscribe (``{"url", "secret"}``, retry settings optional); replaces any subscriber."""
    try:
        subscription = Subscription.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid("invalid subscription", error)
    sender = sender_of(request)
    sender.subscription = subscription
    sender.kick()  # what waited for a subscriber goes out now
    return JSONResponse({"subscription": subscription.shown()})


@loopback_only
async def delete_webhooks(request: Request) -> Response:
    sender = sender_of(request)
    sender.subscription = None
    await sender.stop()
    return JSONResponse({"subscription": None})


def events_raised(request: Request) -> None:
    """After a write that raised events: push them now rather than at the next retry."""
    sender_of(request).kick()


ROUTES = [
    Route("/__admin/webhooks", get_webhooks, methods=["GET"]),
    Route("/__admin/webhooks", put_webhooks, methods=["PUT"]),
    Route("/__admin/webhooks", delete_webhooks, methods=["DELETE"]),
]
