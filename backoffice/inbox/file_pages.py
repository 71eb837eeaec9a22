"""The files of a task's decision, handed to the people who may see the task.

The task's page of a decided task links the files its decision holds, for the people who could see
the task (its deciders, reassigners, queue and those who took part), and nobody else.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from backoffice.inbox.core import Inbox, signed_in
from backoffice.inbox.task_pages import may_see
from backoffice.tasks import uploads
from backoffice.tasks.listing import groups_of
from backoffice.tasks.queries import task_detail


def routes() -> list[Route]:
    return [Route("/task/{task_id:path}/file/{file_id}", download, methods=["GET"])]


async def download(request: Request) -> Response:
    inbox: Inbox = request.app.state.inbox
    user = signed_in(inbox, request)
    if isinstance(user, Response):
        return user
    task_id, file_id = request.path_params["task_id"], request.path_params["file_id"]
    detail = await run_in_threadpool(task_detail, inbox.engine, task_id)
    if detail is None:
        return inbox.render(request, "missing.html", status=404, user=user, task_id=task_id)
    groups = await run_in_threadpool(groups_of, inbox.engine, user)
    if not may_see(detail, user, groups):
        return inbox.render(request, "missing.html", status=403, user=user, task_id=task_id)
    found = await run_in_threadpool(uploads.find, inbox.settings, task_id, file_id)
    if found is None:
        return inbox.render(request, "missing.html", status=404, user=user, task_id=task_id)
    return FileResponse(
        found.path,
        media_type=str(found.reference.get("content_type") or "application/octet-stream"),
        filename=str(found.reference["name"]),
        content_disposition_type="attachment",  # never shown inline: no upload runs here
    )
