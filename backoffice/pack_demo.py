"""What a pack's demo batch is given: the running stack, and the engine's ways to start runs.

``backoffice demo`` (and ``backoffice dev --demo``) hands a pack's demo a
:class:`DemoContext`, so the demo starts runs exactly as the command line does (validated,
keyed, with search attributes) without importing the engine's insides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import typer
from temporalio.client import Client

from backoffice.catalog import build_catalog
from backoffice.engine.contracts import Progress
from backoffice.engine.runs import Definitions, RunError, progress, send_event, start_process
from backoffice.links import runs_list_url, task_url
from backoffice.secrets import SecretNotFound, field_of, secret_store
from backoffice.settings import Settings

DemoError = RunError  # what a demo raises to stop with a message (and nothing started after)


@dataclass
class DemoContext:
    """The stack a demo runs in: its settings, its Temporal client, its definitions."""

    settings: Settings
    client: Client
    definitions: Definitions

    @classmethod
    def of(cls, settings: Settings, client: Client) -> DemoContext:
        catalog = build_catalog(plugins=settings.plugins)
        return cls(settings, client, Definitions(settings.definitions_dir, catalog))

    def check_definition(self, process: str) -> None:
        """Stop here, with validate's message, if the process's definition does not validate."""
        self.definitions.snapshot(process)

    async def start(self, process: str, data: dict[str, Any]) -> str:
        """Start one run of ``process`` and give its workflow id."""
        handle = await start_process(
            self.client,
            process,
            data,
            task_queue=self.settings.task_queue,
            definitions=self.definitions,
        )
        return handle.id

    async def progress(self, workflow_id: str) -> Progress:
        return await progress(self.client, workflow_id)

    def runs_url(self, query: str) -> str:
        """The Web UI's list of the runs a visibility query finds."""
        return runs_list_url(self.settings.temporal_ui_url, self.client.namespace, query)

    def system_url(self, system: str) -> str:
        """Where a legacy system the demo needs answers; DemoError if it is not configured."""
        found = self.settings.systems.get(system)
        if found is None:
            raise DemoError(
                f"the demo needs the sandbox system '{system}': run `backoffice dev` (without "
                f"--no-legacy) or name it under [backoffice.systems.{system}]"
            )
        return found.url.rstrip("/")

    async def send(self, workflow_id: str, event: str, data: dict[str, Any]) -> str:
        """Send a business event to a run, as ``backoffice send`` does; what became of it."""
        return await send_event(self.client, workflow_id, event, data, self.definitions)

    def task_url(self, task_id: str) -> str:
        """The inbox's page of a task (``<workflow id>/<step>``)."""
        return task_url(self.settings.inbox_url, task_id)

    def system_token(self, system: str) -> str:
        """The bearer token of a sandbox API system, from the secret store its credential names.

        A demo prepares what its cases need (an account, a laptop) through the system's API,
        as the activities would; the token is used, never shown.
        """
        self.system_url(system)  # a system that is not configured is told first
        credential = self.settings.systems[system].credential
        try:
            return field_of(secret_store(self.settings), credential, "token")
        except SecretNotFound as missing:
            raise DemoError(
                f"the demo cannot call the sandbox system '{system}': {missing}"
            ) from None

    @staticmethod
    def say(text: str) -> None:
        typer.echo(text)
