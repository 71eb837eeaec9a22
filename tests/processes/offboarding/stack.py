"""Every system an offboarding touches, served on 127.0.0.1, and the real worker.

The identity provider runs as its own process (``python -m sandbox idp``), the HRIS and
the asset register are their apps served in threads, and the HR intranet is the legacy
sandbox the HR bots drive in Chromium. The worker is the one ``backoffice worker`` builds,
on a time-skipping server of the test's own: the day until the access check passes only
when a test sleeps. The leaver and the manager have accounts on the identity provider,
made through its SCIM API as the onboarding made them.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.workforce.records import IncidentRow
from backoffice import database, registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.contracts import TASKS_QUERY, Decision, TaskView
from backoffice.engine.runs import Definitions, progress, start_process
from backoffice.mail import MailSink
from backoffice.people.store import load_directory, read_directory_file
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from backoffice.tasks import actions
from backoffice.tasks.queries import task_detail
from backoffice.worker import build_workers
from bots.kit.browser import close_pool
from legacy import create_app as legacy_app
from legacy import seed
from sandbox.assets.app import create_app as assets_app
from sandbox.hris.app import create_app as hris_app
from tests.processes.invoice_approval.conftest import between_activities
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.records import records_environ, upgraded
from tests.support.sandbox_servers import serve_app
from tests.support.sandboxes import start_sandbox

ROOT = Path(__file__).resolve().parents[3]
WAIT = 120.0  # seconds: a bound on every wait here, never a measure of speed
CREDENTIALS = {"idp": "idp-scim", "hris": "hris-api", "assets": "assets-api"}
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Offboarding:
    env: WorkflowEnvironment
    settings: Settings
    definitions: Definitions
    engine: Engine
    urls: dict[str, str]
    tokens: dict[str, str]
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    def define(self, text: str, name: str) -> None:
        """Add a definition of another process next to the shipped offboarding."""
        (self.definitions.directory / f"{name}.yaml").write_text(text, encoding="utf-8")
        self.definitions = Definitions(self.definitions.directory, self.definitions.catalog)

    async def start(self, process: str, data: dict[str, Any]) -> WorkflowHandle[Any, Any]:
        handle = await start_process(
            self.env.client, process, data,
            task_queue=self.settings.task_queue, definitions=self.definitions,
        )  # fmt: skip
        self.started.append(handle)
        return handle

    # --- the systems' own state
    def api(self, system: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[system]}"}
        return httpx.Client(base_url=self.urls[system], headers=headers, timeout=10)

    def idp_state(self) -> Any:
        answer = httpx.get(f"{self.urls['idp']}/__admin/state", timeout=10)
        answer.raise_for_status()
        return answer.json()

    def idp_user(self, user_name: str) -> dict[str, Any]:
        found = [u for u in self.idp_state()["users"] if u["user_name"] == user_name]
        assert len(found) == 1, f"{user_name} on the identity provider: {found}"
        return dict(found[0])

    def make_user(self, user_name: str, given: str, family: str) -> str:
        """An active account on the identity provider, as the onboarding left it; its id."""
        body = {
            "schemas": [SCIM_USER],
            "userName": user_name,
            "externalId": f"E2E-{uuid.uuid4().hex[:8]}",
            "name": {"givenName": given, "familyName": family},
            "displayName": f"{given} {family}",
            "emails": [{"value": user_name, "primary": True}],
            "active": True,
        }
        with self.api("idp") as idp:
            answer = idp.post("/scim/v2/Users", json=body)
        assert answer.status_code == 201, answer.text
        return str(answer.json()["id"])

    def set_active(self, user_id: str, active: bool) -> None:
        body = {"schemas": [SCIM_PATCH],
                "Operations": [{"op": "replace", "path": "active", "value": active}]}  # fmt: skip
        with self.api("idp") as idp:
            answer = idp.patch(f"/scim/v2/Users/{user_id}", json=body)
        assert answer.status_code in (200, 204), f"{answer.status_code} {answer.text}"

    def sign_in(self, user_name: str, application: str) -> None:
        answer = httpx.post(
            f"{self.urls['idp']}/__admin/sign-in",
            json={"application": application, "user_name": user_name},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text

    def live_grants(self, user_id: str) -> list[dict[str, Any]]:
        """What the applications still honour for the user: sessions and refresh tokens."""
        logins: list[dict[str, Any]] = []
        with self.api("idp") as idp:
            for application in idp.get("/apps").raise_for_status().json()["applications"]:
                answer = idp.get(f"/apps/{application}/users/{user_id}/logins")
                answer.raise_for_status()
                logins += [{"application": application, **login}
                           for login in answer.json()["logins"]]  # fmt: skip
        return logins

    def statement(self, separation_id: str) -> dict[str, Any]:
        answer = httpx.get(f"{self.urls['hris']}/__admin/state", timeout=10)
        answer.raise_for_status()
        found = [s for s in answer.json()["statements"] if s["separation_id"] == separation_id]
        assert len(found) == 1, found
        return dict(found[0])

    async def hr_count(self, kind: str, key: str, **filters: str) -> int:
        # The intranet is served on the test's own event loop: asked without blocking it.
        async with httpx.AsyncClient(base_url=self.urls["hr"], timeout=10) as client:
            answer = await client.get(
                "/__admin/count", params={"kind": kind, "key": key, **filters}
            )
        answer.raise_for_status()
        count: int = answer.json()["count"]
        return count

    def incidents(self, employee_id: str) -> list[IncidentRow]:
        with Session(self.engine) as session:
            return list(
                session.exec(select(IncidentRow).where(IncidentRow.employee_id == employee_id))
            )

    # --- the run's tasks and steps
    async def task(self, handle: WorkflowHandle[Any, Any], step: str) -> TaskView:
        """The open task of a step, once its row is in the task table."""

        async def opened() -> TaskView | None:
            views = await handle.query(TASKS_QUERY, result_type=list[TaskView])
            mine = [v for v in views if v.status == "open" and v.step_id.rsplit("/", 1)[-1]
                    == step and v.deciders is not None]  # fmt: skip
            return mine[-1] if mine and task_detail(self.engine, mine[-1].task_id) else None

        return await eventually(opened, f"the task of step {step} to open", within=WAIT)

    async def decide(
        self,
        handle: WorkflowHandle[Any, Any],
        step: str,
        user: str,
        outcome: str,
        fields: dict[str, Any] | None = None,
    ) -> TaskView:
        view = await self.task(handle, step)
        decision = Decision(
            task_id=view.task_id, user=user, outcome=outcome, fields=fields or {}, via="test"
        )
        return await actions.decide(self.env.client, self.engine, decision)

    async def step(self, handle: WorkflowHandle[Any, Any], step: str) -> str:
        shown = await progress(self.env.client, handle.id)
        found = [s.status for s in shown.steps if step in (s.step_id, s.key.rsplit("/", 1)[-1])]
        return found[-1] if found else ""

    async def reached(self, handle: WorkflowHandle[Any, Any], step: str, *status: str) -> str:
        async def there() -> str | None:
            now = await self.step(handle, step)
            return now if now in status else None

        return await eventually(there, f"step {step} to be {' or '.join(status)}", within=WAIT)

    async def sleep(self, handle: WorkflowHandle[Any, Any], hours: float) -> None:
        """Let ``hours`` of workflow time pass, once no activity is in flight."""
        await between_activities(handle)
        await self.env.sleep(timedelta(hours=hours))
        await between_activities(handle)


def _environ(
    state: Path, urls: dict[str, str], tokens: dict[str, str], hr_password: str, **extra: str
) -> dict[str, str]:
    systems: dict[str, Any] = {
        name: {"url": urls[name], "credential": credential}
        for name, credential in CREDENTIALS.items()
    }
    systems["hr"] = {"url": urls["hr"], "credential": "hr-bot", "concurrency": 2,
                     "probe_seconds": 1}  # fmt: skip
    environ = {
        "BACKOFFICE_STATE_DIR": str(state),
        "BACKOFFICE_SYSTEMS": json.dumps(systems),
        "BACKOFFICE_TASK_QUEUE": f"test-{uuid.uuid4().hex}",
        "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "5",
        "BACKOFFICE_BOT_NAVIGATION_TIMEOUT_SECONDS": "8",
        "BACKOFFICE_BOT_ACTION_TIMEOUT_SECONDS": "8",
        "BACKOFFICE_SECRET_HR_BOT_USERNAME": "bot-hr",
        "BACKOFFICE_SECRET_HR_BOT_PASSWORD": hr_password,
        "PATH": "/usr/bin:/bin",
        **records_environ(state),
        **extra,
    }
    for name, credential in CREDENTIALS.items():
        environ[f"BACKOFFICE_SECRET_{credential.upper().replace('-', '_')}_TOKEN"] = tokens[name]
    return environ


@asynccontextmanager
async def offboarding_stack(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Offboarding]:
    tokens = {name: secrets.token_urlsafe(16) for name in CREDENTIALS}
    hr_password = secrets.token_urlsafe(12)
    state = tmp_path / "state"
    # The shipped definition as it is, in a directory a test may add another process to.
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    shutil.copy(ROOT / "definitions" / "offboarding.yaml", definitions / "offboarding.yaml")
    async with AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        urls["idp"] = stack.enter_context(start_sandbox("idp", tmp_path, token=tokens["idp"])).url
        urls["hris"] = stack.enter_context(
            serve_app(hris_app(tmp_path, {"backoffice": tokens["hris"]}))
        )
        urls["assets"] = stack.enter_context(
            serve_app(assets_app(tmp_path, {"backoffice": tokens["assets"]}))
        )
        legacy = tmp_path / "legacy"
        seed("hr", legacy, users={"bot-hr": hr_password})
        hr = EmbeddedServer(legacy_app("hr", legacy), "127.0.0.1", free_port(), name="hr")
        await hr.start()
        stack.push_async_callback(hr.stop)
        urls["hr"] = f"http://127.0.0.1:{hr.port}"

        mail = MailSink(state / "mail", free_port())
        mail.start()
        stack.callback(mail.stop)
        settings = load_settings(
            _environ(
                state, urls, tokens, hr_password,
                BACKOFFICE_SMTP_URL=mail.url,
                BACKOFFICE_DEFINITIONS_DIR=str(definitions),
            )
        )  # fmt: skip
        runtime.use(settings)
        engine = upgraded(settings)
        load_directory(engine, read_directory_file(ROOT / "directory" / "people.yaml"))

        found = registry.discover()
        for worker in build_workers(env.client, settings, found):
            await stack.enter_async_context(worker)
        stack.push_async_callback(close_pool)
        offboarding = Offboarding(
            env, settings, Definitions(definitions, build_catalog(found)),
            database.engine(settings), urls, tokens,
        )  # fmt: skip
        try:
            yield offboarding
        finally:
            # A run is ended between its activities: one ended with an activity in flight
            # stops the time-skipping server's clock.
            for handle in offboarding.started:
                await between_activities(handle)
                with contextlib.suppress(Exception):
                    await handle.terminate("test over")
            runtime.use(load_settings({}))
