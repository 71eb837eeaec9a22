"""Scenario decisions of guest tasks and of file fields.

A guest is outside the directory, so a scenario names them as ``by: guest``: the
rehearsal decides as the task's guest, as their link would. A file field is given by
its name (``fields: {evidence: {name: disable.png}}``): no file is uploaded in a
rehearsal, so the decision holds a made-up reference with that name, as the process
reads a real one.
"""

from __future__ import annotations

import hashlib
from typing import Any

from backoffice.engine.contracts import TaskView
from backoffice.language import model

GUEST = "guest"


def guest_of(view: TaskView) -> str | None:
    """The guest who decides the task, as the run names them (``guest:3fa2...``)."""
    return next((who for who in view.deciders or {} if who.startswith("guest:")), None)


def who_decides(by: str | None, view: TaskView) -> str | None:
    """The person a scenario means: ``guest`` is the task's guest (None if it has none)."""
    return guest_of(view) if by == GUEST else by


def rehearsed_files(form: model.Form, fields: dict[str, Any]) -> dict[str, Any]:
    """A scenario's file fields (a name, or {name: ...}) as the references a decision holds."""
    files = {field.id for field in form.fields if field.type == "file"}
    given = dict(fields)
    for name in files & set(given):
        value = given[name]
        if isinstance(value, str):
            value = {"name": value}
        if isinstance(value, dict) and "file_id" not in value:
            file_name = str(value.get("name") or f"{name}.bin")
            digest = hashlib.sha256(f"rehearsal\n{name}\n{file_name}".encode()).hexdigest()
            given[name] = {
                "file_id": f"rehearsal-{digest[:16]}",
                "name": file_name,
                "size": int(value.get("size", 0)),
                "sha256": digest,
                "content_type": str(value.get("content_type", "application/octet-stream")),
            }
    return given
