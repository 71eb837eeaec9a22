"""``screening.*`` through a real worker, and the vendor's signed webhook reaching the real
event receiver, which wakes the run waiting for ``background_check_completed`` on its
onboarding id."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from backoffice import database
from backoffice.events.receiver import create_receiver
from backoffice.events.subscriptions import EventSubscriptionRow, waiting_for
from backoffice.sandbox import SandboxSystems
from backoffice.secrets import secret_store
from backoffice.serving import EmbeddedServer
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.workforce_apis import Apis, workforce_apis

SIGNING = "the-vendor-signs-with-this-secret"
WAIT = 60.0  # seconds: every wait here is bounded


@dataclass
class Receiving:
    apis: Apis
    url: str


@pytest_asyncio.fixture
async def receiving(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Receiving]:
    environ = {"BACKOFFICE_SECRET_SCREENING_WEBHOOK_SECRET": SIGNING}
    async with workforce_apis(dev_env.client, tmp_path, **environ) as apis:
        engine = database.engine(apis.settings)
        app = create_receiver(apis.settings, dev_env.client, engine, secret_store(apis.settings))
        server = EmbeddedServer(app, "127.0.0.1", free_port(), name="event receiver")
        await server.start()
        try:
            yield Receiving(apis, f"http://127.0.0.1:{server.port}")
        finally:
            await server.stop()


CHECK = """
name: check-{suffix}
version: 1
title: Background check
owner: tests
business_key: input.onboarding_id
input:
  onboarding_id: string
steps:
  - id: order
    call: screening.order_check
    with:
      reference: ${{ input.onboarding_id }}
      given_name: Maria
      family_name: Lopez
      email: maria.lopez@example.org
      consent_ref: consent/${{ input.onboarding_id }}
  - id: order_again
    call: screening.order_check
    with:
      reference: ${{ input.onboarding_id }}
      given_name: Maria
      family_name: Lopez
      email: maria.lopez@example.org
      consent_ref: consent/${{ input.onboarding_id }}
  - id: remind
    call: screening.remind
    with: {{order_id: "${{ steps.order.order_id }}"}}
  - id: completed
    wait:
      event: background_check_completed
      key: ${{ input.onboarding_id }}
      timeout: 7d
      on_timeout: continue
  - id: result
    call: screening.result
    with: {{order_id: "${{ steps.order.order_id }}"}}
  - id: adverse
    if: steps.result.status == "adverse"
    steps:
      - id: pre_adverse
        call: screening.pre_adverse_notice
        with: {{order_id: "${{ steps.order.order_id }}"}}
      - id: final_adverse
        call: screening.final_adverse_notice
        with: {{order_id: "${{ steps.order.order_id }}"}}
output:
  order_id: ${{ steps.order.order_id }}
  same_order: ${{ steps.order_again.order_id == steps.order.order_id }}
  received: ${{ steps.completed.received }}
  event: ${{ steps.completed.data }}
  result: ${{ steps.result }}
"""


async def waiting(apis: Apis, reference: str) -> list[EventSubscriptionRow]:
    engine = database.engine(apis.settings)
    return await eventually(
        lambda: (
            waiting_for(engine, "background_check_completed", reference, datetime.now(UTC)) or None
        ),
        f"the run of {reference} to wait for its check",
        within=WAIT,
    )


async def test_the_vendor_s_webhook_wakes_the_run_waiting_on_its_onboarding(
    receiving: Receiving,
) -> None:
    apis = receiving.apis
    # The dev stack's subscription: the vendor is pointed at /events/screening with the
    # signing secret of the secret store.
    assert await SandboxSystems(apis.settings).subscribe_events(receiving.url) == ["screening"]
    hooks = apis.admin("screening", "GET", "webhooks")
    assert hooks["subscription"]["url"] == f"{receiving.url}/events/screening"
    assert SIGNING not in str(hooks)

    name = apis.define(CHECK.format(suffix=uuid.uuid4().hex[:8]))
    reference = f"HR-EMP-ONB-2025-{uuid.uuid4().hex[:5].upper()}"
    handle = await apis.start(name, {"onboarding_id": reference})
    (row,) = await waiting(apis, reference)
    assert row.workflow_id == handle.id
    # Only now does the vendor finish the check: its result cannot come before the wait.
    apis.admin(
        "screening", "PUT", f"outcomes/{reference}", json={"outcome": "clear", "after_seconds": 0}
    )
    output = (await handle.result())["output"]
    assert output["same_order"] is True
    assert output["received"] is True
    assert output["event"] == {"reference": reference, "order_id": output["order_id"],
                               "status": "clear"}  # fmt: skip
    assert output["result"] == {"order_id": output["order_id"], "status": "clear",
                                "report_ref": "RPT-" + output["order_id"][4:]}  # fmt: skip
    outbox = apis.admin("screening", "GET", "webhooks")["outbox"]
    assert (outbox["delivered"], outbox["given_up"]) == (1, 0)
    state = apis.admin("screening", "GET", "state")
    (order,) = state["orders"]
    assert (order["reminders"], order["notices"]) == (1, [])


async def test_an_adverse_result_sends_both_notices_through_the_vendor(
    receiving: Receiving,
) -> None:
    apis = receiving.apis
    await SandboxSystems(apis.settings).subscribe_events(receiving.url)
    # The receiver is down for the vendor's first attempts: it retries until taken.
    apis.admin("screening", "PUT", "webhooks", json={
        "url": "http://127.0.0.1:9/events/screening", "secret": SIGNING,
        "first_retry_seconds": 0.2})  # fmt: skip
    name = apis.define(CHECK.format(suffix=uuid.uuid4().hex[:8]))
    reference = f"HR-EMP-ONB-2025-{uuid.uuid4().hex[:5].upper()}"
    handle = await apis.start(name, {"onboarding_id": reference})
    await waiting(apis, reference)
    apis.admin(
        "screening", "PUT", f"outcomes/{reference}", json={"outcome": "adverse", "after_seconds": 0}
    )

    def failed_once() -> bool:
        return apis.admin("screening", "GET", "webhooks")["outbox"]["attempts"] >= 1

    await eventually(failed_once, "a first, failed delivery", within=WAIT)
    await SandboxSystems(apis.settings).subscribe_events(receiving.url)
    output = (await handle.result())["output"]
    assert output["event"]["status"] == "adverse"
    assert output["result"]["status"] == "adverse"
    (order,) = apis.admin("screening", "GET", "state")["orders"]
    assert [n["kind"] for n in order["notices"]] == ["pre_adverse", "final_adverse"]
