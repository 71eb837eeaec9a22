"""The HRIS, the asset register and the screening vendor served on 127.0.0.1, and a real
worker whose definitions call their activities (``hris.*``, ``assets.*``, ``screening.*``).

The tokens reach the activities the way they do in production: named by each system's
credential in the settings, read from the secret store (here the environment).
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from backoffice import registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.events.activities import subscribe_to_event
from backoffice.registry import Registry
from backoffice.settings import Settings, load_settings
from backoffice.worker import workflow_runner
from sandbox.assets.app import create_app as assets_app
from sandbox.hris.app import create_app as hris_app
from sandbox.screening.app import create_app as screening_app
from sandbox.screening.vendor import OutcomeSetting
from tests.support.processes import write_definition
from tests.support.records import records_environ, upgraded
from tests.support.sandbox_servers import serve_app
from workflows.process import ProcessWorkflow

PACK_PREFIXES = ("hris.", "assets.", "screening.")
CREDENTIALS = {"hris": "hris-api", "assets": "assets-api", "screening": "screening-api"}


@dataclass
class Apis:
    client: Client
    settings: Settings
    urls: dict[str, str]
    tokens: dict[str, str]
    directory: Path
    task_queue: str
    definitions: Definitions

    def admin(self, system: str, method: str, path: str, **options: Any) -> Any:
        answer = httpx.request(method, f"{self.urls[system]}/__admin/{path}", **options)
        answer.raise_for_status()
        return answer.json()

    def api(self, system: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[system]}"}
        return httpx.Client(base_url=self.urls[system], headers=headers, timeout=10)

    def define(self, text: str) -> str:
        name = write_definition(self.directory, text)
        self.definitions = Definitions(self.directory, self.definitions.catalog)
        return name

    async def start(self, name: str, data: Any) -> WorkflowHandle[Any, Any]:
        return await start_process(
            self.client, name, data, task_queue=self.task_queue, definitions=self.definitions
        )

    async def run(self, name: str, data: Any) -> Any:
        return await (await self.start(name, data)).result()


def pack_registry() -> Registry:
    """The engine's registry holding only the activities of these three systems."""
    found = registry.discover()
    mine = Registry()
    for queue in found.queues():
        for fn in found.activities_for(queue):
            if registry.activity_name(fn).startswith(PACK_PREFIXES):
                mine.add_activity(fn, errors=found.errors_of(fn))
    return mine


@asynccontextmanager
async def workforce_apis(client: Client, tmp_path: Path, **environ: str) -> AsyncIterator[Apis]:
    """The three systems (fresh data in ``tmp_path``), their activities in a real worker."""
    tokens = {system: secrets.token_urlsafe(16) for system in CREDENTIALS}
    with ExitStack() as stack:
        apps = {
            "hris": hris_app(tmp_path, {"backoffice": tokens["hris"]}),
            "assets": assets_app(tmp_path, {"backoffice": tokens["assets"]}),
            # Each test chooses when a check completes: none does by itself.
            "screening": screening_app(
                tmp_path, {"backoffice": tokens["screening"]},
                default_outcome=OutcomeSetting(outcome="never"),
            ),
        }  # fmt: skip
        urls = {name: stack.enter_context(serve_app(app)) for name, app in apps.items()}
        state = tmp_path / "state"
        systems = {
            name: {"url": url, "credential": CREDENTIALS[name]} for name, url in urls.items()
        }
        settings = load_settings(
            {
                "BACKOFFICE_STATE_DIR": str(state),
                "PATH": "/usr/bin:/bin",
                "BACKOFFICE_SYSTEMS": json.dumps(systems),
                **{
                    f"BACKOFFICE_SECRET_{CREDENTIALS[name].upper().replace('-', '_')}_TOKEN": token
                    for name, token in tokens.items()
                },
                **records_environ(state),
                **environ,
            }
        )
        runtime.use(settings)
        upgraded(settings)
        found = pack_registry()
        queue = f"test-{uuid.uuid4().hex}"
        activities = [fn for q in found.queues() for fn in found.activities_for(q)]
        directory = tmp_path / "definitions"
        directory.mkdir()
        async with Worker(
            client,
            task_queue=queue,
            workflows=[ProcessWorkflow],
            activities=[*activities, subscribe_to_event],
            workflow_runner=workflow_runner(registry.discover()),
        ):
            yield Apis(
                client, settings, urls, tokens, directory, queue,
                Definitions(directory, build_catalog(found)),
            )  # fmt: skip
        runtime.use(load_settings({}))
