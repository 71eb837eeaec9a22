"""A guest's page: the one task their link opens, and their answer to it.

No account and no other page: the signed link is the guest's proof (checked by
``backoffice/tasks/guest_links.py``), so the page shows the task's title, description,
facts and form, escaped as every page is, and takes one answer. Once the guest has
answered, the same link shows that it is done and takes nothing more; a link altered,
replaced by a newer one or expired is refused with why and what to do.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backoffice.engine.contracts import Decision
from backoffice.inbox.core import Inbox, flash, signed_in
from backoffice.inbox.forms import FormProblem, decision_fields
from backoffice.inbox.list_forms import CellProblems, shown_rows
from backoffice.inbox.upload_forms import close_form, keeper
from backoffice.links import task_path
from backoffice.tasks import actions, uploads
from backoffice.tasks.guest_links import (
    GUEST_PATH,
    Link,
    LinkRefused,
    ResendRefused,
    check_link,
    link_key,
    resend,
)
from backoffice.tasks.queries import TaskDetail, task_detail
from backoffice.tasks.records import send_mail
from backoffice.tasks.store import TaskRow

GUEST_SOURCE = "guest-link"


def routes() -> list[Route]:
    return [
        Route(GUEST_PATH + "{token}", guest_page, methods=["GET"]),
        Route(GUEST_PATH + "{token}", guest_answer, methods=["POST"]),
        Route("/task/{task_id:path}/resend-link", resend_link, methods=["POST"]),
    ]


async def resend_link(request: Request) -> Response:
    """A reassigner sends the task's guest a fresh link; the one before stops working."""
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    task_id = request.path_params["task_id"]
    try:
        await inbox.form(request)
        await run_in_threadpool(resend, inbox.engine, task_id, user)
    except (PermissionError, ResendRefused) as refused:
        flash(request, f"Not done: {refused}", "refused")
        return RedirectResponse(task_path(task_id), status_code=303)
    # Mailed as the worker mails the first link: through the outbox, by the running config.
    await run_in_threadpool(send_mail)
    flash(request, "A fresh link was mailed to the guest; the one before no longer works.")
    return RedirectResponse(task_path(task_id), status_code=303)


def _checked(inbox: Inbox, token: str) -> tuple[TaskRow, Link, TaskDetail | None]:
    with Session(inbox.engine) as session:
        row, link = check_link(session, token, link_key(inbox.settings), datetime.now(UTC))
    return row, link, task_detail(inbox.engine, row.id)


def _refused(inbox: Inbox, request: Request, refused: LinkRefused) -> Response:
    return inbox.render(request, "guest.html", status=refused.status, refused=str(refused))


def _closed_text(row: TaskRow, guest: str, detail: TaskDetail | None) -> str:
    """What a closed task's link says, in the guest's words."""
    if row.status == "decided":
        by_guest = detail is not None and any(
            event.event == "decided" and guest in event.actor.split(",") for event in detail.events
        )
        if by_guest:
            when = f" on {row.closed_at:%Y-%m-%d %H:%M} UTC" if row.closed_at else ""
            return (
                f"Done: your answer ({(row.outcome or '').replace('_', ' ')}) was received{when}. "
                "Nothing more is needed, and this link takes no other answer."
            )
        return "This task has been decided already: this link takes no answer any more."
    if row.status == "timed_out":
        return "This task closed without your answer: the time for it ran out."
    return "This task is no longer needed: nothing is asked of you any more."


def _page(
    inbox: Inbox,
    request: Request,
    row: TaskRow,
    link: Link,
    detail: TaskDetail,
    status: int = 200,
    error: str | None = None,
    typed: Any = None,
    problems: dict[str, str] | None = None,
) -> Response:
    if row.status != "open":
        return inbox.render(
            request, "guest.html", status=status, task=row,
            detail=detail, done=_closed_text(row, link.guest, detail),
        )  # fmt: skip
    return inbox.render(
        request,
        "guest.html",
        status=status,
        task=row,
        detail=detail,
        expires_at=link.expires_at,
        action=GUEST_PATH + request.path_params["token"],
        request_id=secrets.token_urlsafe(12),
        typed=typed,
        problems=problems or {},
        rows_of=lambda spec: shown_rows(spec, typed),
        error=error,
    )


async def guest_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    try:
        row, link, detail = await run_in_threadpool(_checked, inbox, request.path_params["token"])
    except LinkRefused as refused:
        return _refused(inbox, request, refused)
    if detail is None:
        return _refused(inbox, request, LinkRefused("This link's task is not known here.", 404))
    return _page(inbox, request, row, link, detail)


async def guest_answer(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    try:
        row, link, detail = await run_in_threadpool(_checked, inbox, request.path_params["token"])
    except LinkRefused as refused:
        return _refused(inbox, request, refused)
    if detail is None:
        return _refused(inbox, request, LinkRefused("This link's task is not known here.", 404))
    if row.status != "open":  # answered already (or closed): the link takes nothing more
        return _page(inbox, request, row, link, detail, status=409)
    submitted: Any = None
    try:
        submitted = await inbox.form(request)
        keep = keeper(inbox.settings, row.id)
        comment, fields = await run_in_threadpool(decision_fields, detail.form, submitted, keep)
        outcome = str(submitted.get("outcome", ""))
        decision = Decision(
            task_id=row.id,
            user=link.guest,
            outcome=outcome,
            comment=comment,
            fields=fields,
            via=GUEST_SOURCE,
            address=request.client.host if request.client else "",
        )
        request_id = str(submitted.get("request", "")) or None
        await actions.decide(inbox.client, inbox.engine, decision, request_id)
    except (PermissionError, CellProblems, FormProblem, actions.TaskRefused) as refused:
        problems = refused.problems if isinstance(refused, CellProblems) else None
        return _page(
            inbox, request, row, link, detail, 422, f"Not sent: {refused}", submitted, problems
        )
    finally:
        await close_form(request)
    await run_in_threadpool(uploads.keep_decided, inbox.settings, row.id, detail.form, fields)
    await actions.settled(inbox.engine, row.id)
    row, link, detail = await run_in_threadpool(_checked, inbox, request.path_params["token"])
    if detail is None or row.status == "open":  # the process is a moment behind
        return inbox.render(
            request, "guest.html", task=row, detail=detail,
            done=f"Done: your answer ({outcome.replace('_', ' ')}) was received.",
        )  # fmt: skip
    return _page(inbox, request, row, link, detail)
