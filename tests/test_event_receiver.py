"""The event receiver: only signed events pass, each reaches the runs waiting on its key once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from temporalio.service import RPCError, RPCStatusCode

from backoffice.engine.contracts import EVENT_SIGNAL, ExternalEvent
from backoffice.events import signatures
from backoffice.events.receiver import MAX_BODY_BYTES, create_receiver
from backoffice.events.subscriptions import subscribe, waiting_for
from backoffice.secrets import LocalSecrets
from backoffice.settings import load_settings
from tests.support.records import records_url_in, upgraded_at

SECRET = "the-erp-and-the-engine-share-this"
NOW = datetime(2025, 6, 12, 9, 0, tzinfo=UTC)


@dataclass
class FakeHandle:
    client: FakeClient
    workflow_id: str

    async def signal(self, name: str, event: ExternalEvent) -> None:
        if self.workflow_id in self.client.ended:
            raise RPCError("workflow execution already completed", RPCStatusCode.NOT_FOUND, b"")
        self.client.signals.append((self.workflow_id, name, event))


@dataclass
class FakeClient:
    """What the receiver asks of Temporal: a handle to signal."""

    signals: list[tuple[str, str, ExternalEvent]] = field(default_factory=list)
    ended: set[str] = field(default_factory=set)

    def get_workflow_handle(self, workflow_id: str) -> FakeHandle:
        return FakeHandle(self, workflow_id)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return upgraded_at(records_url_in(tmp_path))


def receiver(engine: Engine, client: FakeClient, secrets: dict[str, str] | None = None) -> Any:
    settings = load_settings({"BACKOFFICE_STATE_DIR": "/nonexistent", "PATH": "/usr/bin"})
    environ = {"BACKOFFICE_SECRET_ERP_WEBHOOK_SECRET": SECRET} if secrets is None else secrets
    store = LocalSecrets(environ, Path("/nonexistent/secrets.toml"))
    app = create_receiver(settings, client, engine, store, clock=lambda: NOW.timestamp())  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://receiver")


def waiting(
    engine: Engine, workflow_id: str, key: str, until: datetime = NOW + timedelta(days=1)
) -> None:
    subscribe(
        engine,
        workflow_id=workflow_id,
        run_id="run-1",
        event="goods_received",
        key=key,
        step="matching#1/next_day",
        until=until,
        now=NOW,
    )


def receipt(event_id: str, po_number: str = "PO-2025-01251") -> dict[str, Any]:
    return {
        "id": event_id,
        "type": "goods_receipt.posted",
        "data": {"po_number": po_number, "material_document": "5000000100"},
    }


def signed(body: dict[str, Any], secret: str = SECRET, at: float | None = None) -> dict[str, Any]:
    raw = json.dumps(body).encode()
    stamp = int(NOW.timestamp() if at is None else at)
    return {
        "content": raw,
        "headers": {
            signatures.ID_HEADER: body["id"],
            signatures.TIMESTAMP_HEADER: str(stamp),
            signatures.SIGNATURE_HEADER: signatures.signature(secret, body["id"], stamp, raw),
        },
    }


async def test_a_signed_receipt_reaches_every_run_waiting_on_its_po_once(engine: Engine) -> None:
    client = FakeClient()
    waiting(engine, "invoice-approval/INV-1", "PO-2025-01251")
    waiting(engine, "invoice-approval/INV-2", "PO-2025-01251")
    waiting(engine, "invoice-approval/INV-3", "PO-2025-09999")
    async with receiver(engine, client) as http:
        answer = await http.post("/events/erp", **signed(receipt("evt-1")))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"event_id": "evt-1", "runs": 2}
        # The ERP retries after an answer it never got: no run hears of it twice.
        again = await http.post("/events/erp", **signed(receipt("evt-1")))
        assert again.json() == {"event_id": "evt-1", "runs": 0}
    assert sorted(w for w, _, _ in client.signals) == [
        "invoice-approval/INV-1",
        "invoice-approval/INV-2",
    ]
    _, name, event = client.signals[0]
    assert (name, event.name) == (EVENT_SIGNAL, "goods_received")
    assert event.data == {"po_number": "PO-2025-01251", "material_document": "5000000100"}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {signatures.ID_HEADER: "evt-1", signatures.TIMESTAMP_HEADER: str(int(NOW.timestamp()))},
    ],
    ids=["unsigned", "no signature"],
)
async def test_an_unsigned_event_is_refused(engine: Engine, headers: dict[str, str]) -> None:
    client = FakeClient()
    waiting(engine, "invoice-approval/INV-1", "PO-2025-01251")
    async with receiver(engine, client) as http:
        answer = await http.post(
            "/events/erp", content=json.dumps(receipt("evt-1")), headers=headers
        )
    assert answer.status_code == 401
    assert client.signals == []


async def test_forged_replayed_and_altered_events_are_refused(engine: Engine) -> None:
    client = FakeClient()
    waiting(engine, "invoice-approval/INV-1", "PO-2025-01251")
    async with receiver(engine, client) as http:
        forged = await http.post(
            "/events/erp", **signed(receipt("evt-1"), secret="guessed-guessed")
        )
        replayed = await http.post(
            "/events/erp", **signed(receipt("evt-1"), at=NOW.timestamp() - 301)
        )
        altered = signed(receipt("evt-1"))
        altered["content"] = altered["content"].replace(b"5000000100", b"5000000999")
        changed = await http.post("/events/erp", **altered)
        # A genuine signature over another event id than the body's.
        swapped = signed(receipt("evt-1"))
        swapped["content"] = json.dumps(receipt("evt-2")).encode()
        relabelled = await http.post("/events/erp", **swapped)
    assert [a.status_code for a in (forged, replayed, changed, relabelled)] == [401] * 4
    assert SECRET not in forged.text
    assert client.signals == []


async def test_what_nobody_waits_for_is_acknowledged_and_dropped(engine: Engine) -> None:
    client = FakeClient()
    waiting(engine, "invoice-approval/INV-1", "PO-2025-01251", until=NOW - timedelta(hours=1))
    # A run between two waits (its deadline just passed, it reads its system) still hears.
    waiting(engine, "invoice-approval/INV-4", "PO-2025-01251", until=NOW - timedelta(minutes=5))
    waiting(engine, "invoice-approval/INV-2", "PO-2025-01251")
    client.ended.add("invoice-approval/INV-2")
    async with receiver(engine, client) as http:
        other_type = {**receipt("evt-7"), "type": "purchase_order.changed"}
        ignored = await http.post("/events/erp", **signed(other_type))
        assert (ignored.status_code, ignored.json()["ignored"]) == (202, "purchase_order.changed")
        # INV-1's wait is long over, INV-2 has ended: neither hears of it, both are forgotten.
        late = await http.post("/events/erp", **signed(receipt("evt-8")))
        assert late.json()["runs"] == 1
        unknown = await http.post("/events/treasury", **signed(receipt("evt-9")))
        assert unknown.status_code == 404
    assert [workflow_id for workflow_id, _, _ in client.signals] == ["invoice-approval/INV-4"]
    left = waiting_for(engine, "goods_received", "PO-2025-01251", NOW - timedelta(days=1))
    assert [row.workflow_id for row in left] == ["invoice-approval/INV-4"]


async def test_malformed_or_oversized_events_are_refused_after_the_signature(
    engine: Engine,
) -> None:
    client = FakeClient()
    async with receiver(engine, client) as http:
        no_po = {"id": "evt-3", "type": "goods_receipt.posted", "data": {"material_document": "1"}}
        assert (await http.post("/events/erp", **signed(no_po))).status_code == 422
        huge = receipt("evt-4")
        huge["data"]["note"] = "x" * MAX_BODY_BYTES
        assert (await http.post("/events/erp", **signed(huge))).status_code == 413


async def test_without_its_secret_the_receiver_asks_the_sender_to_retry(engine: Engine) -> None:
    async with receiver(engine, FakeClient(), secrets={}) as http:
        answer = await http.post("/events/erp", **signed(receipt("evt-5")))
    assert answer.status_code == 503


def test_signatures_bind_id_time_and_body() -> None:
    body = b'{"id": "evt-1"}'
    stamp = int(time.time())
    good = signatures.signature(SECRET, "evt-1", stamp, body)
    headers = {
        signatures.ID_HEADER: "evt-1",
        signatures.TIMESTAMP_HEADER: str(stamp),
        signatures.SIGNATURE_HEADER: f"v1=0000, {good}",  # during a rotation: one must match
    }
    assert signatures.refusal(SECRET, headers, body, time.time(), 300) is None
    assert signatures.refusal(SECRET, headers, body + b" ", time.time(), 300)
    assert signatures.refusal(
        SECRET, {**headers, signatures.ID_HEADER: "evt-2"}, body, time.time(), 300
    )
    assert signatures.refusal(SECRET, headers, body, time.time() + 400, 300)
