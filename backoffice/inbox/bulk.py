"""Approving several tasks of one kind at once, with one comment.

An approver going through a morning's routine invoices selects those that look
touchless and approves them together. Nothing is decided in bulk inside the engine: each
task's decision goes to its own process through ``actions.decide``, with a request id
of its own (so a form sent twice still decides each task once), and each process checks
it as it would one decision from the task's page. The page then says, task by task, what
was done and what was refused, with the reason.

Only tasks of one kind (the same process and step) are taken together: they ask the same
question, so one comment can answer all of them. Only a kind whose "approve" needs no
more than a comment can be approved this way; the others need their page.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backoffice.engine.contracts import Decision
from backoffice.inbox.core import Inbox, flash, local_path, signed_in
from backoffice.tasks import actions
from backoffice.tasks.queries import TaskDetail, task_detail

OUTCOME = "approve"
MAX_TASKS = 50  # a page of work one person can vouch for at once
AT_ONCE = 4  # decisions in flight together: each is an update on its own process


def routes() -> list[Route]:
    return [Route("/bulk/approve", bulk_approve, methods=["POST"])]


def approvable(form: dict[str, Any]) -> bool:
    """Whether the form's approve outcome can be given with nothing but a comment."""
    outcomes = [o if isinstance(o, dict) else {"id": o} for o in form.get("outcomes", [])]
    approve = next((o for o in outcomes if o.get("id") == OUTCOME), None)
    if approve is None or set(approve.get("requires") or []) - {"comment"}:
        return False
    # A list field with a fewest number of lines needs them as much as a required field.
    required = {
        f.get("id") for f in form.get("fields", []) if f.get("required") or f.get("min_items")
    }
    return not required - {"comment"}


@dataclass
class Result:
    task_id: str
    title: str
    done: bool
    message: str
    status: str = ""  # the task's state afterwards, as its page would show it


async def _decide_one(
    inbox: Inbox, detail: TaskDetail, user: str, comment: str | None, request_id: str,
    origin: dict[str, str],
) -> Result:  # fmt: skip
    row = detail.row
    decision = Decision(
        task_id=row.id, user=user, outcome=OUTCOME, comment=comment, fields={}, **origin
    )
    try:
        view = await actions.decide(inbox.client, inbox.engine, decision, request_id)
    except actions.TaskRefused as refused:
        return Result(row.id, row.title, False, str(refused))
    if view.status != "decided":
        return Result(row.id, row.title, True, "Recorded: more approvals are needed.")
    # As after a decision on the task's page: show the task as it now is.
    await actions.settled(inbox.engine, row.id)
    return Result(row.id, row.title, True, "Done: approve. The process moves on.")


def _kinds(details: list[TaskDetail]) -> list[str]:
    return sorted({f"{d.row.process} / {d.row.step_id}" for d in details})


async def bulk_approve(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    try:
        submitted = await inbox.form(request)
    except PermissionError as stale:
        flash(request, f"Not done: {stale}", "refused")
        return RedirectResponse("/", status_code=303)
    back = local_path(submitted.get("back")) or "/"

    def refuse(message: str) -> Response:
        flash(request, f"Not done: {message}", "refused")
        return RedirectResponse(back, status_code=303)

    chosen = list(dict.fromkeys(str(t) for t in submitted.getlist("task") if str(t)))
    if not chosen:
        return refuse("select the tasks to approve")
    if len(chosen) > MAX_TASKS:
        return refuse(f"{len(chosen)} tasks selected: approve at most {MAX_TASKS} at once")
    found = await run_in_threadpool(lambda: [task_detail(inbox.engine, t) for t in chosen])
    details = [d for d in found if d is not None]
    if len(details) < len(chosen):
        gone = [t for t, d in zip(chosen, found, strict=True) if d is None]
        return refuse(f"no task {', '.join(gone)}: reload the list")
    kinds = _kinds(details)
    if len(kinds) > 1:
        return refuse(
            f"the selected tasks are of {len(kinds)} kinds ({'; '.join(kinds)}): "
            "approve tasks of one process and step at a time"
        )
    if not approvable(details[0].form):
        return refuse(f"tasks of {kinds[0]} need more than a comment: decide each on its page")
    comment = str(submitted.get("comment", "")).strip() or None
    token = str(submitted.get("request", "")) or secrets.token_urlsafe(12)
    origin = {"via": "inbox", "address": request.client.host if request.client else ""}
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(index: int, detail: TaskDetail) -> Result:
        async with gate:
            # Its own request id: sent again, this form decides each task once.
            return await _decide_one(inbox, detail, user, comment, f"bulk-{token}-{index}", origin)

    results = await asyncio.gather(*(one(i, d) for i, d in enumerate(details)))
    after = await run_in_threadpool(lambda: [task_detail(inbox.engine, r.task_id) for r in results])
    for result, now in zip(results, after, strict=True):
        if now is not None:
            outcome = f": {now.row.outcome}" if now.row.outcome else ""
            result.status = now.row.status.replace("_", " ") + outcome
    return inbox.render(
        request,
        "bulk.html",
        user=user,
        results=results,
        kind=kinds[0],
        done=sum(r.done for r in results),
        back=back,
    )
