"""Every system the onboarding touches, served on 127.0.0.1, and the real worker.

The identity provider runs as its own process (``python -m sandbox idp``); the HRIS, the
asset register and the screening vendor are their Starlette apps served in threads; the HR
intranet is the legacy sandbox its bots drive in Chromium. The screening vendor posts its
results to the engine's event receiver, which is subscribed to it as ``backoffice dev``
does it. Mail goes to a sink on disk, and the inbox serves the guests' links. The worker is
the one ``backoffice worker`` builds, with the shipped definitions, on a time-skipping
server of the test's own: days pass only when a test sleeps, or awaits a run's end.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, select
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from activities.workforce.records import OnboardingRow
from backoffice import database, registry, runtime
from backoffice.catalog import build_catalog
from backoffice.engine.contracts import TASKS_QUERY, Decision, TaskView
from backoffice.engine.runs import Definitions, progress, start_process
from backoffice.events.receiver import create_receiver
from backoffice.inbox import create_app as inbox_app
from backoffice.mail import MailSink, read_mailbox
from backoffice.people.store import load_directory, read_directory_file
from backoffice.secrets import secret_store
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, load_settings
from backoffice.tasks import actions
from backoffice.tasks.queries import task_detail
from backoffice.tasks.store import TaskRow
from backoffice.worker import build_workers
from bots.kit.browser import close_pool
from legacy import create_app as legacy_app
from legacy import seed
from sandbox.assets.app import create_app as assets_app
from sandbox.hris.app import create_app as hris_app
from sandbox.screening.app import create_app as screening_app
from sandbox.screening.vendor import OutcomeSetting
from tests.processes.invoice_approval.conftest import between_activities
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.records import records_environ, upgraded
from tests.support.sandbox_servers import serve_app
from tests.support.sandboxes import start_sandbox

ROOT = Path(__file__).resolve().parents[3]
WAIT = 90.0  # seconds: a bound on every wait here, never a measure of speed
CREDENTIALS = {
    "idp": "idp-scim",
    "hris": "hris-api",
    "assets": "assets-api",
    "screening": "screening-api",
}


@dataclass
class Onboarding:
    env: WorkflowEnvironment
    settings: Settings
    definitions: Definitions
    engine: Engine
    urls: dict[str, str]
    tokens: dict[str, str]
    hr_password: str
    mail: MailSink
    today: date  # on the time-skipping server's clock
    started: list[WorkflowHandle[Any, Any]] = field(default_factory=list)

    async def start(self, data: dict[str, Any]) -> WorkflowHandle[Any, Any]:
        handle = await start_process(
            self.env.client,
            "onboarding",
            data,
            task_queue=self.settings.task_queue,
            definitions=self.definitions,
        )
        self.started.append(handle)
        return handle

    # --- the systems' own state
    def state(self, system: str) -> Any:
        answer = httpx.get(f"{self.urls[system]}/__admin/state", timeout=10)
        answer.raise_for_status()
        return answer.json()

    async def hr_count(self, kind: str, key: str, **filters: str) -> int:
        # The intranet is served on this test's own loop: asked without blocking it.
        async with httpx.AsyncClient(base_url=self.urls["hr"], timeout=10) as client:
            answer = await client.get(
                "/__admin/count", params={"kind": kind, "key": key, **filters}
            )
        answer.raise_for_status()
        count: int = answer.json()["count"]
        return count

    def idp_user(self, user_name: str) -> dict[str, Any] | None:
        found = [u for u in self.state("idp")["users"] if u["user_name"] == user_name]
        return found[0] if found else None

    def idp_groups_of(self, user_id: str) -> set[str]:
        return {g["display_name"] for g in self.state("idp")["groups"] if user_id in g["members"]}

    def laptop(self, holder_ref: str) -> dict[str, Any]:
        """The one assignment of the asset register to ``holder_ref``."""
        (found,) = [a for a in self.state("assets")["assignments"] if a["holder_ref"] == holder_ref]
        return dict(found)

    def register(self, onboarding_id: str) -> OnboardingRow | None:
        with Session(self.engine) as session:
            return session.exec(
                select(OnboardingRow).where(OnboardingRow.onboarding_id == onboarding_id)
            ).first()

    def choose_check_outcome(self, reference: str, outcome: str, after_seconds: float) -> None:
        setting = OutcomeSetting.model_validate(
            {"outcome": outcome, "after_seconds": after_seconds}
        )
        answer = httpx.put(
            f"{self.urls['screening']}/__admin/outcomes/{reference}",
            json=setting.model_dump(),
            timeout=10,
        )
        answer.raise_for_status()

    # --- tasks
    async def open_tasks(self, handle: WorkflowHandle[Any, Any]) -> list[TaskView]:
        views = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        return [v for v in views if v.status == "open"]

    async def task(self, handle: WorkflowHandle[Any, Any], step: str) -> TaskView:
        """The open task of a step, once its row is in the task table."""

        async def opened() -> TaskView | None:
            mine = [v for v in await self.open_tasks(handle) if v.step_id.endswith("/" + step)
                    or v.step_id == step]  # fmt: skip
            ready = mine and mine[-1].deciders is not None
            return mine[-1] if ready and task_detail(self.engine, mine[-1].task_id) else None

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

    async def guest_link(self, email: str, title: str) -> str:
        """The link mailed to a guest for the task whose title holds ``title``."""

        def link() -> str | None:
            for message in read_mailbox(self.mail.directory, email):
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                found = re.findall(r"https?://\S+/guest/\S+", str(body.get_content()))
                if title in str(message["Subject"]) and found:
                    return str(found[-1])
            return None

        return await eventually(link, f"the link of '{title}' in {email}'s mail", within=WAIT)

    def open_task_rows(self, handle: WorkflowHandle[Any, Any]) -> list[str]:
        """The steps of the run's tasks still open in the task table."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(TaskRow).where(TaskRow.workflow_id == handle.id, TaskRow.status == "open")
            ).all()
        return [row.step_id for row in rows]

    async def step_status(self, handle: WorkflowHandle[Any, Any], step: str) -> str:
        shown = await progress(self.env.client, handle.id)
        found = [s.status for s in shown.steps if s.key.rsplit("/", 1)[-1] == step]
        return found[-1] if found else ""

    async def reached(self, handle: WorkflowHandle[Any, Any], step: str, status: str) -> None:
        async def there() -> bool:
            return await self.step_status(handle, step) == status

        await eventually(there, f"step {step} of {handle.id} to be {status}", within=WAIT)

    async def sleep(self, handle: WorkflowHandle[Any, Any], days: float) -> None:
        """Let ``days`` of workflow time pass, once no activity is in flight."""
        await between_activities(handle)
        await self.env.sleep(timedelta(days=days))
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
        "BACKOFFICE_DEFINITIONS_DIR": str(ROOT / "definitions"),
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
async def onboarding_stack(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Onboarding]:
    tokens = {name: secrets.token_urlsafe(16) for name in CREDENTIALS}
    hr_password = secrets.token_urlsafe(12)
    webhook_secret = secrets.token_urlsafe(24)
    state = tmp_path / "state"
    async with AsyncExitStack() as stack:
        urls: dict[str, str] = {}
        idp = stack.enter_context(start_sandbox("idp", tmp_path, token=tokens["idp"]))
        urls["idp"] = idp.url
        apps = {
            "hris": hris_app(tmp_path, {"backoffice": tokens["hris"]}),
            "assets": assets_app(tmp_path, {"backoffice": tokens["assets"]}),
            "screening": screening_app(
                tmp_path, {"backoffice": tokens["screening"]},
                default_outcome=OutcomeSetting(outcome="never"),
            ),
        }  # fmt: skip
        for name, app in apps.items():
            urls[name] = stack.enter_context(serve_app(app))
        legacy = tmp_path / "legacy"
        seed("hr", legacy, users={"bot-hr": hr_password})
        hr = EmbeddedServer(legacy_app("hr", legacy), "127.0.0.1", free_port(), name="hr")
        await hr.start()
        stack.push_async_callback(hr.stop)
        urls["hr"] = f"http://127.0.0.1:{hr.port}"

        mail = MailSink(state / "mail", free_port())
        mail.start()
        stack.callback(mail.stop)
        inbox_port = free_port()
        settings = load_settings(
            _environ(
                state, urls, tokens, hr_password,
                BACKOFFICE_SMTP_URL=mail.url,
                BACKOFFICE_INBOX_URL=f"http://127.0.0.1:{inbox_port}",
                BACKOFFICE_SECRET_SCREENING_WEBHOOK_SECRET=webhook_secret,
            )
        )  # fmt: skip
        runtime.use(settings)
        engine = upgraded(settings)
        load_directory(engine, read_directory_file(ROOT / "directory" / "people.yaml"))

        inbox = EmbeddedServer(inbox_app(settings, env.client), "127.0.0.1", inbox_port)
        await inbox.start()
        stack.push_async_callback(inbox.stop)
        receiver_app = create_receiver(settings, env.client, engine, secret_store(settings))
        receiver = EmbeddedServer(receiver_app, "127.0.0.1", free_port(), name="receiver")
        await receiver.start()
        stack.push_async_callback(receiver.stop)
        async with httpx.AsyncClient(timeout=10) as client:
            subscribed = await client.put(
                f"{urls['screening']}/__admin/webhooks",
                json={
                    "url": f"http://127.0.0.1:{receiver.port}/events/screening",
                    "secret": webhook_secret,
                    "first_retry_seconds": 0.2,
                },
            )
        subscribed.raise_for_status()

        found = registry.discover()
        for worker in build_workers(env.client, settings, found):
            await stack.enter_async_context(worker)
        stack.push_async_callback(close_pool)
        today = (await env.get_current_time()).date()
        onboarding = Onboarding(
            env, settings, Definitions(ROOT / "definitions", build_catalog(found)),
            database.engine(settings), urls, tokens, hr_password, mail, today,
        )  # fmt: skip
        try:
            yield onboarding
        finally:
            # A run left waiting is ended between its activities: one ended with an
            # activity in flight stops the time-skipping server's clock.
            for handle in onboarding.started:
                await between_activities(handle)
                with contextlib.suppress(Exception):
                    await handle.terminate("test over")
            runtime.use(load_settings({}))
