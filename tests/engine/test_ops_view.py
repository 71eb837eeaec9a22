"""What ops see: business ids, summaries, current details and search attributes."""

from __future__ import annotations

import uuid

from temporalio.api.sdk.v1 import WorkflowMetadata

from tests.support.payload_keys import CONVERTER
from tests.support.processes import ProcessRunner
from tests.support.waits import listed, waiting_run

DEFINITION = """
name: goods-check
version: 3
title: Goods check
owner: tests
business_key: input.order
input:
  order: string
steps:
  - id: noted
    title: Note the order
    call: test.note
    with: {note: "${ input.order }"}
  - id: receipt
    title: Wait for the goods
    wait: {event: goods_received, timeout: 10d}
"""


async def wait_until_waiting(runner: ProcessRunner, workflow_id: str) -> None:
    await waiting_run(runner.client, workflow_id)


async def test_run_shows_its_business_id_summary_and_what_it_waits_for(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    order = f"PO-{uuid.uuid4().hex[:6]}"
    handle = await runner.start(name, {"order": order})
    assert handle.id == f"goods-check/{order}"
    await wait_until_waiting(runner, handle.id)

    described = await handle.describe()
    assert described.workflow_type == "goods-check"
    assert await described.static_summary() == f"Goods check · {order}"
    details = await described.static_details()
    assert details is not None
    assert "Process `goods-check` v3" in details

    metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
    current = metadata.current_details
    assert "**receipt** Wait for the goods · waiting for event:goods\\_received since" in current
    assert "done: noted" in current

    query = (
        f"BackofficeProcess = 'goods-check' AND BusinessKey = '{order}' "
        "AND WaitingOn = 'event:goods_received' AND ProcessStatus = 'waiting'"
    )
    assert await listed(runner.client, query) == [handle.id]  # visibility is eventually consistent

    await handle.cancel()
    closed = f"BusinessKey = '{order}' AND ProcessStatus = 'cancelled'"
    assert await listed(runner.client, closed) == [handle.id]


async def test_activity_summaries_name_the_step(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    handle = await runner.start(name, {"order": f"PO-{uuid.uuid4().hex[:6]}"})
    await wait_until_waiting(runner, handle.id)
    history = await handle.fetch_history()
    scheduled = [
        event
        for event in history.events
        if event.HasField("activity_task_scheduled_event_attributes")
    ]
    assert len(scheduled) == 1
    # Summaries are payloads, encrypted like the rest: the Web UI shows them decoded.
    (text,) = await CONVERTER.decode([scheduled[0].user_metadata.summary], [str])
    assert text == "noted: Note the order"
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    assert len(timers) == 1
    (timer_text,) = await CONVERTER.decode([timers[0].user_metadata.summary], [str])
    assert timer_text == "receipt: give up waiting for goods_received"
    await handle.cancel()
