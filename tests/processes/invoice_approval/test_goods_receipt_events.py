"""A goods receipt posted in the ERP moves the invoice waiting for it on at once.

The sandbox ERP pushes ``goods_receipt.posted`` to the engine's event receiver (a signed
webhook); the receiver signals the invoices waiting on that PO, which read the order
again. While these tests wait for that, the time-skipping server's clock runs at wall
speed: the next daily re-check is hours of workflow time away, so a read that comes is
the event's doing.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle

from backoffice.audit.steps import trail
from backoffice.engine.runs import progress
from backoffice.events import signatures
from backoffice.events.receiver import create_receiver
from backoffice.secrets import secret_store
from backoffice.serving import EmbeddedServer
from tests.processes.invoice_approval.conftest import Stack, between_activities
from tests.support.eventually import eventually
from tests.support.network import free_port

WAIT = 60.0  # seconds: every wait here is bounded


@dataclass
class Receiving:
    """The stack, with the event receiver up and the sandbox ERP subscribed to it."""

    stack: Stack
    url: str
    secret: str

    async def post(self, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(
                f"{self.url}/events/erp", content=json.dumps(body), headers=headers
            )

    async def outbox(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.stack.erp.url, timeout=10) as client:
            answer = await client.get("/__admin/webhooks")
            answer.raise_for_status()
            found: dict[str, Any] = answer.json()["outbox"]
            return found


@pytest_asyncio.fixture
async def receiving(stack: Stack) -> AsyncIterator[Receiving]:
    secret = secrets.token_urlsafe(24)
    environ = {**stack.settings.environ, "BACKOFFICE_SECRET_ERP_WEBHOOK_SECRET": secret}
    settings = stack.settings.model_copy(update={"environ": environ})
    app = create_receiver(settings, stack.env.client, stack.engine, secret_store(settings))
    server = EmbeddedServer(app, "127.0.0.1", free_port(), name="event receiver")
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    async with httpx.AsyncClient(base_url=stack.erp.url, timeout=10) as client:
        subscribed = await client.put(
            "/__admin/webhooks",
            json={"url": f"{url}/events/erp", "secret": secret, "first_retry_seconds": 0.2},
        )
        subscribed.raise_for_status()
    try:
        yield Receiving(stack, url, secret)
    finally:
        await server.stop()


async def add_order(stack: Stack, po_number: str) -> None:
    """Ten laptops ordered from Acme Office Supplies, none received yet."""
    line = {"line_no": 1, "item": "LAPTOP-14", "qty": 10, "unit_price": 1245.00}
    async with httpx.AsyncClient(base_url=stack.erp.url, timeout=10) as client:
        added = await client.post(
            "/__admin/purchase-orders",
            json={"po_number": po_number, "supplier_id": "SUP-00087", "lines": [line]},
        )
        assert added.status_code == 201, added.text


async def post_goods_receipt(stack: Stack, po_number: str, qty: int) -> None:
    """The warehouse posts the receipt on the ERP's screen (the bot's login will do)."""
    async with httpx.AsyncClient(base_url=stack.erp.url, timeout=30) as client:
        login = await client.post(
            "/login", data={"username": "bot-erp", "password": stack.erp.password}
        )
        assert login.status_code == 302, login.text
        posted = await client.post(
            f"/purchase-orders/{po_number}/receipt", data={"line1_received": str(qty)}
        )
        assert "Material document" in posted.text, posted.text


def po_reads(stack: Stack, handle: WorkflowHandle[Any, Any]) -> list[str]:
    """The steps that read the order, one per completed reading."""
    return [
        row.step
        for row in trail(stack.engine, handle.id)
        if row.action == "erp.read_purchase_order" and row.outcome == "completed"
    ]


async def waiting_for_goods(stack: Stack, handle: WorkflowHandle[Any, Any]) -> None:
    """Until the run waits in a round's ``next_day``, no activity in flight."""

    async def waits() -> bool:
        await between_activities(handle)
        shown = await progress(stack.env.client, handle.id)
        return any(s.key.endswith("/next_day") and s.status == "waiting" for s in shown.steps)

    await eventually(waits, f"{handle.id} to wait for its goods", within=WAIT)


async def signals(handle: WorkflowHandle[Any, Any]) -> int:
    history = await handle.fetch_history()
    kind = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    return sum(1 for event in history.events if event.event_type == kind)


def signed(secret: str, body: dict[str, Any], stamp: float | None = None) -> dict[str, str]:
    moment = int(time.time() if stamp is None else stamp)
    raw = json.dumps(body).encode()
    return {
        "Content-Type": "application/json",
        signatures.ID_HEADER: body["id"],
        signatures.TIMESTAMP_HEADER: str(moment),
        signatures.SIGNATURE_HEADER: signatures.signature(secret, body["id"], moment, raw),
    }


async def test_a_receipt_posted_days_later_moves_the_invoice_on_within_minutes(
    receiving: Receiving,
) -> None:
    stack = receiving.stack
    await add_order(stack, "PO-GREVT-0001")
    handle = await stack.start(stack.invoice("GREVT", po_number="PO-GREVT-0001"))
    await waiting_for_goods(stack, handle)
    # Days go by without the goods: the daily re-checks read the order. Five and a half
    # days hold a business day whatever the day, Easter and Christmas on Berlin's calendar
    # included; the sleep ends halfway between two re-checks, so the next one is hours of
    # workflow time away.
    await stack.env.sleep(timedelta(days=5, hours=12))
    await waiting_for_goods(stack, handle)
    before = po_reads(stack, handle)
    assert len(before) >= 2  # the first match and at least one business day's re-check
    (day_wait,) = [s for s in (await progress(stack.env.client, handle.id)).steps
                   if s.key.endswith("/next_day") and s.status == "waiting"]  # fmt: skip
    next_recheck = day_wait.until
    assert next_recheck is not None

    # A receipt of another order wakes nobody.
    await post_goods_receipt(stack, "PO-2025-01251", 1)

    async def delivered() -> bool:
        return (await receiving.outbox())["delivered"] == 1

    await eventually(delivered, "the ERP to deliver the other order's receipt", within=WAIT)
    assert await signals(handle) == 0

    posted_at: datetime = await stack.env.get_current_time()
    assert next_recheck - posted_at > timedelta(hours=6)
    await post_goods_receipt(stack, "PO-GREVT-0001", 10)
    after = await eventually(
        lambda: len(po_reads(stack, handle)) > len(before) and po_reads(stack, handle),
        "the receipt's event to make the run read the order again",
        within=WAIT,
    )
    assert len(after) == len(before) + 1
    assert await signals(handle) == 1
    # In workflow time, the order was read again within minutes of the receipt, not at the
    # next business day's re-check.
    shown = await progress(stack.env.client, handle.id)
    (reread,) = [s for s in shown.steps if s.key == after[-1]]
    assert reread.started_at is not None
    assert reread.started_at - posted_at < timedelta(minutes=5)
    (woken,) = [s for s in shown.steps if s.key == after[-1].replace("/order", "/next_day")]
    assert woken.key == day_wait.key  # the very wait that was due to end at next_recheck
    assert woken.status == "completed"
    assert woken.ended_at is not None
    assert woken.ended_at < next_recheck - timedelta(hours=5)

    result = await handle.result()
    assert result["output"]["outcome"] == "POSTED"
    assert result["output"]["touchless"] is True
    assert len(po_reads(stack, handle)) == len(after)  # matched: no re-check after that
    assert await stack.erp.count("invoice", "AOS-GREVT") == 1
    assert (await receiving.outbox())["delivered"] == 2


async def test_a_forged_or_unsigned_webhook_is_refused_and_wakes_no_one(
    receiving: Receiving,
) -> None:
    stack = receiving.stack
    await add_order(stack, "PO-GRFAKE-001")
    handle = await stack.start(stack.invoice("GRFAKE", po_number="PO-GRFAKE-001"))
    await waiting_for_goods(stack, handle)
    event = {
        "id": "evt-forged-1",
        "type": "goods_receipt.posted",
        "data": {"po_number": "PO-GRFAKE-001", "material_document": "5099999999"},
    }
    unsigned = await receiving.post(event, {"Content-Type": "application/json"})
    assert unsigned.status_code == 401
    forged = await receiving.post(event, signed("a-secret-someone-guessed", event))
    assert forged.status_code == 401
    # The right signature from long ago (a delivery copied and replayed) is refused too.
    replayed = await receiving.post(event, signed(receiving.secret, event, time.time() - 3600))
    assert replayed.status_code == 401
    # A signature made for one event does not carry another.
    other = {**event, "data": {"po_number": "PO-2025-01234"}}
    headers = signed(receiving.secret, other)
    moved = await receiving.post(event, headers)
    assert moved.status_code == 401
    assert "secret" not in unsigned.text + forged.text + replayed.text + moved.text
    assert await signals(handle) == 0

    # Signed with the shared secret, the same event reaches the run once, however often
    # it is delivered.
    for _ in range(2):
        genuine = await receiving.post(event, signed(receiving.secret, event))
        assert genuine.status_code == 200, genuine.text
    assert genuine.json() == {"event_id": "evt-forged-1", "runs": 0}
    assert await signals(handle) == 1
