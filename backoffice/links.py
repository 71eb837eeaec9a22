"""The links people click: a task in the inbox, a run in the Temporal Web UI.

Ids travel whole only when every part of them is percent-encoded. Task ids hold ``/`` and
``#`` (``invoice-approval/INV-1/approval#0/approve_owner``): a bare ``#`` starts a
fragment, so the browser would drop the rest; a bare ``/`` in a workflow id makes the Web
UI answer 400. Business keys come from input and may hold anything (``..``, ``?``, ``%``):
encoding ``/`` too keeps a key like ``a/../b`` from being folded by the browser. Every
link to a task, a group's queue or a run, and a list's address with its filters, is
built here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

TASK_PREFIX = "/task/"
QUEUE_PREFIX = "/queue/"


def _part(text: str) -> str:
    return quote(text, safe="")


def task_path(task_id: str) -> str:
    """The inbox's path of a task, e.g. ``/task/invoice-approval%2FINV-1%2Fapprove``."""
    return TASK_PREFIX + _part(task_id)


def task_action_path(task_id: str, action: str) -> str:
    """Where a task's form posts: ``/task/<encoded id>/decide`` and the like."""
    return f"{task_path(task_id)}/{action}"


def queue_path(group: str) -> str:
    """The inbox's page of a group's queue, e.g. ``/queue/ap-clerks``."""
    return QUEUE_PREFIX + _part(group)


def list_path(path: str, query: Mapping[str, str]) -> str:
    """A list page with its filters as query parameters (so it can be bookmarked)."""
    return f"{path}?{urlencode(query)}" if query else path


def task_url(inbox_url: str, task_id: str) -> str:
    """The full link to a task in the inbox at ``inbox_url`` (for mails and the CLI)."""
    return inbox_url.rstrip("/") + task_path(task_id)


def run_url(ui_url: str, namespace: str, workflow_id: str, run_id: str | None) -> str:
    """The run's page in the Temporal Web UI.

    The UI routes a run by namespace, workflow id and run id. Without the run id (not known
    where the link is made) the link opens the UI's list of runs with that workflow id,
    newest first, one click from the run.
    """
    base = f"{ui_url.rstrip('/')}/namespaces/{_part(namespace)}/workflows"
    if run_id:
        return f"{base}/{_part(workflow_id)}/{_part(run_id)}/history"
    return f"{base}?query={_part(runs_query(workflow_id))}"


def runs_query(workflow_id: str) -> str:
    """The Web UI's list query for the runs of one workflow id."""
    return f"WorkflowId = {query_text(workflow_id)}"


def query_text(text: str) -> str:
    """``text`` as a quoted value of a visibility query."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def runs_list_url(ui_url: str, namespace: str, query: str | None = None) -> str:
    """The Web UI's list of runs, filtered by a visibility ``query`` when given."""
    base = f"{ui_url.rstrip('/')}/namespaces/{_part(namespace)}/workflows"
    return f"{base}?query={_part(query)}" if query else base
