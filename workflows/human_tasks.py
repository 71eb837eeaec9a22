"""Human tasks: the ``task`` step, and the changes people make to the tasks it opens.

A collaborator the :class:`~workflows.interpreter.Interpreter` owns, kept apart because
the people side of a process has the most rules: the task table and its audit are kept
current by activities (``tasks.*``); decisions and changes arrive as updates, which
``workflows/process.py`` declares and hands to this class, checked first by
``workflows/task_rules.py``. Like the interpreter, this is workflow code passed through the
sandbox: time, timers and activities only through ``temporalio.workflow``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from backoffice.engine.contracts import (
        Claim,
        Decision,
        Delegate,
        PlannedEvent,
        Reassign,
        Reschedule,
        RunInput,
        TaskView,
    )
    from backoffice.language import model
    from backoffice.language.durations import Duration
    from backoffice.language.expressions import ExpressionError, Scope, render
    from backoffice.language.list_fields import form_record
    from backoffice.markdown_text import md

from workflows import following, task_guests, task_rules, task_settings
from workflows.cancelling import CANCEL_CLEANUP_BOUNDED, CANCEL_CLOSE_LIMIT
from workflows.frames import Frame, StepError

# A delegation or reassignment the directory refuses (a delegate of lower authority) fails
# at once with the reason, instead of retrying what can never succeed.
_CHANGE_RETRIES = RetryPolicy(non_retryable_error_types=["TaskChangeRefused"])


class TaskHost(Protocol):
    """What task steps use of the interpreter that runs them: names, time, and what ops see."""

    on_change: Callable[[], None]
    changes: following.VariableChanges

    def scope(self, frame: Frame, **extra: Any) -> Scope: ...

    def after(self, start: datetime, duration: Duration) -> datetime: ...

    def before(self, end: datetime, duration: Duration) -> datetime: ...

    def title(self, step: model.Step, frame: Frame, scope: Scope | None = None) -> str: ...

    def show_waiting(
        self,
        key: str,
        step: model.Step,
        on: list[str],
        until: datetime | None,
        *,
        why: str | None = None,
    ) -> None: ...

    def waiting_on(self, key: str) -> AbstractAsyncContextManager[None]: ...


class HumanTasks:
    """The tasks of one run: the ``task`` step kind, and the updates people send to them."""

    def __init__(
        self,
        host: TaskHost,
        run: RunInput,
        definition: model.Definition,
        index: dict[str, model.Step],
    ) -> None:
        self.host = host
        self.run = run
        self.definition = definition
        self.index = index  # the interpreter's: compensation adds the repair steps it opens
        self.tasks: dict[str, TaskView] = {}
        self.revisions: dict[str, int] = {}  # bumped each time a task is rescheduled
        # Tasks whose moments read variables, and how often a change of them moved each.
        self.following: dict[str, following.TaskFollower] = {}
        self.rebases: dict[str, int] = {}

    # --- the task step --------------------------------------------------------------------

    async def run_step(self, step: model.TaskStep, key: str, frame: Frame) -> Any:
        """Run a ``task`` step: open the task, wait for people, close it; its result."""
        task = step.task
        scope = self.host.scope(frame)
        now = workflow.now()
        task_id = f"{workflow.info().workflow_id}/{key}"
        settings = task_settings.work_out(
            task, now, scope, self.host, self.definition.calendar.timezone
        )
        # A guest is named by an id of this task, never by their address (see task_guests).
        guest = task_guests.guest_of(task, task_id, scope, self.host, now, settings.deadline)
        view = TaskView(
            task_id=task_id,
            step_id=step.id,
            title=self.host.title(step, frame, scope),
            assignees=(
                [guest["id"]] if guest else [describe_assignee(a, scope) for a in task.assignees]
            ),
            excluded=[str(v) for v in render(task.exclude, scope) if v not in (None, "")],
            outcomes=[outcome.id for outcome in task.form.outcomes],
            approvals_needed=settings.approvals,
            created_at=now,
            due_at=settings.due_at,
            deadline=settings.deadline,
            context=render(task.context, scope),
            reminders_at=settings.reminders,
            escalations_at=settings.escalations,
            notes=settings.notes,
        )
        for note in settings.notes:
            workflow.logger.info("task schedule corrected: %s", note, extra={"task_id": task_id})
        recorded = workflow.patched("task-records")
        if recorded:
            opened = await workflow.execute_activity(
                "tasks.open",
                self._task_record(view, task, scope, guest),
                start_to_close_timeout=timedelta(seconds=60),
                summary=f"{step.id}: open the task",
            )
            view.deciders = dict(opened["deciders"])
            view.reassigners = list(opened.get("reassigners", []))
        self.tasks[task_id] = view
        if recorded:
            self._follow(task, task_id, frame)
        self._show_waiting(key, step, view, view.due_at or view.deadline)
        try:
            async with self.host.waiting_on(key):
                if recorded:
                    await self._task_sla(step, view, scope)
                else:  # runs from before reminders and escalation
                    await workflow.wait_condition(
                        lambda: view.status != "open",
                        timeout=max(view.deadline - now, timedelta(seconds=1)),
                        timeout_summary=f"{step.id}: final timeout ({task.timeout.outcome})",
                    )
        except TimeoutError:
            view.status = "timed_out"
        except asyncio.CancelledError:
            view.status = "cancelled"
            if recorded:
                await self._close_cancelled(step, view)
            raise
        result = task_result(view, task.timeout.outcome)
        if recorded:
            await self._close_task(step, view, result)
        return result

    def _show_waiting(
        self, key: str, step: model.Step, view: TaskView, until: datetime | None
    ) -> None:
        """Show whom a task waits on; and, before all else, when too few may approve it."""
        short = task_settings.approver_shortfall(view)
        on = waiting_for(view)
        why = f"{', '.join(on)} · {short}" if short else None
        self.host.show_waiting(key, step, on, until, why=why)

    def _sla_schedule(self, view: TaskView) -> list[tuple[datetime, str, int]]:
        """Reminders and escalation levels as (when, what, number), before the deadline,
        as worked out when the task opened."""
        deadline = view.deadline
        events = [(moment, "remind", number) for number, moment in view.reminders_at.items()]
        escalations = [
            (moment, "escalate", level) for level, moment in enumerate(view.escalations_at, start=1)
        ]
        escalations = [event for event in escalations if event[0] < deadline]
        # An escalation notifies anyway: a reminder due at the same moment would be noise.
        moments = {moment for moment, _, _ in escalations}
        events = [event for event in events if event[0] not in moments]
        return sorted(events + escalations)

    async def _task_sla(
        self,
        step: model.TaskStep,
        view: TaskView,
        scope: Scope,
        done: set[tuple[str, int]] | None = None,
    ) -> None:
        """Wait for the decision; remind and escalate on schedule; TimeoutError at the end.

        A rescheduled task (``reschedule``) moves the reminders and escalation levels still
        to come by as much as its deadline moved; those already past are not repeated.
        ``done`` are the reminders and levels sent before the task's moments were worked
        out again (``workflows/following.py``).
        """
        task = step.task
        original_deadline = view.deadline
        schedule = self._sla_schedule(view) if done is None else self._to_come(view, done)
        targets = {
            level: _escalation_targets(escalation, scope)
            for level, escalation in enumerate(task.escalations, start=1)
        }
        position = 0
        rebased = self.rebases.get(view.task_id, 0)
        done = set() if done is None else done
        while position < len(schedule):
            if self.rebases.get(view.task_id, 0) != rebased:
                # Worked out again after a variable changed: the schedule is the new one.
                rebased = self.rebases[view.task_id]
                original_deadline = view.deadline
                schedule = self._to_come(view, done)
                position = 0
                continue
            shift = view.deadline - original_deadline
            view.planned = [
                PlannedEvent(
                    at=at + shift,
                    what="reminder" if kind == "remind" else "escalation",
                    number=level,
                    to=targets[level] if kind == "escalate" else [],
                )
                for at, kind, level in schedule[position:]
            ]
            self.host.on_change()  # ops see what comes next as soon as it is planned
            moment, what, number = schedule[position]
            moment += shift
            label = f"reminder {number}" if what == "remind" else f"escalation level {number}"
            if not await self._await_decision(view, moment, f"{step.id}: {label}"):
                continue  # rescheduled meanwhile: the same point, at its new moment
            if view.status != "open":
                return  # decided before this point of the schedule
            position += 1
            done.add((what, number))
            if what == "remind":
                await self._remind(step, view, number)
            else:
                await self._escalate(step, view, task.escalations[number - 1], number, scope)
        view.planned = []
        summary = f"{step.id}: final timeout ({task.timeout.outcome})"
        while await self._await_decision(view, view.deadline, summary) is False:
            # Rescheduled: wait for the new deadline; moved with its variables, reminders
            # or levels may come again.
            if self.rebases.get(view.task_id, 0) != rebased and self._to_come(view, done):
                return await self._task_sla(step, view, scope, done)
        if view.status == "open":
            raise TimeoutError(summary)

    def _to_come(
        self, view: TaskView, done: set[tuple[str, int]]
    ) -> list[tuple[datetime, str, int]]:
        """The schedule worked out again: less what was sent and what now lies past."""
        now = workflow.now()
        return [
            (at, kind, number)
            for at, kind, number in self._sla_schedule(view)
            if (kind, number) not in done and at > now
        ]

    async def _await_decision(self, view: TaskView, until: datetime, summary: str) -> bool:
        """Wait until the task closes or ``until``; False if it was rescheduled meanwhile."""
        revision = self.revisions.get(view.task_id, 0)
        follower = self.following.get(view.task_id)

        def moved() -> bool:
            return follower is not None and self.host.changes.stamp(follower.names) != follower.seen

        try:
            await workflow.wait_condition(
                lambda: (
                    view.status != "open"
                    or self.revisions.get(view.task_id, 0) != revision
                    or moved()
                ),
                timeout=max(until - workflow.now(), timedelta(seconds=1)),
                timeout_summary=summary,
            )
        except TimeoutError:
            return True
        if view.status == "open" and follower is not None and moved():
            await self._rebase(view, follower)
            return False
        return view.status != "open"

    def _follow(self, task: model.HumanTask, task_id: str, frame: Frame) -> None:
        """Have the task's moments follow the variables they read (only those that read
        any ask for the patch, so other runs replay as they were)."""
        names = following.followed(following.task_sources(task))
        if names and workflow.patched(following.FOLLOW_PATCH):
            self.following[task_id] = following.TaskFollower(
                names, frame, self.host.changes.stamp(names)
            )

    async def _rebase(self, view: TaskView, follower: following.TaskFollower) -> None:
        """Work the task's moments out again after a variable they read changed.

        Durations written plainly count from when the task opened, as they did then; what
        moved goes to the task's audit (the way a reassigner's new deadline does) and to
        its notes, which ops read on the run's page.
        """
        stamp = self.host.changes.stamp(follower.names)
        reason = self.host.changes.said(follower.names, follower.seen)
        follower.seen = stamp
        step = self.index[view.step_id]
        assert isinstance(step, model.TaskStep)
        try:
            worked_out = task_settings.work_out(
                step.task,
                view.created_at,
                self.host.scope(follower.frame),
                self.host,
                self.definition.calendar.timezone,
            )
        except (StepError, ExpressionError) as problem:
            note = f"not moved after {reason}: {problem}; the task keeps its moments"
            view.notes.insert(0, note)
            workflow.logger.warning("task not moved: %s", note, extra={"task_id": view.task_id})
            self.host.on_change()
            return
        before = (view.deadline, view.due_at, view.reminders_at, view.escalations_at)
        after = (
            worked_out.deadline,
            worked_out.due_at,
            worked_out.reminders,
            worked_out.escalations,
        )
        words = following.moved_words(before, after)
        if not words:
            return
        note = f"moved after {reason}: {'; '.join(words)}"
        view.notes = [note, *(n for n in view.notes if not n.startswith("moved after "))]
        view.reminders_at = worked_out.reminders
        view.escalations_at = worked_out.escalations
        await workflow.execute_activity(
            "tasks.reschedule",
            {
                "task_id": view.task_id,
                "user": "process",
                "deadline": worked_out.deadline.isoformat(),
                "due_at": worked_out.due_at.isoformat() if worked_out.due_at else None,
                "comment": note,
                "via": "worker",
                "at": workflow.now().isoformat(),
            },
            start_to_close_timeout=timedelta(seconds=60),
            summary=f"{view.step_id}: moved with its variables",
        )
        self.rebases[view.task_id] = self.rebases.get(view.task_id, 0) + 1
        self._rescheduled(view, worked_out.deadline, worked_out.due_at)

    def _rescheduled(self, view: TaskView, deadline: datetime, due_at: datetime | None) -> None:
        """Move a task's deadline and due date; its waiting schedule follows (see _task_sla)."""
        shift = deadline - view.deadline
        view.due_at = due_at or (view.due_at + shift if view.due_at else None)
        view.deadline = deadline
        self.revisions[view.task_id] = self.revisions.get(view.task_id, 0) + 1
        step = self.index[view.step_id]
        self._show_waiting(_key_of(view), step, view, view.due_at or view.deadline)

    def _reassigned(self, view: TaskView, assignees: list[str], deciders: dict[str, str]) -> None:
        """New deciders for a task (delegated or reassigned); ops see whom it waits on now."""
        view.assignees = assignees
        view.deciders = deciders
        view.claimed_by = None if view.claimed_by not in deciders else view.claimed_by
        self._show_waiting(
            _key_of(view), self.index[view.step_id], view, view.due_at or view.deadline
        )

    async def _remind(self, step: model.Step, view: TaskView, number: int) -> None:
        await workflow.execute_activity(
            "tasks.remind",
            {"task_id": view.task_id, "number": number, "at": workflow.now().isoformat()},
            start_to_close_timeout=timedelta(seconds=60),
            summary=f"{step.id}: reminder {number}",
        )

    async def _escalate(
        self,
        step: model.TaskStep,
        view: TaskView,
        escalation: model.Escalation,
        level: int,
        scope: Scope,
    ) -> None:
        added = [describe_assignee(a, scope) for a in escalation.add or escalation.replace]
        assignees = added if escalation.replace else [*view.assignees, *added]
        result = await workflow.execute_activity(
            "tasks.escalate",
            {
                "task_id": view.task_id,
                "level": level,
                "at": workflow.now().isoformat(),
                "assignees": assignees,
                "excluded": view.excluded,
                "notify": [describe_assignee(a, scope) for a in escalation.notify],
            },
            start_to_close_timeout=timedelta(seconds=60),
            summary=f"{step.id}: escalation level {level}",
        )
        view.assignees = assignees
        view.deciders = dict(result["deciders"])
        self._show_waiting(_key_of(view), step, view, view.deadline)

    def _task_record(
        self,
        view: TaskView,
        task: model.HumanTask,
        scope: Scope,
        guest: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        info = workflow.info()
        description = None
        if task.description is not None:
            description = str(render(task.description, scope))
        return {
            "task_id": view.task_id,
            "workflow_id": info.workflow_id,
            "process": self.definition.name,
            "business_key": self.run.business_key,
            "step_id": view.step_id,
            "title": view.title,
            "assignees": view.assignees,
            "excluded": view.excluded,
            "outcomes": view.outcomes,
            "created_at": view.created_at.isoformat(),
            "due_at": view.due_at.isoformat() if view.due_at else None,
            "deadline": view.deadline.isoformat(),
            "context": view.context,
            "description": description,
            "form": form_record(task.form, scope),
            "approvals": view.approvals_needed,
            "reassigners": [describe_assignee(a, scope) for a in task.reassigners],
            "notes": view.notes,
            # Only a guest task carries its guest (whom the opening mails the link).
            **({"guest": guest} if guest else {}),
        }

    async def _close_cancelled(self, step: model.Step, view: TaskView) -> None:
        """Close a cancelled task, within a bound; what cannot be closed keeps the cancel.

        Without a bound a close that keeps failing is retried for as long as the server
        lets it, and the run (and a parent waiting on it) waits as long. A close given up
        must not turn the cancel into a failure either: the task stays open in the records,
        the worker's sweep of tasks whose run has ended closes it, and the log says so.
        Runs from before waited for the close without a bound and failed with it.
        """
        bounded = workflow.patched(CANCEL_CLEANUP_BOUNDED)
        try:
            await self._close_task(step, view, None, CANCEL_CLOSE_LIMIT if bounded else None)
        except ActivityError as problem:
            if not bounded:
                raise
            workflow.logger.error(
                "a cancelled task could not be closed; the sweep of ended runs closes it",
                extra={"task_id": view.task_id, "step": step.id, "error": str(problem)},
            )

    async def _close_task(
        self,
        step: model.Step,
        view: TaskView,
        result: dict[str, Any] | None,
        limit: timedelta | None = None,
    ) -> None:
        await workflow.execute_activity(
            "tasks.close",
            {
                "task_id": view.task_id,
                "status": view.status,
                "outcome": result["outcome"] if result else None,
                "decided_by": result["decided_by"] if result else [],
                "comment": result["comment"] if result else None,
                "at": workflow.now().isoformat(),
                # The last decision closes the task: where it came from goes to the audit.
                "via": view.decisions[-1].via if view.decisions else None,
                "address": view.decisions[-1].address if view.decisions else None,
                "operator": _operator_of(view),
            },
            start_to_close_timeout=timedelta(seconds=60),
            schedule_to_close_timeout=limit,
            summary=f"{step.id}: close the task ({view.status})",
        )

    # --- what people change (the bodies of the process's update handlers) -----------------

    def check_decision(self, decision: Decision) -> None:
        view = task_rules.open_task(self.tasks, decision.task_id)
        task_rules.check_decision(view, self._task_of(view), decision)

    async def decide(self, decision: Decision) -> TaskView:
        """Record a decision; the task closes once its outcome needs no further approval."""
        view = self.tasks.get(decision.task_id)
        if view is None or view.status != "open":  # validated already; kept safe for replay
            raise ApplicationError(f"task {decision.task_id} takes no decision now")
        decision = decision.model_copy(update={"at": workflow.now()})
        view.decisions.append(decision)
        approving = view.outcomes[0]
        approvers = {d.user for d in view.decisions if d.outcome == approving}
        if decision.outcome != approving or len(approvers) >= view.approvals_needed:
            view.status = "decided"
        self.host.on_change()
        if view.status == "open" and workflow.patched("partial-decisions"):
            # One of several approvals: audited now, and off the approver's list at once.
            await workflow.execute_activity(
                "tasks.record_decision",
                {"task_id": view.task_id, **decision.model_dump(mode="json")},
                start_to_close_timeout=timedelta(seconds=60),
                summary=f"{view.step_id}: {decision.outcome} by {md(decision.user)}",
            )
        return view

    def check_claim(self, claim: Claim) -> None:
        view = task_rules.open_task(self.tasks, claim.task_id)
        task_rules.check_claim(view, claim)

    async def claim(self, claim: Claim) -> TaskView:
        view = self.tasks[claim.task_id]
        view.claimed_by = None if claim.release else claim.user
        await workflow.execute_activity(
            "tasks.claim",
            {**claim.model_dump(), "at": workflow.now().isoformat()},
            start_to_close_timeout=timedelta(seconds=60),
            summary=f"{view.step_id}: {'released' if claim.release else 'claimed'} by "
            f"{md(claim.user)}",
        )
        self.host.on_change()
        return view

    def check_delegate(self, request: Delegate) -> None:
        view = task_rules.open_task(self.tasks, request.task_id)
        task_rules.check_delegate(view, request)

    async def delegate(self, request: Delegate) -> TaskView:
        view = self.tasks[request.task_id]
        result = await _change(
            "tasks.delegate",
            {**request.model_dump(mode="json"), "at": workflow.now().isoformat()},
            f"{view.step_id}: delegated by {md(request.user)} to {md(request.to)}",
        )
        self._reassigned(view, [*view.assignees, f"user:{request.to}"], dict(result["deciders"]))
        return view

    def check_reassign(self, request: Reassign) -> None:
        view = task_rules.open_task(self.tasks, request.task_id)
        task_rules.check_reassign(view, request)

    async def reassign(self, request: Reassign) -> TaskView:
        view = self.tasks[request.task_id]
        result = await _change(
            "tasks.reassign",
            {
                **request.model_dump(mode="json"),
                "excluded": view.excluded,
                "at": workflow.now().isoformat(),
            },
            f"{view.step_id}: reassigned by {md(request.user)} to {md(', '.join(request.to))}",
        )
        self._reassigned(
            view, [f"user:{person}" for person in request.to], dict(result["deciders"])
        )
        return view

    def check_reschedule(self, request: Reschedule) -> None:
        view = task_rules.open_task(self.tasks, request.task_id)
        task_rules.check_reschedule(view, request, workflow.now())

    async def reschedule(self, request: Reschedule) -> TaskView:
        view = self.tasks[request.task_id]
        await workflow.execute_activity(
            "tasks.reschedule",
            {**request.model_dump(mode="json"), "at": workflow.now().isoformat()},
            start_to_close_timeout=timedelta(seconds=60),
            summary=f"{view.step_id}: deadline moved by {md(request.user)}",
        )
        self._rescheduled(view, request.deadline, request.due_at)
        return view

    def _task_of(self, view: TaskView) -> model.HumanTask:
        step = self.index[view.step_id]
        assert isinstance(step, model.TaskStep)
        return step.task


async def _change(activity: str, arguments: dict[str, Any], summary: str) -> Any:
    """Run a task-change activity; a refusal fails the update with the directory's reason."""
    try:
        return await workflow.execute_activity(
            activity,
            arguments,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=_CHANGE_RETRIES,
            summary=summary,
        )
    except ActivityError as failed:
        cause = failed.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(failed)
        raise ApplicationError(reason, type="TaskChangeRefused", non_retryable=True) from None


def _key_of(view: TaskView) -> str:
    """The step instance key of a task (its id without the run's workflow id)."""
    return view.task_id.removeprefix(f"{workflow.info().workflow_id}/")


def _operator_of(view: TaskView) -> dict[str, str] | None:
    """The operator who gave the closing decision in someone's name, if one did."""
    last = view.decisions[-1] if view.decisions else None
    return last.operator.model_dump() if last is not None and last.operator else None


def describe_assignee(assignee: model.Assignee, scope: Scope) -> str:
    """``user:alice``, ``group:ap-clerks``, ``manager_of:EMP-1``, ``owner_of:system:erp`` ...
    (resolved by the directory); ``manager_of:role:cfo`` for the managers of a rule's people,
    and ``|`` before each ``or_else`` (``manager_of:frank|role:deputy_cfo``)."""
    described = _describe_rule(assignee, scope)
    if assignee.or_else is not None:
        described += "|" + describe_assignee(assignee.or_else, scope)
    return described


def _describe_rule(assignee: model.Assignee, scope: Scope) -> str:
    kind = assignee.kind
    if kind == "guest":  # a task's guest is named by run_step; the address never shows
        return "guest"
    if isinstance(assignee.manager_of, model.Assignee):
        return "manager_of:" + _describe_rule(assignee.manager_of, scope)
    if kind == "approval_limit":
        assert assignee.approval_limit is not None
        amount = render(assignee.approval_limit.at_least, scope)
        group = assignee.approval_limit.group
        return f"approval_limit:{amount}" + (f"@{group}" if group else "")
    if kind == "users":
        assert assignee.users is not None
        users = scope.evaluate(assignee.users)
        return "users:" + ",".join(str(u) for u in (users or []))
    if assignee.owner_of is not None:
        record, which = assignee.owner_of.owned
        return f"owner_of:{record}:{render(which, scope)}"
    return f"{kind}:{render(getattr(assignee, kind), scope)}"


def task_result(view: TaskView, timeout_outcome: str) -> dict[str, Any]:
    if view.status == "timed_out":
        outcome, timed_out = timeout_outcome, True
    else:
        outcome, timed_out = view.decisions[-1].outcome, False
    last = view.decisions[-1] if view.decisions else None
    return {
        "task_id": view.task_id,
        "outcome": outcome,
        "timed_out": timed_out,
        "decided_by": [d.user for d in view.decisions],
        "decided_at": workflow.now().isoformat(),
        "comment": last.comment if last else None,
        "fields": last.fields if last else {},
    }


def _escalation_targets(escalation: model.Escalation, scope: Scope) -> list[str]:
    """Who an escalation level brings in, as ops read it (``add manager_of:EMP-1``)."""
    targets: list[str] = []
    for verb, rules in (
        ("add", escalation.add),
        ("replace with", escalation.replace),
        ("notify", escalation.notify),
    ):
        for rule in rules:
            try:
                targets.append(f"{verb} {describe_assignee(rule, scope)}")
            except Exception:  # shown only: a rule that cannot be worked out yet is named
                targets.append(f"{verb} {rule.kind}")
    return targets


def waiting_for(view: TaskView) -> list[str]:
    """Whom ops see a task wait on: the people who may decide it (so a search for
    ``WaitingOn = "alice"`` finds it), then the rules they came from."""
    people = sorted(view.deciders or {})
    return [*people, *(rule for rule in view.assignees if rule not in people)]
