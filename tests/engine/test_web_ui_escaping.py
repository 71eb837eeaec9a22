"""Input shown in the Temporal Web UI is text: no link, image or frame an invoice brings.

A supplier id holding HTML and markdown goes into a run's summary, its details, its
steps' titles and its child's summary; the Web UI renders those as markdown with HTML.
Read back through Temporal's API and on the run's pages in Chromium, it stays text, and
the browser asks the supplier's host for nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import pytest
import pytest_asyncio
from playwright.async_api import Route, expect
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from backoffice import search_attributes
from backoffice.settings import interpreter_bin_dir
from tests.support.browser import chromium
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.support.processes import ProcessRunner, process_worker

pytestmark = pytest.mark.slow

HOST = "evil.example"
SUPPLIER = (
    f'<a href="http://{HOST}">x</a><img src="http://{HOST}/p.png">'
    f'<iframe src="https://{HOST}/f"></iframe> [link](http://{HOST}) ![i](http://{HOST}/i.png) '
    f"www.{HOST} **bold** &#60;script&#62;"
)
# What the Web UI's markdown would make of SUPPLIER unescaped (bold is the engine's own).
RENDERED = f"a[href*='{HOST}'], img, iframe, script"

CHILD = """
name: odd-supplier-child
version: 1
title: Odd supplier follow-up
owner: tests
business_key: input.invoice_id
input:
  invoice_id: string
  supplier_id: string
steps:
  - id: noted
    title: Follow up ${ input.supplier_id }
    call: test.note
    with: {note: "${ input.supplier_id }"}
"""

PARENT = """
name: odd-supplier
version: 1
title: Odd supplier invoice
owner: tests
business_key: input.invoice_id
summary: Invoice ${ input.invoice_id } from ${ input.supplier_id }
input:
  invoice_id: string
  supplier_id: string
steps:
  - id: noted
    title: Note ${ input.supplier_id }
    call: test.note
    with: {note: "${ input.supplier_id }"}
  - id: follow_up
    process: odd-supplier-child
    input:
      invoice_id: ${ input.invoice_id + '-child' }
      supplier_id: ${ input.supplier_id }
  - id: refused
    title: Ask ${ input.supplier_id } again
    call: test.fail
    with: {retryable: true}
    retry: {attempts: 100, initial_interval: 1s}
"""


@pytest_asyncio.fixture(scope="module")
async def ui_env() -> AsyncIterator[tuple[WorkflowEnvironment, int]]:
    """A dev server with its Web UI (the session's has none)."""
    ui_port = free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(interpreter_bin_dir() / "temporal"),
        search_attributes=search_attributes.ALL,
        data_converter=pydantic_data_converter,
        ui=True,
        ui_port=ui_port,
    )
    try:
        yield env, ui_port
    finally:
        await env.shutdown()


def _text(payload: object) -> str:
    return str(pydantic_data_converter.payload_converter.from_payload(payload, str))  # type: ignore[arg-type]


def _summaries(events: list[HistoryEvent]) -> dict[str, str]:
    """The labels history holds (the run's summary, its activities' and child's), by event."""
    found: dict[str, str] = {}
    for event in events:
        if event.user_metadata.HasField("summary"):
            kind = event.WhichOneof("attributes") or "?"
            found[f"{kind}#{event.event_id}"] = _text(event.user_metadata.summary)
    return found


# A tag, link or image opening, an address or an entity not escaped by a backslash
# (the supplier id holds no backslash of its own).
UNESCAPED = re.compile(r"(?<!\\)[<\[]|https?://|www\.|(?<!\\)&#")


def assert_inert(text: str) -> None:
    """No tag, link, image, address or entity of the supplier's acts in ``text``."""
    found = UNESCAPED.search(text)
    assert found is None, (found, text)


async def until_refused_again(runner: ProcessRunner, workflow_id: str) -> None:
    handle = runner.client.get_workflow_handle(workflow_id)

    async def retried() -> bool:
        pending = (await handle.describe()).raw_description.pending_activities
        return any(
            activity.activity_id == "refused" and activity.attempt > 1 for activity in pending
        )

    await eventually(retried, f"{workflow_id} to retry its refused step")


async def test_a_supplier_id_of_html_and_markdown_shows_as_text_in_the_web_ui(
    ui_env: tuple[WorkflowEnvironment, int], tmp_path: Path
) -> None:
    env, ui_port = ui_env
    async with process_worker(env.client, tmp_path) as runner:
        runner.define(CHILD)
        name = runner.define(PARENT)
        invoice = f"INV-{uuid.uuid4().hex[:8]}"
        handle = await runner.start(name, {"invoice_id": invoice, "supplier_id": SUPPLIER})
        await until_refused_again(runner, handle.id)

        described = await handle.describe()
        summary, details = await described.static_summary(), await described.static_details()
        assert summary is not None
        assert details is not None
        assert summary.startswith(f"Invoice {invoice} from \\<a href")
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        current = metadata.current_details
        assert "- now: **refused** Ask \\<a href" in current
        labels = _summaries(list((await handle.fetch_history()).events))
        assert sorted(label.split("#")[0] for label in labels) == [
            "activity_task_scheduled_event_attributes",
            "activity_task_scheduled_event_attributes",
            "start_child_workflow_execution_initiated_event_attributes",
            "workflow_execution_started_event_attributes",
        ]
        child = runner.client.get_workflow_handle(f"odd-supplier-child/{invoice}-child")
        child_summary = await (await child.describe()).static_summary()
        assert child_summary is not None
        for text in (summary, details, current, child_summary, *labels.values()):
            assert_inert(text)

        asked: list[str] = []

        async def refuse(route: Route) -> None:
            asked.append(route.request.url)
            await route.abort()

        run_page = (
            f"http://localhost:{ui_port}/namespaces/default/workflows/"
            f"{quote(handle.id, safe='')}/{described.run_id}"
        )
        async with chromium() as browser:
            context = await browser.new_context()
            await context.route(f"**://{HOST}/**", refuse)
            await context.route(f"**://www.{HOST}/**", refuse)
            page = await context.new_page()
            await page.goto(f"{run_page}/user-metadata")
            # The summary, the details from the start and the current details: each
            # rendered in a frame of its own (/render?content=...).
            await expect(page.locator("iframe[src*='/render']")).to_have_count(3, timeout=30_000)
            panes = page.frame_locator("iframe[src*='/render']")
            for index in range(3):
                pane = panes.nth(index)
                # Shown as the text it is (the summary's line cut at 200 characters).
                await expect(pane.get_by_text("</a><img src=").first).to_be_visible(timeout=30_000)
                assert await pane.locator(f"main :is({RENDERED})").count() == 0
            await page.goto(f"{run_page}/history")
            # The history lists labels as plain text: the escapes show there, the tags act not.
            await expect(page.get_by_text("noted: Note \\<a href").first).to_be_visible(
                timeout=30_000
            )
            assert await page.locator(f"a[href*='{HOST}'], img[src*='{HOST}']").count() == 0
            assert await page.locator(f"iframe[src*='{HOST}']").count() == 0
            await context.close()
        assert asked == []
        await handle.terminate("test over")
