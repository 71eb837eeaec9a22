"""A bot in a branch that loses is stopped, and the branch ends only once it has: nothing
of the bot runs after the process has moved on (Chromium against the sandbox ERP)."""

from __future__ import annotations

from temporalio.api.enums.v1 import EventType, PendingActivityState

from backoffice.engine.runs import send_event
from tests.bots.conftest import Sites
from tests.support.eventually import eventually

RACE = """
name: bot-race
version: 1
title: A bot that loses a race
owner: tests
business_key: input.key
input:
  key: string
steps:
  - id: race
    mode: first
    parallel:
      - id: reading
        steps:
          - id: supplier
            bot: erp.read_supplier
            timeout: 120s
            with: {supplier_id: SUP-00087}
      - id: stop
        steps:
          - {id: stop_now, wait: {event: stop, timeout: 1d}}
output:
  won_by: ${ steps.race.winner }
"""

BOT_ENDED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
}


async def test_a_bot_of_a_losing_branch_has_stopped_before_the_branch_ends(
    sites: Sites,
) -> None:
    await sites.erp.faults(latency_rate=1.0, latency_seconds=1.0)  # the bot takes a while
    name = sites.runner.define(RACE)
    handle = await sites.runner.start(name, {"key": "race-1"})

    async def bot_started() -> bool:
        pending = (await handle.describe()).raw_description.pending_activities
        return any(a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED for a in pending)

    await eventually(bot_started, f"the bot of {handle.id} to start")
    await send_event(sites.runner.client, handle.id, "stop")
    result = await handle.result()
    assert result["output"] == {"won_by": "stop"}
    kinds = [event.event_type for event in (await handle.fetch_history()).events]
    asked = kinds.index(EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED)
    endings = [i for i, kind in enumerate(kinds) if kind in BOT_ENDED]
    assert endings, "the bot's end is not in the history: the run did not wait for it"
    completed = kinds.index(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED)
    assert asked < endings[0] < completed
    await sites.erp.faults(latency_rate=0.0)
