"""The ERP pushes each goods receipt to its subscriber: signed, retried, never lost."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest_asyncio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backoffice.events import signatures
from backoffice.serving import EmbeddedServer
from tests.legacy.conftest import Running, eventually
from tests.support.network import free_port

SECRET = "a-shared-secret-of-the-erp-and-us"


@dataclass
class Subscriber:
    """A webhook endpoint that keeps what it is sent and answers as told."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to give first, then 200

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        status = self.answers.pop(0) if self.answers else 200
        return JSONResponse({"ok": status < 300}, status)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest_asyncio.fixture
async def subscriber() -> AsyncIterator[Subscriber]:
    found = Subscriber()
    app = Starlette(routes=[Route("/hook", found.hook, methods=["POST"])])
    server = EmbeddedServer(app, "127.0.0.1", free_port(), name="subscriber")
    await server.start()
    found.url = f"http://127.0.0.1:{server.port}/hook"
    try:
        yield found
    finally:
        await server.stop()


async def subscribe(erp: Running, subscriber: Subscriber, **options: Any) -> dict[str, Any]:
    async with erp.client() as client:
        answer = await client.put(
            "/__admin/webhooks",
            json={"url": subscriber.url, "secret": SECRET, "first_retry_seconds": 0.05, **options},
        )
        answer.raise_for_status()
        shown: dict[str, Any] = answer.json()
        return shown


async def webhooks(erp: Running) -> dict[str, Any]:
    async with erp.client() as client:
        answer = await client.get("/__admin/webhooks")
        answer.raise_for_status()
        shown: dict[str, Any] = answer.json()
        return shown


async def post_receipt_on_screen(erp: Running, po_number: str, **quantities: str) -> None:
    async with erp.logged_in() as client:
        answer = await client.post(f"/purchase-orders/{po_number}/receipt", data=quantities)
        assert answer.status_code == 200, answer.text
        assert "Material document" in answer.text


async def test_a_receipt_posted_on_the_screen_is_pushed_signed(
    erp: Running, subscriber: Subscriber
) -> None:
    shown = await subscribe(erp, subscriber)
    assert SECRET not in json.dumps(shown)
    await post_receipt_on_screen(erp, "PO-2025-01251", line1_received="4")
    await eventually(lambda: len(subscriber.received) == 1, "the receipt pushed")
    headers, body = subscriber.received[0]
    event = json.loads(body)
    assert event["type"] == "goods_receipt.posted"
    assert event["data"]["po_number"] == "PO-2025-01251"
    assert event["data"]["lines"] == [{"line_no": 1, "received_qty": "4"}]
    assert event["data"]["material_document"]
    # The engine's receiver accepts the ERP's signature; a changed body it does not.
    headers = {key.title(): value for key, value in headers.items()}
    assert headers["Webhook-Id"] == event["id"]
    assert signatures.refusal(SECRET, headers, body, time.time(), 300) is None
    changed = body.replace(b"PO-2025-01251", b"PO-2025-01234")
    assert signatures.refusal(SECRET, headers, changed, time.time(), 300) is not None
    assert signatures.refusal("another-secret-entirely", headers, body, time.time(), 300)
    state = await webhooks(erp)
    assert state["outbox"]["delivered"] == 1
    assert SECRET not in json.dumps(state)


async def test_an_unanswered_delivery_is_retried_with_the_same_id_until_it_is_taken(
    erp: Running, subscriber: Subscriber
) -> None:
    subscriber.answers = [503, 500]
    await subscribe(erp, subscriber)
    await post_receipt_on_screen(erp, "PO-2025-01251", line1_received="2")
    await eventually(lambda: len(subscriber.received) == 3, "three attempts")
    ids = {headers["webhook-id"] for headers, _ in subscriber.received}
    assert len(ids) == 1
    await eventually(
        lambda: _delivered(erp, 1), "the third attempt delivered, and nothing sent again"
    )
    assert (await webhooks(erp))["outbox"] == {
        "delivered": 1,
        "pending": 0,
        "given_up": 0,
        "attempts": 3,
        "last_error": None,
    }


async def test_a_subscriber_that_never_takes_it_makes_the_erp_give_up(
    erp: Running, subscriber: Subscriber
) -> None:
    subscriber.answers = [503] * 10
    await subscribe(erp, subscriber, max_attempts=3)
    await post_receipt_on_screen(erp, "PO-2025-01251", line1_received="1")

    async def given_up() -> bool:
        return (await webhooks(erp))["outbox"]["given_up"] == 1

    await eventually(given_up, "the event given up")
    assert len(subscriber.received) == 3
    assert (await webhooks(erp))["outbox"]["last_error"].startswith("HTTP 503")


async def test_receipts_before_anyone_subscribes_wait_for_the_first_subscriber(
    erp: Running, subscriber: Subscriber
) -> None:
    async with erp.client() as client:
        added = await client.post(
            "/__admin/purchase-orders",
            json={
                "po_number": "PO-HOOK-0001",
                "supplier_id": "SUP-00087",
                "lines": [
                    {
                        "line_no": 1,
                        "item": "TONER-X",
                        "qty": 5,
                        "unit_price": 80,
                        "received_qty": 5,
                    },
                    {"line_no": 2, "item": "PAPER-A4", "qty": 9, "unit_price": 4},
                ],
            },
        )
        assert added.status_code == 201, added.text
        posted = await client.post(
            "/__admin/purchase-orders/PO-HOOK-0001/receipts",
            json={"lines": [{"line_no": 2, "qty": 9}]},
        )
        assert posted.status_code == 201, posted.text
        unknown = await client.post(
            "/__admin/purchase-orders/PO-NONE-0001/receipts",
            json={"lines": [{"line_no": 1, "qty": 1}]},
        )
        assert unknown.status_code == 404
        too_many = await client.post(
            "/__admin/purchase-orders/PO-HOOK-0001/receipts",
            json={"lines": [{"line_no": 2, "qty": 1}]},
        )
        assert too_many.status_code == 422
    assert (await webhooks(erp))["outbox"]["pending"] == 2
    await subscribe(erp, subscriber)
    await eventually(lambda: len(subscriber.received) == 2, "both receipts pushed")
    lines = [event["data"]["lines"] for event in subscriber.bodies()]
    assert lines == [[{"line_no": 1, "received_qty": "5"}], [{"line_no": 2, "received_qty": "9"}]]
    assert await erp.count("goods_receipt", "PO-HOOK-0001") == 2


async def test_a_subscription_needs_a_url_and_a_real_secret(erp: Running) -> None:
    async with erp.client() as client:
        answer = await client.put("/__admin/webhooks", json={"url": "ftp://x", "secret": "short"})
        assert answer.status_code == 422
        fields = {problem["field"] for problem in answer.json()["problems"]}
        assert fields == {"url", "secret"}
        assert "short" not in answer.text


async def _delivered(erp: Running, count: int) -> bool:
    return (await webhooks(erp))["outbox"]["delivered"] == count
