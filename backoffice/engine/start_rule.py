"""When a business key may be started again: once, unless an operator restarts it.

A run is known as ``<process>/<business key>``. A key that has a run is refused, however
that run stands:

- running: the same case never runs twice at once;
- completed: the case was done; starting it again would do it twice (pay twice);
- failed, cancelled, terminated or timed out: the case was not done, but a second start
  by mistake (a batch sent again) must not quietly do it again. An operator who means it
  starts it with ``--restart``, which says which run it replaces.

The server holds the rule too (the id reuse policy), so two starts at once cannot both pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

ENDINGS = {
    WorkflowExecutionStatus.COMPLETED: "completed",
    WorkflowExecutionStatus.FAILED: "failed",
    WorkflowExecutionStatus.CANCELED: "was cancelled",
    WorkflowExecutionStatus.TERMINATED: "was terminated",
    WorkflowExecutionStatus.TIMED_OUT: "timed out",
}
RESTARTABLE = frozenset(
    {
        WorkflowExecutionStatus.FAILED,
        WorkflowExecutionStatus.CANCELED,
        WorkflowExecutionStatus.TERMINATED,
        WorkflowExecutionStatus.TIMED_OUT,
    }
)


@dataclass(frozen=True)
class PreviousRun:
    """The latest run of a workflow id, as the server tells it."""

    workflow_id: str
    run_id: str
    status: WorkflowExecutionStatus | None
    started: datetime | None
    closed: datetime | None

    def how(self) -> str:
        """``failed on 2025-03-04 10:12 UTC`` or ``is running since ...``."""
        ending = ENDINGS.get(self.status) if self.status is not None else None
        if ending is None:
            return f"is running since {_when(self.started)}"
        return f"{ending} on {_when(self.closed)}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else "an unknown time"


async def previous_run(client: Client, workflow_id: str) -> PreviousRun | None:
    """The latest run of ``workflow_id``, or None if the key never ran."""
    try:
        described = await client.get_workflow_handle(workflow_id).describe()
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return PreviousRun(
        workflow_id,
        described.run_id,
        described.status,
        described.start_time,
        described.close_time,
    )


def refusal(previous: PreviousRun, case: str, restart: bool) -> str | None:
    """Why a start of ``previous``'s key is refused (None: it may start), and what to do."""
    wid = previous.workflow_id
    said = f"{wid} {previous.how()} (run {previous.run_id})"
    if previous.status == WorkflowExecutionStatus.COMPLETED:
        return (
            f"{said}: a {case} that completed is never started again, so it is not done twice; "
            f"nothing was started. See `backoffice status {wid}`"
        )
    if previous.status in RESTARTABLE:
        if restart:
            return None
        return (
            f"{said}; nothing was started. To run it again on purpose, start it with "
            f"--restart (see `backoffice status {wid}` for how it ended)"
        )
    how = "cancel it first (`backoffice cancel " + wid + "`), then start it with --restart"
    return (
        f"{said}: the same {case} cannot run twice at once; nothing was started. "
        f"See `backoffice status {wid}`" + (f"; to start it again, {how}" if restart else "")
    )


def reuse_policy(restart: bool) -> WorkflowIDReusePolicy:
    # The server's own check, for two starts at the same moment: no restart reuses nothing;
    # a restart reuses an id whose run did not complete (failed, cancelled, terminated or
    # timed out), never a completed one.
    if restart:
        return WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY
    return WorkflowIDReusePolicy.REJECT_DUPLICATE


__all__ = ["PreviousRun", "previous_run", "refusal", "reuse_policy"]
