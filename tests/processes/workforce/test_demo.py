"""``backoffice demo --pack workforce`` in a running stack: a dev server with its Web UI, the
real worker with the shipped definitions, the inbox, and the identity provider, HRIS, asset
register and screening vendor on 127.0.0.1. Every hire and leaver of the batch starts, the
sandbox systems are made ready as each case needs, and the links printed open in Chromium.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import expect
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.workforce.demo import hires, leavers
from backoffice import registry, runtime, search_attributes
from backoffice.cli.demo import missing_systems, run_demo
from backoffice.engine.contracts import TASKS_QUERY, TaskView
from backoffice.engine.runs import RunError
from backoffice.inbox import create_app as inbox_app
from backoffice.packs import pack_named
from backoffice.people.store import load_directory, read_directory_file
from backoffice.serving import EmbeddedServer
from backoffice.settings import Settings, interpreter_bin_dir, load_settings
from backoffice.worker import build_workers
from bots.kit.browser import close_pool
from sandbox.assets.app import create_app as assets_app
from sandbox.hris.app import create_app as hris_app
from sandbox.idp.app import create_app as idp_app
from sandbox.screening.app import create_app as screening_app
from tests.inbox.conftest import PASSWORD
from tests.support.browser import chromium
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.payload_keys import CONVERTER
from tests.support.records import records_environ, upgraded
from tests.support.sandbox_servers import serve_app

ROOT = Path(__file__).resolve().parents[3]
CREDENTIALS = {"idp": "idp-scim", "hris": "hris-api", "assets": "assets-api",
               "screening": "screening-api"}  # fmt: skip
WAIT = 120.0  # seconds: eleven runs through one worker, under load
BATCH = "WD1"


@dataclass
class Stack:
    env: WorkflowEnvironment
    settings: Settings
    urls: dict[str, str]
    ui_port: int


@pytest_asyncio.fixture
async def ui_env() -> AsyncIterator[tuple[WorkflowEnvironment, int]]:
    """A dev server with its Web UI (the session's has none)."""
    ui_port = free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=CONVERTER,
        ui=True,
        ui_port=ui_port,
    )
    try:
        yield env, ui_port
    finally:
        await env.shutdown()


@pytest_asyncio.fixture
async def stack(ui_env: tuple[WorkflowEnvironment, int], tmp_path: Path) -> AsyncIterator[Stack]:
    env, ui_port = ui_env
    tokens = {system: secrets.token_urlsafe(16) for system in CREDENTIALS}
    data = tmp_path / "sandbox"
    data.mkdir()
    with ExitStack() as servers:
        apps = {
            "idp": idp_app(data, {"backoffice": tokens["idp"]}),
            "hris": hris_app(data, {"backoffice": tokens["hris"]}),
            "assets": assets_app(data, {"backoffice": tokens["assets"]}),
            "screening": screening_app(data, {"backoffice": tokens["screening"]}),
        }
        urls = {name: servers.enter_context(serve_app(app)) for name, app in apps.items()}
        inbox_port = free_port()
        state = tmp_path / "state"
        settings = load_settings(
            {
                "BACKOFFICE_STATE_DIR": str(state),
                "PATH": "/usr/bin:/bin",
                "BACKOFFICE_SYSTEMS": json.dumps(
                    {
                        name: {"url": url, "credential": CREDENTIALS[name]}
                        for name, url in urls.items()
                    }
                ),
                **{
                    f"BACKOFFICE_SECRET_{CREDENTIALS[name].upper().replace('-', '_')}_TOKEN": token
                    for name, token in tokens.items()
                },
                "BACKOFFICE_TASK_QUEUE": f"test-{uuid.uuid4().hex}",
                "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "5",
                "BACKOFFICE_DEFINITIONS_DIR": str(ROOT / "definitions"),
                "BACKOFFICE_INBOX_URL": f"http://127.0.0.1:{inbox_port}",
                "BACKOFFICE_TEMPORAL_UI_URL": f"http://localhost:{ui_port}",
                **records_environ(state),
            }
        )
        runtime.use(settings)
        load_directory(upgraded(settings), read_directory_file(ROOT / "directory" / "people.yaml"))
        async with AsyncExitStack() as running:
            for worker in build_workers(env.client, settings, registry.discover()):
                await running.enter_async_context(worker)
            running.push_async_callback(close_pool)
            inbox = EmbeddedServer(inbox_app(settings, env.client), "127.0.0.1", inbox_port)
            await inbox.start()
            running.push_async_callback(inbox.stop)
            try:
                yield Stack(env, settings, urls, ui_port)
            finally:
                for execution in [e async for e in env.client.list_workflows(
                    f"TaskQueue = '{settings.task_queue}' AND ExecutionStatus = 'Running'"
                )]:  # fmt: skip
                    with contextlib.suppress(Exception):
                        await env.client.get_workflow_handle(execution.id).terminate("test over")
        runtime.use(load_settings({}))


async def admin(stack: Stack, system: str, path: str) -> Any:
    async with httpx.AsyncClient(base_url=stack.urls[system], timeout=10) as http:
        answer = await http.get(f"/__admin/{path}")
    answer.raise_for_status()
    return answer.json()


async def open_task(env: WorkflowEnvironment, workflow_id: str) -> TaskView:
    handle = env.client.get_workflow_handle(workflow_id)

    async def opened() -> TaskView | None:
        views = await handle.query(TASKS_QUERY, result_type=list[TaskView])
        return views[-1] if views and views[-1].deciders is not None else None

    return await eventually(opened, f"{workflow_id} to open a task", within=WAIT)


async def test_the_workforce_batch_starts_every_hire_and_leaver_with_links_that_open(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    env, settings = stack.env, stack.settings
    await run_demo(settings, env.client, BATCH, "workforce")
    out = capsys.readouterr().out
    today = date.today()
    onboardings = [case for case, _ in hires(BATCH, today)]
    offboardings = [case for case, _ in leavers(BATCH, today)]
    assert (len(onboardings), len(offboardings)) == (6, 5)
    for case in onboardings + offboardings:
        assert f"  {case.workflow_id}  {case.path}: " in out, case.path
        described = await env.client.get_workflow_handle(case.workflow_id).describe()
        assert described.status == WorkflowExecutionStatus.RUNNING, case.workflow_id

    # The screening vendor answers each candidate as the case says, set before the start.
    outcomes = (await admin(stack, "screening", "outcomes"))["by_reference"]
    by_reference = {row["reference"]: row["outcome"] for row in outcomes}
    chosen = {case.path: by_reference[case.key] for case in onboardings}
    assert chosen["adverse background check"] == "adverse"
    assert chosen["check that never answers"] == "never"
    assert chosen["happy onboarding"] == "clear"

    # The compressed start waits on the HR manager; every leaver first on HR's confirmation.
    compressed = next(case for case in onboardings if case.path == "compressed start")
    task = await open_task(env, compressed.workflow_id)
    assert (task.step_id, set(task.deciders or {})) == ("compressed", {"henrik"})
    for case in offboardings:
        task = await open_task(env, case.workflow_id)
        assert (task.task_id, set(task.deciders or {})) == (
            f"{case.workflow_id}/confirm",
            {"hanna"},
        )
    # Both withdrawals were sent, and kept for the step that waits for them.
    assert out.count("      sent   ") == 2, out
    assert "sent   resignation_withdrawn: kept:" in out or "resignation_withdrawn: delivered" in out

    # The leavers' accounts are in the identity provider, each laptop with its leaver.
    state = json.dumps(await admin(stack, "idp", "state"))
    assert "laura.fischer@acme.example" in state
    assert "jordan.miller@acme.example" in state
    holders = json.dumps(await admin(stack, "assets", "state"))
    assert "EMP-0208" in holders  # the voluntary leaver's laptop, assigned by the demo

    inbox_link = re.search(r"inbox  (http://\S+/task/offboarding\S+)", out)  # hanna's
    ui_link = re.search(r"Temporal UI  (http://\S+)  \(the hires\)", out)
    assert inbox_link, out
    assert ui_link, out
    async with chromium() as browser:
        page = await (await browser.new_context()).new_page()
        await page.goto(inbox_link.group(1))  # asks to sign in, then opens the task
        await page.get_by_label("User name").fill("hanna")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_test_id("task-status")).to_have_text("open", timeout=30_000)
        await page.goto(ui_link.group(1))
        await expect(page.get_by_text(onboardings[0].workflow_id).first).to_be_visible(
            timeout=30_000
        )


async def test_a_missing_sandbox_system_is_named_and_nothing_is_started(stack: Stack) -> None:
    no_screening = stack.settings.model_copy(
        update={"systems": {k: v for k, v in stack.settings.systems.items() if k != "screening"}}
    )
    with pytest.raises(RunError, match="the demo needs the sandbox system 'screening'"):
        await run_demo(no_screening, stack.env.client, "WD2", "workforce")
    started = [e async for e in stack.env.client.list_workflows(
        f"TaskQueue = '{stack.settings.task_queue}'"
    )]  # fmt: skip
    assert started == []


def test_a_stack_without_the_api_systems_is_told_which_the_workforce_batch_needs() -> None:
    # `backoffice demo` over every pack skips the workforce batch there, naming these.
    erp_only = json.dumps({"erp": {"url": "http://127.0.0.1:8301", "credential": "erp-bot"}})
    settings = load_settings({"BACKOFFICE_SYSTEMS": erp_only, "PATH": "/usr/bin:/bin"})
    workforce = pack_named("workforce", settings.plugins)
    assert missing_systems(settings, workforce) == ["idp", "hris", "assets", "screening"]
    assert missing_systems(load_settings({"PATH": "/usr/bin:/bin"}), workforce) == []
