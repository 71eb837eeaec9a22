"""Where a person looks: the Temporal Web UI in Chromium shows a run's input decoded to an
operator signed in to the inbox, and encrypted to anyone else."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, expect
from temporalio.client import Client

from backoffice import runtime
from backoffice.devstack import DevServer, find_temporal_binary
from backoffice.inbox import create_app
from backoffice.links import run_url
from backoffice.serving import EmbeddedServer
from tests.inbox.conftest import PASSWORD
from tests.support.browser import chromium
from tests.support.network import free_port
from tests.support.payload_keys import CONVERTER
from tests.support.processes import ProcessRunner, process_worker

pytestmark = pytest.mark.slow
IBAN = "DE89370400440532013000"
WAITING = """
name: payee-check
version: 1
title: Payee check
owner: tests
business_key: input.case
input:
  case: string
  iban: string
steps:
  - {id: receipt, title: Wait for the bank, wait: {event: bank_receipt, timeout: 10d}}
"""


@dataclass
class Stack:
    runner: ProcessRunner
    ui_url: str
    inbox_url: str


@pytest_asyncio.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """A dev server whose Web UI calls the inbox's codec endpoint, as ``backoffice dev`` runs."""
    inbox_port = free_port()
    inbox_url = f"http://localhost:{inbox_port}"
    server = DevServer(
        binary=find_temporal_binary({}),
        state_dir=tmp_path / "temporal",
        port=free_port(),
        ui_port=free_port(),
        codec_endpoint=f"{inbox_url}/codec",
    )
    server.start()
    try:
        await server.wait_healthy()
        client = await Client.connect(server.address, data_converter=CONVERTER)
        async with process_worker(client, tmp_path) as runner:
            settings = runtime.settings().model_copy(
                update={"temporal_ui_url": server.ui_url, "inbox_url": inbox_url}
            )
            inbox = EmbeddedServer(create_app(settings, client), "127.0.0.1", inbox_port)
            await inbox.start()
            try:
                yield Stack(runner, server.ui_url, inbox_url)
            finally:
                await inbox.stop()
    finally:
        server.stop()


async def shown_input(
    browser: Browser, stack: Stack, person: str, link: str, sealed: str
) -> tuple[int, str]:
    """The run's page as the Web UI shows it to ``person``, once its Input is shown:
    decoded, or as ``sealed``, the start of the encrypted input the history holds."""
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{stack.inbox_url}/login")
        await page.get_by_label("User name").fill(person)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_text(f"Signed in as {person}")).to_be_visible()
        # What the Web UI's Codec Server dialog keeps in this browser when a person picks
        # "Use my browser setting", the inbox's endpoint and "Include cross-origin
        # credentials" (the README's steps): the inbox's cookie then goes with each call.
        await page.goto(stack.ui_url)
        await page.evaluate(
            """endpoint => {
                localStorage.setItem('endpoint', JSON.stringify(endpoint));
                localStorage.setItem('includeCredentials', 'true');
                localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
            }""",
            f"{stack.inbox_url}/codec",
        )
        decoding = page.expect_response(lambda r: "/codec/decode" in r.url, timeout=30_000)
        async with decoding as answered:
            await page.goto(link)
        response = await answered.value
        body = page.locator("body")
        if response.ok:  # the Input panel shows the run's input decoded
            await expect(body).to_contain_text('"snapshot"', timeout=30_000)
        else:  # the Web UI says so, and shows the payloads as the history holds them
            failed = page.locator("#content").get_by_text("Codec Server could not connect")
            await expect(failed).to_be_visible()
            await expect(body).to_contain_text(sealed, timeout=30_000)
        return response.status, await body.inner_text()
    finally:
        await context.close()


async def test_the_web_ui_shows_the_input_decoded_to_an_operator_only(stack: Stack) -> None:
    name = stack.runner.define(WAITING)
    handle = await stack.runner.start(name, {"case": uuid.uuid4().hex[:10], "iban": IBAN})
    described = await handle.describe()
    link = run_url(stack.ui_url, "default", handle.id, described.run_id)
    started = (await handle.fetch_history()).events[0].workflow_execution_started_event_attributes
    sealed = base64.b64encode(started.input.payloads[0].data).decode()[:40]
    async with chromium() as browser:
        olivia = await shown_input(browser, stack, "olivia", link, sealed)
        alice = await shown_input(browser, stack, "alice", link, sealed)
    case = handle.id.split("/")[1]
    assert olivia[0] == 200
    assert f"Payee check · {case}" in olivia[1]  # the run's summary, decoded too
    assert alice[0] == 403
    assert '"snapshot"' not in alice[1]
    assert f"Payee check · {case}" not in alice[1]
    assert IBAN not in alice[1]
