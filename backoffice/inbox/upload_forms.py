"""Keeping the uploads of a task's form while it is read (file fields).

Each upload goes to the artifacts store under its task, and the decision holds only its
reference; a file too big is refused with the field's name, as any field's problem is.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from backoffice.inbox.forms import FileKeeper, FormProblem
from backoffice.settings import Settings
from backoffice.tasks import uploads


def keeper(settings: Settings, task_id: str) -> FileKeeper:
    """What keeps the uploads of one task's form (raising FormProblem when refused)."""

    def keep(spec: dict[str, Any], upload: UploadFile) -> dict[str, Any]:
        label = spec.get("label") or spec["id"]
        try:
            return uploads.store(
                settings,
                task_id,
                label,
                upload.filename or "file",
                upload.content_type or "",
                upload.file,
            )
        except uploads.UploadRefused as refused:
            raise FormProblem(str(refused)) from None

    return keep


async def close_form(request: Request) -> None:
    """Close the uploads a posted form spooled to disk (Starlette keeps them open)."""
    form = getattr(request, "_form", None)
    if form is not None:
        await form.close()
