"""Where the running ``backoffice dev`` serves, for the commands typed in another terminal.

``backoffice dev --ui-port 9233 --inbox-port 9280`` moves the Web UI and the inbox; the
links that ``start``, ``status``, ``tasks`` or a mail print must follow them without the
user repeating the ports. ``dev`` writes its addresses to ``STATE_DIR/dev-stack.json``
while it runs; other commands with the same state directory read them, unless the user set
``BACKOFFICE_TEMPORAL_UI_URL`` or ``BACKOFFICE_INBOX_URL``, which always win.

A command given ``--port`` talks to the stack on that port, which may keep its state
elsewhere (another directory, another terminal's settings): ``dev`` also writes its
addresses into its namespace's data on its Temporal server, where such a command reads
them, so ``backoffice demo --port 37233`` names that stack's inbox, not the default one.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError
from temporalio.api.namespace.v1 import UpdateNamespaceInfo
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest, UpdateNamespaceRequest
from temporalio.client import Client
from temporalio.service import RPCError

from backoffice.settings import Settings

FILE_NAME = "dev-stack.json"
NAMESPACE_KEY = "backoffice.dev-stack"  # in the namespace's data on the dev server


class RunningStack(BaseModel):
    pid: int
    temporal_address: str
    ui_url: str
    inbox_url: str


def stack_file(settings: Settings) -> Path:
    return settings.state_dir / FILE_NAME


def announce(settings: Settings, stack: RunningStack) -> None:
    path = stack_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stack.model_dump_json(indent=2), encoding="utf-8")


def withdraw(settings: Settings) -> None:
    path = stack_file(settings)
    with contextlib.suppress(OSError):
        if RunningStack.model_validate_json(path.read_text(encoding="utf-8")).pid == os.getpid():
            path.unlink()


async def announce_on_server(client: Client, stack: RunningStack) -> None:
    """Write ``stack`` into the namespace's data, for commands that reach it by its port."""
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=client.namespace,
            update_info=UpdateNamespaceInfo(data={NAMESPACE_KEY: stack.model_dump_json()}),
        )
    )


async def served_by(client: Client) -> RunningStack | None:
    """The live ``backoffice dev`` whose Temporal server ``client`` talks to, if any."""
    try:
        response = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=client.namespace)
        )
    except RPCError:
        return None
    return _live(response.namespace_info.data.get(NAMESPACE_KEY, ""))


def running(settings: Settings) -> RunningStack | None:
    """The stack a live ``backoffice dev`` announced in this state directory, if any."""
    try:
        return _live(stack_file(settings).read_text(encoding="utf-8"))
    except OSError:
        return None


def _live(text: str) -> RunningStack | None:
    try:
        stack = RunningStack.model_validate_json(text)
    except (ValidationError, json.JSONDecodeError):
        return None
    try:
        os.kill(stack.pid, 0)  # signal 0 only asks whether the process lives
    except ProcessLookupError:
        return None  # left behind by a dev that was killed
    except PermissionError:
        pass  # alive, but another user's
    return stack


async def with_stack_on_port(settings: Settings, client: Client) -> Settings:
    """``settings`` with the links of the dev stack ``client`` reached by ``--port``.

    That stack's word wins over the state directory's, which may be another stack's;
    a server no ``backoffice dev`` announced itself on leaves the state directory's.
    """
    stack = await served_by(client)
    return with_running_stack(settings) if stack is None else following(settings, stack)


def with_running_stack(settings: Settings) -> Settings:
    """``settings`` with the running dev stack's links, where the user set none."""
    stack = running(settings)
    if stack is None:
        return settings
    return following(settings, stack)


def following(settings: Settings, stack: RunningStack) -> Settings:
    """``settings`` with ``stack``'s links, where the user set none."""
    update: dict[str, str] = {}
    if "temporal_ui_url" not in settings.model_fields_set:
        update["temporal_ui_url"] = stack.ui_url
    if "inbox_url" not in settings.model_fields_set:
        update["inbox_url"] = stack.inbox_url
    return settings.model_copy(update=update) if update else settings
