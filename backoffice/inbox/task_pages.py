"""A task's page and the actions on it: decide, claim, delegate, reassign, reschedule.

Each action is posted as a form, sent to the task's process as an update with the
signed-in person as its author, and answered by a redirect to the task's page with what
happened, or why it was refused.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from temporalio.client import Client

from backoffice.engine.contracts import (
    Claim,
    Decision,
    Delegate,
    Progress,
    Reassign,
    Reschedule,
    TaskView,
)
from backoffice.engine.runs import progress
from backoffice.inbox.core import Inbox, flash, local_path, signed_in
from backoffice.inbox.forms import FormProblem, decision_fields
from backoffice.inbox.list_forms import CellProblems, shown_rows
from backoffice.inbox.upload_forms import close_form, keeper
from backoffice.links import run_url, task_path
from backoffice.people.store import PersonRow
from backoffice.tasks import actions, uploads
from backoffice.tasks.closed_tasks import CLOSED_WITHOUT_DECISION, deciders_when_closed, why_closed
from backoffice.tasks.listing import groups_of
from backoffice.tasks.queries import TaskDetail, is_overdue, task_detail

PROGRESS_TIMEOUT_SECONDS = 5


def routes() -> list[Route]:
    actions_ = {
        "decide": decide,
        "claim": claim,
        "release": release,
        "delegate": delegate,
        "reassign": reassign,
        "reschedule": reschedule,
    }
    posted = [
        Route(f"/task/{{task_id:path}}/{name}", handler, methods=["POST"])
        for name, handler in actions_.items()
    ]
    return [*posted, Route("/task/{task_id:path}", task_page, methods=["GET"])]


def may_see(detail: TaskDetail, user: str, groups: list[str]) -> bool:
    # Deciders, reassigners, whoever took part in it and the people of its queue (less
    # the excluded); nobody else reads a task.
    involved = {event.actor for event in detail.events}
    in_queue = bool(set(detail.queues) & set(groups)) and user not in detail.excluded
    # A task closed without a decision has no deciders left; those it closed on still read it.
    had_it = detail.row.status in CLOSED_WITHOUT_DECISION and user in deciders_when_closed(detail)
    return (
        user in detail.deciders
        or user in detail.reassigners
        or user in involved
        or in_queue
        or had_it
    )


async def _progress(client: Client, workflow_id: str) -> Progress | None:
    try:
        return await asyncio.wait_for(progress(client, workflow_id), PROGRESS_TIMEOUT_SECONDS)
    except Exception:  # no worker to answer, or the run is gone: the page shows without it
        return None


async def _run_link(inbox: Inbox, workflow_id: str) -> str:
    """The run's page in the Web UI; its list of runs when the server cannot say which."""
    run_id: str | None = None
    try:
        described = await asyncio.wait_for(
            inbox.client.get_workflow_handle(workflow_id).describe(), PROGRESS_TIMEOUT_SECONDS
        )
        run_id = described.run_id
    except Exception:  # the server is unreachable or the run is gone: the list still helps
        run_id = None
    return run_url(inbox.settings.temporal_ui_url, inbox.client.namespace, workflow_id, run_id)


def _people(engine: Engine) -> list[PersonRow]:
    with Session(engine) as session:
        query = select(PersonRow).where(col(PersonRow.active)).order_by(col(PersonRow.name))
        return list(session.exec(query))


async def task_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    return await _task_page(request, inbox, user, request.path_params["task_id"])


async def _task_page(
    request: Request,
    inbox: Inbox,
    user: str,
    task_id: str,
    status: int = 200,
    typed: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    """The task's page; after a refused decision, with what was typed and why per cell."""
    detail = await run_in_threadpool(task_detail, inbox.engine, task_id)
    if detail is None:
        return inbox.render(request, "missing.html", status=404, user=user, task_id=task_id)
    groups = await run_in_threadpool(groups_of, inbox.engine, user)
    if not may_see(detail, user, groups):
        return inbox.render(request, "missing.html", status=403, user=user, task_id=task_id)
    row = detail.row
    run, run_link = await asyncio.gather(
        _progress(inbox.client, row.workflow_id), _run_link(inbox, row.workflow_id)
    )
    people = await run_in_threadpool(_people, inbox.engine)
    files = await run_in_threadpool(uploads.kept_files, inbox.settings, task_id)
    is_open = row.status == "open"
    return inbox.render(
        request,
        "task.html",
        user=user,
        task=row,
        detail=detail,
        overdue=is_open and is_overdue(row, datetime.now(UTC)),
        may_decide=is_open and user in detail.deciders,
        may_reassign=is_open and user in detail.reassigners,
        closed_note=why_closed(detail),
        run=run,
        run_link=run_link,
        request_id=secrets.token_urlsafe(12),
        people=[p for p in people if p.id != user and p.id not in detail.excluded],
        typed=typed,
        problems=problems or {},
        rows_of=lambda spec: shown_rows(spec, typed),
        has_lists=has_lists(detail.form),
        files=files,
        guest=guest_decider_of(detail),
        status=status,
    )


Action = Callable[[Client, Engine, Any, str, dict[str, str]], Awaitable[str]]


async def _act(request: Request, action: Action) -> Response:
    """Common to every action: who, the checked form, the update, and the answer."""
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    task_id = request.path_params["task_id"]
    back = task_path(task_id)
    try:
        submitted = await inbox.form(request)
        # A claim from a list goes back to that list, filters and all.
        back = local_path(submitted.get("back")) or back
        origin = {"via": "inbox", "address": request.client.host if request.client else ""}
        message = await action(inbox.client, inbox.engine, submitted, user, origin)
    except (PermissionError, FormProblem, actions.TaskRefused) as refused:
        flash(request, f"Not done: {refused}", "refused")
        return RedirectResponse(back, status_code=303)
    finally:
        await close_form(request)
    flash(request, message)
    return RedirectResponse(back, status_code=303)


async def decide(request: Request) -> Response:
    task_id = request.path_params["task_id"]
    detail = await run_in_threadpool(task_detail, request.app.state.inbox.engine, task_id)
    if detail is not None and has_lists(detail.form):
        return await _decide_on_the_page(request, task_id)

    async def run(
        client: Client, engine: Engine, submitted: Any, user: str, origin: dict[str, str]
    ) -> str:
        detail = await run_in_threadpool(task_detail, engine, task_id)
        if detail is None:
            raise actions.TaskRefused(f"no task {task_id}")
        keep = keeper(request.app.state.inbox.settings, task_id)
        comment, fields = await run_in_threadpool(decision_fields, detail.form, submitted, keep)
        outcome = str(submitted.get("outcome", ""))
        decision = Decision(
            task_id=task_id, user=user, outcome=outcome, comment=comment, fields=fields, **origin
        )
        request_id = str(submitted.get("request", "")) or None
        view: TaskView = await actions.decide(client, engine, decision, request_id)
        settings = request.app.state.inbox.settings
        await run_in_threadpool(uploads.keep_decided, settings, task_id, detail.form, fields)
        if view.status == "decided":
            if not await actions.settled(engine, task_id):
                return f"Done: {outcome}. The process moves on (this page may lag a moment)."
            return f"Done: {outcome}. The process moves on."
        return f"Recorded: {outcome}. More approvals are needed."

    return await _act(request, run)


def guest_decider_of(detail: TaskDetail) -> str | None:
    """The guest who alone decides the task, if it is a guest's."""
    return next((who for who in detail.deciders if who.startswith("guest:")), None)


def has_lists(form: dict[str, Any]) -> bool:
    return any(spec.get("type") == "list" for spec in form.get("fields", []))


async def _decide_on_the_page(request: Request, task_id: str) -> Response:
    """A decision on a form with lines: refused, the page comes back as it was typed.

    Lines take a while to correct; a redirect would lose them. So a refusal shows the
    page again with every value in place and each cell's problem next to it.
    """
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    try:
        submitted = await inbox.form(request)
    except PermissionError as refused:
        flash(request, f"Not done: {refused}", "refused")
        return RedirectResponse(task_path(task_id), status_code=303)
    problems: dict[str, str] = {}
    try:
        detail = await run_in_threadpool(task_detail, inbox.engine, task_id)
        if detail is None:
            raise actions.TaskRefused(f"no task {task_id}")
        keep = keeper(inbox.settings, task_id)
        comment, fields = await run_in_threadpool(decision_fields, detail.form, submitted, keep)
        outcome = str(submitted.get("outcome", ""))
        origin = {"via": "inbox", "address": request.client.host if request.client else ""}
        decision = Decision(
            task_id=task_id, user=user, outcome=outcome, comment=comment, fields=fields, **origin
        )
        request_id = str(submitted.get("request", "")) or None
        view: TaskView = await actions.decide(inbox.client, inbox.engine, decision, request_id)
        await run_in_threadpool(uploads.keep_decided, inbox.settings, task_id, detail.form, fields)
    except (CellProblems, FormProblem, actions.TaskRefused) as refused:
        if isinstance(refused, CellProblems):
            problems = refused.problems
        flash(request, f"Not done: {refused}", "refused")
        return await _task_page(request, inbox, user, task_id, 422, submitted, problems)
    finally:
        await close_form(request)
    if view.status == "decided":
        settled = await actions.settled(inbox.engine, task_id)
        lag = "" if settled else " (this page may lag a moment)"
        flash(request, f"Done: {outcome}. The process moves on{lag}.")
    else:
        flash(request, f"Recorded: {outcome}. More approvals are needed.")
    return RedirectResponse(task_path(task_id), status_code=303)


async def claim(request: Request) -> Response:
    return await _claim(request, release=False)


async def release(request: Request) -> Response:
    return await _claim(request, release=True)


async def _claim(request: Request, release: bool) -> Response:
    task_id = request.path_params["task_id"]

    async def run(
        client: Client, engine: Engine, submitted: Any, user: str, origin: dict[str, str]
    ) -> str:
        await actions.claim(client, engine, Claim(task_id=task_id, user=user, release=release))
        return "Released: others may decide it again." if release else "Claimed: it is yours."

    return await _act(request, run)


async def delegate(request: Request) -> Response:
    task_id = request.path_params["task_id"]

    async def run(
        client: Client, engine: Engine, submitted: Any, user: str, origin: dict[str, str]
    ) -> str:
        to = str(submitted.get("to", "")).strip()
        comment = str(submitted.get("comment", "")).strip() or None
        request_ = Delegate(task_id=task_id, user=user, to=to, comment=comment, **origin)
        await actions.delegate(client, engine, request_)
        return f"Delegated to {to}."

    return await _act(request, run)


async def reassign(request: Request) -> Response:
    task_id = request.path_params["task_id"]

    async def run(
        client: Client, engine: Engine, submitted: Any, user: str, origin: dict[str, str]
    ) -> str:
        to = [str(p) for p in submitted.getlist("to") if str(p).strip()]
        if not to:
            raise FormProblem("choose who takes the task")
        comment = str(submitted.get("comment", "")).strip() or None
        request_ = Reassign(task_id=task_id, user=user, to=to, comment=comment, **origin)
        await actions.reassign(client, engine, request_)
        return f"Reassigned to {', '.join(to)}."

    return await _act(request, run)


async def reschedule(request: Request) -> Response:
    task_id = request.path_params["task_id"]

    async def run(
        client: Client, engine: Engine, submitted: Any, user: str, origin: dict[str, str]
    ) -> str:
        deadline = _moment(str(submitted.get("deadline", "")), "the new deadline")
        due_text = str(submitted.get("due", "")).strip()
        due = _moment(due_text, "the new due date") if due_text else None
        comment = str(submitted.get("comment", "")).strip() or None
        request_ = Reschedule(
            task_id=task_id, user=user, deadline=deadline, due_at=due, comment=comment, **origin
        )
        view = await actions.reschedule(client, engine, request_)
        return f"Deadline moved to {view.deadline:%Y-%m-%d %H:%M} UTC."

    return await _act(request, run)


def _moment(text: str, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise FormProblem(f"{what}: '{text}' is not a date and time") from None
    # The form's times are UTC, as every time the inbox shows.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
