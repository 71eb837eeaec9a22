"""The guest of a task: who, under which id, and until when their link holds.

A guest is outside the directory, so the run names them by an id of this task alone
(``guest:3fa2...``), never by their e-mail: the id is what the task's deciders, the
decision's author and the ``WaitingOn`` search attribute hold. The e-mail and name go
only to the activity that opens the task, which mails the link.

Workflow code passed through the sandbox: no clock, no I/O.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from backoffice.language import model
    from backoffice.language.durations import Duration
    from backoffice.language.expressions import Scope, render

GUEST_PREFIX = "guest:"


class Clock(Protocol):
    def after(self, start: datetime, duration: Duration) -> datetime: ...


def guest_id(task_id: str, email: str) -> str:
    """The guest's id for this task: the same for the same task and address, and telling
    nothing of the address to anyone who does not know it already."""
    digest = hashlib.sha256(f"{task_id}\n{email.strip().lower()}".encode()).hexdigest()
    return GUEST_PREFIX + digest[:16]


def guest_of(
    task: model.HumanTask,
    task_id: str,
    scope: Scope,
    clock: Clock,
    opened: datetime,
    deadline: datetime,
) -> dict[str, Any] | None:
    """The task's guest as the opening activity takes it, or None for a directory task."""
    rule = next((a.guest for a in task.assignees if a.guest is not None), None)
    if rule is None:
        return None
    email = str(render(rule.email, scope) or "").strip()
    name = str(render(rule.name, scope) or "").strip()
    expires = deadline
    if rule.link_expires is not None:
        expires = min(deadline, clock.after(opened, rule.link_expires))
    return {
        "id": guest_id(task_id, email),
        "email": email,
        "name": name,
        "link_expires_at": expires.isoformat(),
    }
