"""The sandbox background-check vendor over HTTP on 127.0.0.1: orders by the client's
reference, reminders, results, adverse action notices, and the signed webhook it sends
later, retried until the subscriber takes it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.screening.app import create_app
from sandbox.screening.vendor import OutcomeSetting
from tests.support.sandbox_servers import serve_app

TOKEN = "screening-test-token-5e"
SECRET = "the-vendor-and-the-engine-share-it"
T = TypeVar("T")


def order(reference: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "candidate": {"given_name": "Maria", "family_name": "Lopez",
                      "email": "maria.lopez@example.org"},
        "consent_ref": "consent/HR-EMP-ONB-2025-00042",
    }  # fmt: skip


def within(check: Callable[[], T | None], what: str, seconds: float = 20.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {seconds} s")


@dataclass
class Subscriber:
    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to give first, then 200

    async def hook(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        status = self.answers.pop(0) if self.answers else 200
        return JSONResponse({"ok": status < 300}, status)


@dataclass
class Vendor:
    url: str
    api: httpx.Client
    subscriber: Subscriber

    def admin(self, method: str, path: str, **options: Any) -> Any:
        answer = httpx.request(method, f"{self.url}/__admin/{path}", **options)
        answer.raise_for_status()
        return answer.json()

    def subscribe(self) -> None:
        self.admin(
            "PUT", "webhooks",
            json={"url": self.subscriber.url, "secret": SECRET, "first_retry_seconds": 0.1},
        )  # fmt: skip


@pytest.fixture
def vendor(tmp_path: Path) -> Iterator[Vendor]:
    subscriber = Subscriber()
    hooks = Starlette(routes=[Route("/hook", subscriber.hook, methods=["POST"])])
    app = create_app(
        tmp_path, {"backoffice": TOKEN}, default_outcome=OutcomeSetting(after_seconds=0.2)
    )
    with serve_app(hooks) as hook_url, serve_app(app) as url:
        subscriber.url = f"{hook_url}/hook"
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=headers) as api:
            yield Vendor(url, api, subscriber)


def test_an_order_is_one_per_reference_and_needs_a_token(vendor: Vendor) -> None:
    assert httpx.post(f"{vendor.url}/v1/orders", json=order("ONB-1")).status_code == 401
    placed = vendor.api.post("/v1/orders", json=order("ONB-1"))
    assert placed.status_code == 201, placed.text
    again = vendor.api.post("/v1/orders", json=order("ONB-1"))
    assert (again.status_code, again.json()["order_id"]) == (200, placed.json()["order_id"])
    found = vendor.api.get("/v1/orders", params={"reference": "ONB-1"}).json()["orders"]
    assert [o["order_id"] for o in found] == [placed.json()["order_id"]]
    assert "email" not in json.dumps(found)  # the candidate's contact stays with the vendor
    bad = vendor.api.post("/v1/orders", json={**order("ONB-2"), "package": "gold"})
    assert bad.status_code == 422


def test_the_result_comes_by_signed_webhook_retried_until_taken(vendor: Vendor) -> None:
    vendor.subscriber.answers = [503, 500]
    vendor.subscribe()
    placed = vendor.api.post("/v1/orders", json=order("HR-EMP-ONB-2025-00042")).json()
    assert placed["status"] == "pending"
    outbox = within(
        lambda: (o := vendor.admin("GET", "webhooks")["outbox"])["delivered"] == 1 and o,
        "the completion to be delivered",
    )
    assert outbox["attempts"] == 3  # two refusals, then taken
    headers, body = vendor.subscriber.received[-1]
    event = json.loads(body)
    assert event["type"] == "check.completed"
    assert event["data"] == {"reference": "HR-EMP-ONB-2025-00042",
                             "order_id": placed["order_id"], "status": "clear"}  # fmt: skip
    # Every attempt carries the same event id, so the receiver can drop repeats.
    assert {h["webhook-id"] for h, _ in vendor.subscriber.received} == {event["id"]}
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["webhook-signature"] == expected
    result = vendor.api.get(f"/v1/orders/{placed['order_id']}").json()
    assert (result["status"], result["report_ref"]) == ("clear", "RPT-" + placed["order_id"][4:])
    assert vendor.api.post(f"/v1/orders/{placed['order_id']}/reminders").status_code == 409


def test_an_adverse_report_needs_the_pre_adverse_notice_before_the_final_one(
    vendor: Vendor,
) -> None:
    vendor.admin("PUT", "outcomes/ONB-ADV", json={"outcome": "adverse", "after_seconds": 0})
    placed = vendor.api.post("/v1/orders", json=order("ONB-ADV")).json()
    oid = placed["order_id"]
    within(
        lambda: vendor.api.get(f"/v1/orders/{oid}").json()["status"] == "adverse",
        "the adverse result",
    )
    early = vendor.api.post(f"/v1/orders/{oid}/adverse-notices")
    assert early.status_code == 409
    assert "pre-adverse notice" in early.json()["error"]
    pre = vendor.api.post(f"/v1/orders/{oid}/pre-adverse-notices").json()
    assert "A Summary of Your Rights Under the Fair Credit Reporting Act" in pre["enclosures"]
    assert "copy of the consumer report" in pre["enclosures"]
    assert vendor.api.post(f"/v1/orders/{oid}/pre-adverse-notices").json() == pre
    final = vendor.api.post(f"/v1/orders/{oid}/adverse-notices").json()
    assert final["notice_id"] != pre["notice_id"]
    # Nobody subscribed yet: the completion waited in the outbox, and goes out now.
    vendor.subscribe()
    within(lambda: vendor.subscriber.received, "the waiting event to go out")


def test_a_vendor_that_never_answers_can_be_reminded(vendor: Vendor) -> None:
    vendor.admin("PUT", "outcomes/ONB-SILENT", json={"outcome": "never"})
    placed = vendor.api.post("/v1/orders", json=order("ONB-SILENT")).json()
    reminded = vendor.api.post(f"/v1/orders/{placed['order_id']}/reminders").json()
    assert reminded["reminders"] == 1
    time.sleep(0.5)  # longer than the default outcome's delay: still nothing
    assert vendor.api.get(f"/v1/orders/{placed['order_id']}").json()["status"] == "pending"
    refused = vendor.api.post(f"/v1/orders/{placed['order_id']}/pre-adverse-notices")
    assert refused.status_code == 409
    # The demo decides later: clear from now.
    vendor.admin("PUT", "outcomes/ONB-SILENT", json={"outcome": "clear", "after_seconds": 0})
    within(
        lambda: vendor.api.get(f"/v1/orders/{placed['order_id']}").json()["status"] == "clear",
        "the late result",
    )


def test_delivery_is_given_up_after_its_attempts(vendor: Vendor) -> None:
    vendor.subscriber.answers = [500] * 10
    vendor.admin(
        "PUT", "webhooks",
        json={"url": vendor.subscriber.url, "secret": SECRET, "first_retry_seconds": 0.05,
              "max_attempts": 3},
    )  # fmt: skip
    vendor.api.post("/v1/orders", json=order("ONB-LOST")).raise_for_status()
    outbox = within(
        lambda: (o := vendor.admin("GET", "webhooks")["outbox"])["given_up"] == 1 and o,
        "the delivery to be given up",
    )
    assert (outbox["attempts"], outbox["last_error"][:8]) == (3, "HTTP 500")
    assert SECRET not in json.dumps(vendor.admin("GET", "state"))


def test_outage_and_reset(vendor: Vendor) -> None:
    vendor.admin("PUT", "faults", json={"next": 1})
    assert vendor.api.get("/v1/orders", params={"reference": "X"}).status_code == 503
    assert vendor.api.get("/v1/orders", params={"reference": "X"}).status_code == 200
    vendor.api.post("/v1/orders", json=order("ONB-R")).raise_for_status()
    vendor.admin("POST", "reset")
    assert vendor.admin("GET", "state")["orders"] == []
