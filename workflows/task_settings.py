"""A task's settings worked out once, when it opens: approvals, due, timeout, reminders and
escalation levels, any of which a definition may compute (``${ input.end_date }``).

What is worked out is kept in the task (``TaskView``), so waiting, reminding and replay
read it there and never evaluate again. A schedule that does not hold together (a
reminder after the timeout, a due date after it) is corrected, and each correction is
said in plain words: ops read it on the run's page and the task's audit keeps it.

Workflow code passed through the sandbox: no clock, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from backoffice.engine.contracts import TaskView
    from backoffice.language import model
    from backoffice.language.business_days import zone
    from backoffice.language.durations import Duration, parse_duration
    from backoffice.language.expressions import Scope, render
    from backoffice.language.task_settings import (
        MAX_APPROVALS,
        is_computed,
        shortfall_text,
        source_of,
    )

from workflows.frames import StepError


class Clock(Protocol):
    """Moments on the process calendar (the interpreter)."""

    def after(self, start: datetime, duration: Duration) -> datetime: ...

    def before(self, end: datetime, duration: Duration) -> datetime: ...


@dataclass
class Schedule:
    """A task's settings as worked out when it opened."""

    approvals: int
    due_at: datetime | None
    deadline: datetime
    reminders: dict[int, datetime]  # reminder number -> when
    escalations: list[datetime]  # per level, in the definition's order
    notes: list[str] = field(default_factory=list)


def work_out(
    task: model.HumanTask, now: datetime, scope: Scope, clock: Clock, timezone: str
) -> Schedule:
    """Every setting of ``task`` opened at ``now``; a wrong computed value fails the step."""
    notes: list[str] = []

    def moment(value: Duration | str, what: str) -> datetime:
        if isinstance(value, Duration):
            return clock.after(now, value)
        return _moment_of(_evaluate(scope, value), value, what, now, clock, timezone)

    deadline = moment(task.timeout.after, "timeout.after")
    if deadline <= now:
        notes.append(
            f"the timeout ({_shown(deadline)}) had already passed when the task opened: "
            f"it times out at once with outcome {task.timeout.outcome}"
        )
    due_at = moment(task.due, "due") if task.due is not None else None
    if due_at is not None and due_at > deadline:
        notes.append(
            f"due ({_shown(due_at)}) came after the timeout ({_shown(deadline)}): "
            "the task is due at the timeout instead"
        )
        due_at = deadline
    reminders = _reminders(task, now, deadline, scope, clock, timezone, notes)
    escalations = [
        moment(escalation.after, f"escalations[{level}].after")
        for level, escalation in enumerate(task.escalations)
    ]
    for level, at in enumerate(escalations, start=1):
        if at >= deadline and not isinstance(task.escalations[level - 1].after, Duration):
            notes.append(
                f"escalation level {level} ({_shown(at)}) would come at or after the "
                f"timeout ({_shown(deadline)}): it is left out"
            )
    return Schedule(
        approvals=approvals_of(task, scope),
        due_at=due_at,
        deadline=deadline,
        reminders=reminders,
        escalations=escalations,
        notes=notes,
    )


def approvals_of(task: model.HumanTask, scope: Scope) -> int:
    """How many different people must approve; a computed count must be 1 to 5."""
    if isinstance(task.approvals, int):
        return task.approvals
    source = source_of(task.approvals)
    value = _evaluate(scope, task.approvals)
    whole = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if whole and value == int(value) and 1 <= int(value) <= MAX_APPROVALS:
        return int(value)
    raise StepError(
        "ExpressionError",
        f"approvals `{source}` gave {_value(value)}: it must give a whole number from 1 to "
        f"{MAX_APPROVALS}, the number of different people who must approve",
    )


def _reminders(
    task: model.HumanTask,
    now: datetime,
    deadline: datetime,
    scope: Scope,
    clock: Clock,
    timezone: str,
    notes: list[str],
) -> dict[int, datetime]:
    """When each reminder comes, numbered as written; none at or after the deadline."""
    spec = task.reminders
    if spec is None:
        return {}
    found: dict[int, datetime] = {}
    if spec.every is not None:
        moment = now
        for number in range(1, spec.max + 1):
            moment = clock.after(moment, spec.every)
            if moment >= deadline:
                break
            found[number] = moment
        return found
    offsets = list(enumerate(spec.at or [], start=1))[: spec.max]
    if spec.before is None:
        for number, offset in offsets:
            moment = clock.after(now, offset)
            if moment < deadline:
                found[number] = moment
        return found
    anchor = render(spec.before, scope)
    end = _moment_of(anchor, str(spec.before), "reminders.before", now, clock, timezone)
    past, late = [], []
    for number, offset in offsets:
        moment = clock.before(end, offset)
        if moment <= now:
            past.append(_said(offset))
        elif moment >= deadline:
            late.append(_said(offset))
        else:
            found[number] = moment
    if past:
        notes.append(
            f"the reminders {', '.join(past)} before {_shown(end)} had already passed when "
            "the task opened: they are skipped"
        )
    if late:
        notes.append(
            f"the reminders {', '.join(late)} before {_shown(end)} would come at or after "
            f"the timeout ({_shown(deadline)}): they are left out"
        )
    return found


def _said(duration: Duration) -> str:
    """A duration as written in reminders (90d, not 12w6d)."""
    if not duration.is_business and duration.seconds % 86_400 == 0:
        return f"{duration.seconds // 86_400}d"
    return str(duration)


def _evaluate(scope: Scope, setting: str) -> Any:
    return scope.evaluate(source_of(setting)) if is_computed(setting) else setting


def _moment_of(
    value: Any, written: str, what: str, now: datetime, clock: Clock, timezone: str
) -> datetime:
    """A computed value as a moment: a time, a date (its start, in the process's time
    zone), or a duration text counted from when the task opens."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, datetime.min.time(), zone(timezone)).astimezone(UTC)
    if isinstance(value, str):
        text = value.strip()
        try:
            return clock.after(now, parse_duration(text))
        except ValueError:
            pass
        try:
            if len(text) == 10:
                return _moment_of(date.fromisoformat(text), written, what, now, clock, timezone)
            return _moment_of(
                datetime.fromisoformat(text.replace("Z", "+00:00")),
                written,
                what,
                now,
                clock,
                timezone,
            )
        except ValueError:
            pass
    raise StepError(
        "ExpressionError",
        f"{what} `{source_of(written) if is_computed(written) else written}` gave "
        f"{_value(value)}, which is neither a date, a time nor a duration: it must give a "
        "date like 2027-06-30, a time like 2027-06-30T17:00:00Z, or a duration like 3bd",
    )


def approver_shortfall(view: TaskView) -> str | None:
    """What ops and reassigners must hear when fewer people may approve than must."""
    if view.status != "open" or view.deciders is None:
        return None
    approving = view.outcomes[0] if view.outcomes else None
    approved = {d.user for d in view.decisions if d.outcome == approving}
    still_needed = view.approvals_needed - len(approved)
    eligible = len(set(view.deciders) - approved)
    if still_needed <= 0 or eligible >= still_needed:
        return None
    return shortfall_text(view.approvals_needed, len(approved) + eligible)


def _shown(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _value(value: Any) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."
