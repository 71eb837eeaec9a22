"""The lists of tasks: a person's own (``/``) and a group's queue (``/queue/<group>``).

Both take the same filters and sorting as query parameters (``ListFilter``), so a
filtered list can be bookmarked and sent to a colleague. A queue shows the group's open
tasks whoever has claimed them, so the people of a queue see who works on what; each
row a person may decide can be claimed from the list, and tasks of one kind that need
nothing but a yes can be selected and approved together (``bulk.py``).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from backoffice.inbox.bulk import approvable
from backoffice.inbox.core import Inbox, signed_in
from backoffice.links import list_path, queue_path
from backoffice.tasks.listing import (
    CLAIMS,
    DUES,
    SORTS,
    ListedTask,
    ListFilter,
    TaskList,
    groups_of,
    person_list,
    queue_list,
)
from backoffice.tasks.queries import is_overdue


def routes() -> list[Route]:
    return [Route("/", my_tasks), Route("/queue/{group}", queue_page)]


def _row(item: ListedTask, user: str, now: datetime) -> dict[str, Any]:
    task = item.row
    free = task.claimed_by in (None, user)
    return {
        "task": task,
        "overdue": is_overdue(task, now),
        "may_claim": item.may_decide and task.claimed_by is None,
        # Only a yes with at most a comment is given to many tasks at once.
        "may_bulk": item.may_decide and free and approvable(json.loads(task.form_json or "{}")),
    }


def _tidied(request: Request, chosen: ListFilter, path: str) -> Response | None:
    """The list's own address when the query says more (the filter form sends every field,
    empty ones too) or what it cannot mean: a bookmark then holds only what was chosen."""
    if dict(request.query_params) == chosen.query():
        return None
    return RedirectResponse(list_path(path, chosen.query()), status_code=303)


def _render(
    request: Request,
    inbox: Inbox,
    user: str,
    listed: TaskList,
    chosen: ListFilter,
    path: str,
    **page: Any,
) -> Response:
    now = datetime.now(UTC)
    here = list_path(path, chosen.query())
    rows = [_row(item, user, now) for item in listed.tasks]
    return inbox.render(
        request,
        "list.html",
        user=user,
        rows=rows,
        bulk=any(row["may_bulk"] for row in rows),
        total=listed.total,
        processes=listed.processes,
        chosen=chosen,
        path=path,
        here=here,
        sort_links={sort: list_path(path, chosen.sorted_by(sort).query()) for sort in SORTS},
        sorts=SORTS,
        dues=DUES,
        claims=CLAIMS,
        request_id=secrets.token_urlsafe(12),
        **page,
    )


async def my_tasks(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    chosen = ListFilter.from_query(request.query_params)
    if (tidy := _tidied(request, chosen, "/")) is not None:
        return tidy
    listed = await run_in_threadpool(person_list, inbox.engine, user, chosen, datetime.now(UTC))
    return _render(request, inbox, user, listed, chosen, "/", heading="My tasks", queue=None)


async def queue_page(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    group = request.path_params["group"]
    if group not in await run_in_threadpool(groups_of, inbox.engine, user):
        return inbox.render(request, "not_member.html", status=403, user=user, group=group)
    chosen = ListFilter.from_query(request.query_params)
    if (tidy := _tidied(request, chosen, queue_path(group))) is not None:
        return tidy
    listed = await run_in_threadpool(
        queue_list, inbox.engine, group, user, chosen, datetime.now(UTC)
    )
    return _render(
        request, inbox, user, listed, chosen, queue_path(group),
        heading=f"Queue {group}", queue=group,
    )  # fmt: skip
