"""A wait for an event with a key tells the event receiver's registry, for as long as it waits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from backoffice import database, runtime
from backoffice.engine.runs import send_event
from backoffice.events.subscriptions import EventSubscriptionRow, waiting_for
from tests.support.eventually import eventually
from tests.support.processes import ProcessRunner

DEFINITION = """
name: {name}
version: 1
title: Keyed wait
owner: tests
business_key: input.case
input:
  case: string
  po: any
steps:
  - id: receipt
    wait:
      event: goods_received
      key: ${{ input.po }}
      timeout: 2d
      on_timeout: continue
output:
  received: ${{ steps.receipt.received }}
"""


def define(runner: ProcessRunner) -> str:
    return runner.define(DEFINITION.format(name=f"keyed-{uuid.uuid4().hex[:6]}"))


async def subscribed(key: str) -> list[EventSubscriptionRow]:
    engine = database.engine(runtime.settings())
    return await eventually(
        lambda: waiting_for(engine, "goods_received", key, datetime.now(UTC)) or None,
        f"a wait for goods_received {key} to subscribe",
    )


async def local_activity_markers(handle: WorkflowHandle[Any, Any]) -> int:
    """Local activities recorded, once the run waits (its wait's timer has started)."""

    async def markers() -> int | None:
        history = await handle.fetch_history()
        if not any(e.HasField("timer_started_event_attributes") for e in history.events):
            return None
        names = [e.marker_recorded_event_attributes.marker_name for e in history.events]
        return names.count("core_local_activity")

    return await eventually(markers, f"{handle.id} to begin its wait")


async def test_a_keyed_wait_is_found_by_its_key_until_its_deadline(runner: ProcessRunner) -> None:
    name = define(runner)
    po = f"PO-{uuid.uuid4().hex[:8].upper()}"
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:10], "po": po})
    (row,) = await subscribed(po)
    assert await local_activity_markers(handle) == 1  # the subscription costs one event
    assert (row.workflow_id, row.step) == (handle.id, "receipt")
    until = row.until if row.until.tzinfo else row.until.replace(tzinfo=UTC)
    assert timedelta(days=1, hours=23) < until - datetime.now(UTC) <= timedelta(days=2)
    await send_event(runner.client, handle.id, "goods_received", {"po_number": po})
    assert (await handle.result())["output"] == {"received": True}


async def test_a_wait_whose_key_is_empty_subscribes_nothing(runner: ProcessRunner) -> None:
    name = define(runner)
    handle = await runner.start(name, {"case": uuid.uuid4().hex[:10], "po": ""})
    await send_event(runner.client, handle.id, "goods_received", None)
    assert (await handle.result())["output"] == {"received": True}
    history = await handle.fetch_history()
    names = [e.marker_recorded_event_attributes.marker_name for e in history.events]
    assert "core_local_activity" not in names


async def test_a_key_that_is_not_text_fails_the_step(runner: ProcessRunner) -> None:
    name = define(runner)
    with pytest.raises(WorkflowFailureError) as caught:
        await runner.run(name, {"case": uuid.uuid4().hex[:10], "po": {"not": "text"}})
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ExpressionError"
