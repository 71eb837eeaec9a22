"""``events.subscribe``: the interpreter records that a run waits for an event about a key.

Run as a local activity at the start of a keyed event wait (one marker in history, not an
activity's six events), so the event receiver can find the run by the key alone.
Internal: the interpreter calls it for a ``wait`` step; no definition does.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.events.subscriptions import MAX_KEY_LENGTH, subscribe
from backoffice.tasks.records import records_engine

SUBSCRIBE_ACTIVITY = "events.subscribe"


class EventWait(BaseModel):
    event: str
    key: str = Field(min_length=1, max_length=MAX_KEY_LENGTH)
    step: str  # the waiting step's instance key
    until: datetime


@registry.internal_activity()
@activity.defn(name=SUBSCRIBE_ACTIVITY)
async def subscribe_to_event(wait: EventWait) -> None:
    """Let the event receiver find this run by the event's key while it waits."""
    info = activity.info()
    await asyncio.to_thread(
        subscribe,
        records_engine(),
        workflow_id=info.workflow_id or "",
        run_id=info.workflow_run_id or "",
        event=wait.event,
        key=wait.key,
        step=wait.step,
        until=wait.until,
        now=datetime.now(UTC),
    )
