"""Where the running ``backoffice dev`` serves, for the commands typed in another terminal.

``backoffice dev --ui-port 9233 --inbox-port 9280`` moves the Web UI and the inbox; the
links that ``start``, ``status``, ``tasks`` or a mail print must follow them without the
user repeating the ports. ``dev`` writes its addresses to ``STATE_DIR/dev-stack.json``
while it runs; other commands with the same state directory read them, unless the user set
``BACKOFFICE_TEMPORAL_UI_URL`` or ``BACKOFFICE_INBOX_URL``, which always win.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from backoffice.settings import Settings

FILE_NAME = "dev-stack.json"


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


def running(settings: Settings) -> RunningStack | None:
    """The stack a live ``backoffice dev`` announced in this state directory, if any."""
    try:
        stack = RunningStack.model_validate_json(stack_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValidationError, json.JSONDecodeError):
        return None
    try:
        os.kill(stack.pid, 0)  # signal 0 only asks whether the process lives
    except ProcessLookupError:
        return None  # left behind by a dev that was killed
    except PermissionError:
        pass  # alive, but another user's
    return stack


def with_running_stack(settings: Settings) -> Settings:
    """``settings`` with the running dev stack's links, where the user set none."""
    stack = running(settings)
    if stack is None:
        return settings
    update: dict[str, str] = {}
    if "temporal_ui_url" not in settings.model_fields_set:
        update["temporal_ui_url"] = stack.ui_url
    if "inbox_url" not in settings.model_fields_set:
        update["inbox_url"] = stack.inbox_url
    return settings.model_copy(update=update) if update else settings
