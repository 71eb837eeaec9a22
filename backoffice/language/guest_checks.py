"""Checks of tasks decided by a guest, and of file fields, that the model alone cannot make.

A guest (``assignees: [{guest: {email: ..., name: ...}}]``) is someone outside the
directory who decides through a link of their own. Their task is theirs alone: one
assignee, one approval, no escalation that hands it to other people, and no guest
anywhere a directory person is meant (reassigners, notify, repair_by, or_else). Each
message says what to write instead.
"""

from __future__ import annotations

from backoffice.language import model
from backoffice.language.problems import Reporter
from backoffice.language.source import Path


def guest_out_of_place(path: Path) -> str | None:
    """Why a guest rule cannot stand at ``path``, or None where it can (a task's assignees)."""
    if len(path) >= 2 and path[-2] == "assignees":
        return None
    return (
        "a guest decides a task of their own through the link mailed to them, so guest: goes "
        "only under a task's assignees. Here name people of the directory instead "
        "(user:, group:, role:)"
    )


def is_guest_task(task: model.HumanTask) -> bool:
    return any(assignee.guest is not None for assignee in task.assignees)


def check_guest_task(reporter: Reporter, path: Path, task: model.HumanTask) -> None:
    """Report what a guest task may not have; ``path`` is the task's."""
    if not is_guest_task(task):
        return
    if len(task.assignees) > 1:
        reporter.at(
            (*path, "assignees"),
            "a task with a guest has the guest as its only assignee: nobody signed in to the "
            "inbox decides it. Give the directory's people a task of their own before or after it",
        )
    if task.approvals != 1:
        reporter.at(
            (*path, "approvals"),
            "a guest task is decided by its one guest: leave approvals out (it is 1)",
        )
    for index, escalation in enumerate(task.escalations):
        for group in ("add", "replace"):
            if getattr(escalation, group):
                reporter.at(
                    (*path, "escalations", index, group),
                    "nobody but the guest may decide a guest task, so an escalation cannot "
                    f"{group} deciders: use notify: to tell people the guest has not answered",
                )


def check_file_fields(reporter: Reporter, path: Path, form: model.Form) -> None:
    """A file field is a field of the form itself, never a column of a list field."""
    for index, field in enumerate(form.fields):
        for number, column in enumerate(field.fields or []):
            if column.type == "file":
                reporter.at(
                    (*path, "fields", index, "fields", number, "type"),
                    f"column '{column.id}' of list field '{field.id}' cannot be a file: each "
                    "upload is a field of the form of its own (type: file)",
                )
