"""Who may do what to an open human task: the checks behind the update validators.

Pure functions of the task's state in the run, so a refused request raises before the
update is accepted and leaves nothing in the run's history. Each ``ValueError`` message is
what the person sees in the inbox or the CLI: it says why, and where it can, what to do.
Checks that need the directory (is the delegate's authority high enough?) run in the
activity that applies the change, and the inbox asks the directory first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from backoffice.engine.contracts import Claim, Decision, Delegate, Reassign, Reschedule, TaskView
from backoffice.language import model
from backoffice.language.list_fields import cell_problem, check_list


def open_task(tasks: dict[str, TaskView], task_id: str) -> TaskView:
    view = tasks.get(task_id)
    if view is None:
        raise ValueError(f"there is no task {task_id} in this process")
    if view.status == "cancelled":
        raise ValueError(
            f"task {task_id} was cancelled: the process no longer waits for this decision "
            "(the part of it the task belonged to ended without it), so nothing is recorded"
        )
    if view.status != "open":
        raise ValueError(f"task {task_id} is {view.status.replace('_', ' ')}")
    return view


# Where a guest's decision comes from: their own link, or a rehearsal acting for them.
GUEST_SOURCES = ("guest-link", "rehearsal")
RESEND_HINT = "a reassigner can send the guest a fresh link: backoffice tasks resend-link TASK"


def guest_decider(view: TaskView) -> str | None:
    """The guest who alone decides the task, if it is a guest's."""
    return next((who for who in view.deciders or {} if who.startswith("guest:")), None)


def _check_guest(view: TaskView, decision: Decision) -> None:
    guest = guest_decider(view)
    if guest is None:
        if decision.user.startswith("guest:"):
            raise ValueError(f"{decision.user} is not among the people who may decide this task")
        return
    if decision.user != guest:
        raise ValueError(
            "this task is decided by its guest, through the link mailed to them: nobody "
            f"signed in decides it ({RESEND_HINT})"
        )
    if decision.via not in GUEST_SOURCES:
        raise ValueError("a guest decides only through the link mailed to them")


def _may_decide(view: TaskView, user: str) -> None:
    if user in view.excluded:
        raise ValueError(f"{user} may not decide this task (segregation of duties)")
    if view.deciders is not None:
        if user not in view.deciders:
            raise ValueError(f"{user} is not among the people who may decide this task")
        return
    # Runs from before the directory: only plain user assignees can be checked.
    named = [a.removeprefix("user:") for a in view.assignees if a.startswith("user:")]
    if len(named) == len(view.assignees) and user not in named:
        raise ValueError(f"{user} is not an assignee of this task")


def check_decision(view: TaskView, task: model.HumanTask, decision: Decision) -> None:
    if decision.outcome not in view.outcomes:
        raise ValueError(
            f"'{decision.outcome}' is not an outcome of this task: use " + ", ".join(view.outcomes)
        )
    if view.claimed_by not in (None, decision.user):
        raise ValueError(
            f"task {decision.task_id} is claimed by {view.claimed_by}: they decide, or "
            "release it first"
        )
    _check_guest(view, decision)
    _may_decide(view, decision.user)
    if any(previous.user == decision.user for previous in view.decisions):
        raise ValueError(f"{decision.user} has already decided this task")
    check_fields(task.form, decision.fields)
    outcome = next(o for o in task.form.outcomes if o.id == decision.outcome)
    given = {**decision.fields, "comment": decision.comment}
    missing = [name for name in outcome.requires if given.get(name) in (None, "", [])]
    if missing:
        raise ValueError(f"'{decision.outcome}' needs: {', '.join(missing)}")


def check_fields(form: model.Form, fields: dict[str, Any]) -> None:
    """Only the form's fields, each of its type; required ones filled."""
    known = {field.id: field for field in form.fields}
    unknown = sorted(set(fields) - set(known))
    if unknown:
        raise ValueError(
            f"the form has no field {', '.join(unknown)} (fields: {', '.join(known) or 'none'})"
        )
    for field in form.fields:
        value = fields.get(field.id)
        if field.type == "list":
            check_list(field, value)  # names the row and the column
            continue
        if value in (None, ""):
            if field.required and field.id != "comment":
                raise ValueError(f"{field.label or field.id} is required")
            continue
        problem = cell_problem(field, value)  # a scalar field is checked as a cell is
        if problem:
            raise ValueError(f"{field.label or field.id}: {problem}")


def check_claim(view: TaskView, claim: Claim) -> None:
    if view.deciders is not None and claim.user not in view.deciders:
        raise ValueError(f"{claim.user} is not among the people who may decide this task")
    if claim.release and view.claimed_by != claim.user:
        raise ValueError(f"{claim.user} has not claimed task {claim.task_id}")
    if not claim.release and view.claimed_by not in (None, claim.user):
        raise ValueError(f"task {claim.task_id} is claimed by {view.claimed_by}")


def check_delegate(view: TaskView, request: Delegate) -> None:
    if view.deciders is None:
        raise ValueError("this task began before delegation existed: ask to reassign it")
    if request.user not in view.deciders:
        raise ValueError(f"{request.user} may not delegate: only its deciders may")
    if view.claimed_by not in (None, request.user):
        raise ValueError(f"task {request.task_id} is claimed by {view.claimed_by}")
    _check_target(view, request.to)
    if request.to in view.deciders:
        raise ValueError(f"{request.to} may already decide this task")


def _check_target(view: TaskView, person: str) -> None:
    if person in view.excluded:
        raise ValueError(f"{person} may not decide this task (segregation of duties)")
    if any(decision.user == person for decision in view.decisions):
        raise ValueError(f"{person} has already decided this task")


def _check_reassigner(view: TaskView, user: str, what: str) -> None:
    if user not in view.reassigners:
        allowed = ", ".join(view.reassigners) or "nobody (the definition names no reassigners)"
        raise ValueError(f"{user} may not {what} this task; who may: {allowed}")


def check_reassign(view: TaskView, request: Reassign) -> None:
    if request.handing_over is not None:
        # A leaver's tasks go to a successor: only while the leaver may still decide.
        if request.handing_over not in (view.deciders or {}):
            raise ValueError(
                f"{request.handing_over} may not decide task {request.task_id} (any more): "
                "there is nothing of theirs to hand over"
            )
    else:
        _check_reassigner(view, request.user, "reassign")
    if guest_decider(view) is not None:
        raise ValueError(f"a guest task stays with its guest: {RESEND_HINT}")
    if len(set(request.to)) != len(request.to):
        raise ValueError("each person is named once")
    for person in request.to:
        _check_target(view, person)


def check_reschedule(view: TaskView, request: Reschedule, now: dt.datetime) -> None:
    _check_reassigner(view, request.user, "move the deadline of")
    if request.deadline <= now:
        raise ValueError(f"the new deadline {request.deadline:%Y-%m-%d %H:%M} UTC has passed")
    if request.due_at is not None and request.due_at > request.deadline:
        raise ValueError("the due date comes before the deadline, not after it")
