"""What a task that closed without a decision tells the people who had it.

A task is cancelled when the part of the process it belonged to ended without it (a
block's deadline, a branch that lost, a cancelled run), times out when its own deadline
passes, and is voided when the process undoes the work its decision led to. Whoever
tries to decide it afterwards, from the inbox or the CLI, is told which of these
happened, when, and that nothing is recorded. The people who could still decide it when
it closed keep reading its page: it was theirs, and the mail that named them links to it.
"""

from __future__ import annotations

from datetime import datetime

from backoffice.tasks.queries import TaskDetail, as_utc

# Closed without a decision that stands: the page says why and the refusal says so.
CLOSED_WITHOUT_DECISION = ("cancelled", "timed_out", "voided")


def when_closed(detail: TaskDetail) -> datetime | None:
    """When the task closed as it now stands (a voided task closed twice: decided, then voided)."""
    status = detail.row.status
    moments = [event.at for event in detail.events if event.event == status]
    moment = moments[-1] if moments else detail.row.closed_at
    return as_utc(moment) if moment is not None else None


def why_closed(detail: TaskDetail) -> str | None:
    """In plain words, what happened to a task closed without a decision; None otherwise."""
    row = detail.row
    moment = when_closed(detail)
    at = f" on {moment:%Y-%m-%d at %H:%M} UTC" if moment is not None else ""
    if row.status == "cancelled":
        return (
            f"task {row.id} was cancelled{at}: the process no longer waits for this decision "
            "(the part of it the task belonged to ended without it), so nothing is recorded"
        )
    if row.status == "timed_out":
        went_on = f" with the outcome '{row.outcome}'" if row.outcome else ""
        return (
            f"task {row.id} timed out{at}: no decision came before its deadline and the "
            f"process went on{went_on}, so nothing is recorded"
        )
    if row.status == "voided":
        reasons = [e.detail.get("reason") for e in detail.events if e.event == "voided"]
        why = f" ({reasons[-1]})" if reasons and reasons[-1] else ""
        return (
            f"task {row.id} was voided{at}: the process undid the work its decision led "
            f"to{why}, so the decision no longer stands and nothing more is recorded"
        )
    return None


def deciders_when_closed(detail: TaskDetail) -> set[str]:
    """Who could decide the task when it closed, read back from its audit trail.

    Closing a task empties its candidates (a closed task is nobody's to decide), so the
    trail is the only record of whose it was: its first deciders, then each hand-over.
    """
    deciders: set[str] = set()
    for event in detail.events:
        if event.event == "created":
            deciders = {str(person) for person in event.detail.get("deciders", [])}
        elif event.event == "delegated":
            deciders = (deciders - {event.actor}) | {str(event.detail.get("to", ""))}
        elif event.event == "reassigned":
            excluded = set(detail.excluded)
            deciders = {str(p) for p in event.detail.get("to", []) if p not in excluded}
    return deciders - {""}
