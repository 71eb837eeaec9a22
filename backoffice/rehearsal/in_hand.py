"""Whether a run has work in hand, read from its history.

The time-skipping server moves its clock on only while a run waits, but the driver must
know the run waits before it decides where the clock goes next. The test server's
description does not always show a workflow task in hand, and a description and a second
look are two moments: a run just started, or woken by an answer, then looks idle, and the
clock moved on before it opens its task passes the moment of that task's decision (a
block's deadline always won). One history is one moment, and it holds every workflow task
and every activity.
"""

from __future__ import annotations

from collections.abc import Iterable

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

# A workflow task ends completed, failed or timed out (a retry is scheduled anew).
_TASK_ENDED = frozenset(
    {
        EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
)
# The run no longer waits for an activity that ended, or whose cancellation it asked for.
_ACTIVITY_ENDED = {
    EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: "activity_task_completed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_task_failed_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_task_timed_out_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED: "activity_task_canceled_event_attributes",
    EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED: (
        "activity_task_cancel_requested_event_attributes"
    ),
}


def work_in_hand(events: Iterable[HistoryEvent]) -> bool:
    """True while a workflow task is not yet completed or an activity is still running."""
    task_scheduled = task_ended = -1
    activities: set[int] = set()
    for event in events:
        kind = event.event_type
        if kind == EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            task_scheduled = event.event_id
        elif kind in _TASK_ENDED:
            task_ended = event.event_id
        elif kind == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            activities.add(event.event_id)
        elif kind in _ACTIVITY_ENDED:
            attributes = getattr(event, _ACTIVITY_ENDED[kind])
            activities.discard(attributes.scheduled_event_id)
    return task_scheduled > task_ended or bool(activities)
