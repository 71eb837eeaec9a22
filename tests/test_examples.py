"""Every command example in the README and docs runs as written against the demo stack.

Each ```bash block of README.md and docs/**/*.md runs line by line, in the order a reader
meets them, in a shell at the repository's root, against a ``backoffice dev`` started for
the file (on free ports: the environment points the commands at it, as a user's
terminal would be). A block preceded by ``<!-- example not run by tests/test_examples.py:
why -->`` is skipped for the reason it gives. A person waits a moment when a task has not
opened yet; so does this test: a command that fails is tried again for a while, and must
succeed as written in the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from playwright.async_api import expect

from backoffice.settings import Settings, interpreter_bin_dir
from tests.support.browser import chromium
from tests.support.eventually import eventually
from tests.support.network import free_port
from tests.test_dev_command import read_banner

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
NOT_RUN = re.compile(r"<!-- example not run by tests/test_examples\.py: (.+?) -->\s*$")
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
STARTUP_SECONDS = 90
PATIENCE_SECONDS = 90  # how long a failing command is tried again
EXAMPLE_INPUT = "docs/examples/invoice.json"
DEFAULT_PORTS = {"erp": 8301, "hr": 8302, "treasury": 8303}
pytestmark = pytest.mark.slow


@dataclass
class Example:
    document: str
    line: int
    command: str


def examples(document: Path) -> list[Example]:
    """The commands of the document's runnable bash blocks, continuations joined."""
    text = document.read_text(encoding="utf-8")
    found: list[Example] = []
    for block in BLOCK.finditer(text):
        before = text[: block.start()].rstrip("\n").rsplit("\n", 1)[-1]
        if NOT_RUN.search(before):
            continue
        first_line = text[: block.start(1)].count("\n") + 1
        pending = ""
        for offset, line in enumerate(block.group(1).splitlines()):
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            command = (pending + line).strip()
            pending = ""
            if command and not command.startswith("#"):
                found.append(Example(document.name, first_line + offset, command))
    return found


def test_every_document_example_is_found_or_says_why_not() -> None:
    runnable = [example for document in DOCUMENTS for example in examples(document)]
    assert any("backoffice decide" in example.command for example in runnable)
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for reason in NOT_RUN.findall(text):
            assert len(reason) > 20, f"{document.name}: say why an example is not run"


@dataclass
class Stack:
    environment: dict[str, str]
    ports: dict[str, int]
    ui: str
    inbox: str

    def as_written_here(self, command: str) -> str:
        # The sandbox systems of this stack are on ports of their own.
        for name, port in DEFAULT_PORTS.items():
            command = command.replace(f"localhost:{port}", f"localhost:{self.ports[name]}")
        return command


@asynccontextmanager
async def demo_stack(state_dir: Path) -> AsyncIterator[Stack]:
    ports = {name: free_port() for name in DEFAULT_PORTS}
    temporal, ui, inbox, smtp = free_port(), free_port(), free_port(), free_port()
    systems = {
        name: {"url": f"http://127.0.0.1:{port}", "credential": f"{name}-bot"}
        for name, port in ports.items()
    }
    environment = {
        "PATH": f"{interpreter_bin_dir()}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/root"),
        "BACKOFFICE_STATE_DIR": str(state_dir),
        "BACKOFFICE_LOG_FORMAT": "json",
        "BACKOFFICE_SHUTDOWN_GRACE_SECONDS": "5",
        "BACKOFFICE_SYSTEMS": json.dumps(systems),
        "TEMPORAL_ADDRESS": f"localhost:{temporal}",
        # The commands run this tree's code, not that of the tree the environment was
        # installed from (an editable install points at one).
        **{key: os.environ[key] for key in ("PYTHONPATH",) if key in os.environ},
    }
    if "event_receiver_port" in Settings.model_fields:
        environment["BACKOFFICE_EVENT_RECEIVER_PORT"] = str(free_port())
    process = await asyncio.create_subprocess_exec(
        str(interpreter_bin_dir() / "backoffice"),
        "dev",
        *("--port", str(temporal), "--ui-port", str(ui)),
        *("--inbox-port", str(inbox), "--smtp-port", str(smtp)),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    try:
        await read_banner(process, STARTUP_SECONDS)
        drain = asyncio.create_task(_drain(process.stdout))
        yield Stack(environment, ports, f"http://localhost:{ui}", f"http://localhost:{inbox}")
        drain.cancel()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            await asyncio.wait_for(process.wait(), timeout=60)


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.readline():
        pass


async def run(stack: Stack, command: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        stack.as_written_here(command),
        cwd=ROOT,
        env=stack.environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=180)
    assert process.returncode is not None
    return process.returncode, out.decode()


async def run_patiently(stack: Stack, example: Example) -> str:
    async def succeeds() -> str:
        code, out = await run(stack, example.command)
        assert code == 0, f"{example.document}:{example.line}: failed ({code}):\n{out}"
        return out

    return await eventually(
        succeeds, f"`{example.command}` to succeed", within=PATIENCE_SECONDS, every=2
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
async def test_the_examples_run_as_written(document: Path, tmp_path: Path) -> None:
    found = examples(document)
    if not found:
        pytest.skip(f"{document.name} shows no commands")
    outputs: dict[str, str] = {}
    async with demo_stack(tmp_path / "state") as stack:
        for example in found:
            outputs[example.command] = await run_patiently(stack, example)
        if document.name == "README.md":
            _check_the_readme_story(outputs)
            await _check_every_web_ui_link(stack, "\n".join(outputs.values()))


def _check_the_readme_story(outputs: dict[str, str]) -> None:
    """What the README says its commands show is what they show."""
    by_start = {command.split("#")[0].strip(): out for command, out in outputs.items()}
    started = by_start[
        ".venv/bin/backoffice start invoice-approval --input docs/examples/invoice.json"
    ]
    assert "started invoice-approval/INV-2025-004711" in started
    assert "/history" in started  # the Web UI link names the run
    tasks = by_start[".venv/bin/backoffice tasks --as alice"]
    assert "'invoice-approval/INV-2025-004711/approval#0/approve_owner'" in tasks
    decided = next(out for command, out in outputs.items() if "backoffice decide" in command)
    assert "approve by carol" in decided
    assert "decided" in decided


RUN_LINK = re.compile(
    r"(http://localhost:\d+)/namespaces/([^/\s]+)/workflows/([^/\s]+)/([^/\s]+)/history"
)
TASK_LINK = re.compile(r"http://localhost:\d+/task/\S+")
LIST_LINK = re.compile(r"(http://localhost:\d+)/namespaces/([^/\s]+)/workflows\?query=(\S+)")


async def _check_every_web_ui_link(stack: Stack, printed: str) -> None:
    """Each Web UI link the commands printed opens its run (or its list) in the Web UI,
    and so does the inbox's link from a task's page."""
    runs = RUN_LINK.findall(printed)
    lists = LIST_LINK.findall(printed)
    assert runs, printed
    assert lists, printed
    async with httpx.AsyncClient(timeout=30) as http:
        for base, namespace, workflow_id, run_id in runs:
            assert base == stack.ui
            answer = await http.get(
                f"{base}/api/v1/namespaces/{namespace}/workflows/{workflow_id}",
                params={"execution.runId": run_id},
            )
            assert answer.status_code == 200, (workflow_id, answer.text)
            execution = answer.json()["workflowExecutionInfo"]["execution"]
            assert execution == {"workflowId": unquote(workflow_id), "runId": run_id}
        for base, namespace, query in lists:
            answer = await http.get(
                f"{base}/api/v1/namespaces/{namespace}/workflows",
                params={"query": unquote(query)},
            )
            assert answer.status_code == 200, (query, answer.text)
            assert answer.json().get("executions"), unquote(query)
    async with chromium() as browser:
        page = await browser.new_page()
        # The first run link, as a person clicks it: the run's page, not an error.
        base, namespace, workflow_id, run_id = runs[0]
        await page.goto(f"{base}/namespaces/{namespace}/workflows/{workflow_id}/{run_id}/history")
        await expect(page.get_by_text(unquote(workflow_id)).first).to_be_visible(timeout=30_000)
        # A task's link as `backoffice tasks` printed it: through sign-in to the task,
        # then the task page's link to its process in the Web UI.
        task_links = TASK_LINK.findall(printed)
        assert task_links, printed
        assert all(link.startswith(stack.inbox) for link in task_links)
        await page.goto(task_links[0])
        await page.get_by_label("User name").fill("alice")
        await page.get_by_label("Password").fill("backoffice-demo")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_test_id("task-status")).to_be_visible()
        link = await page.get_by_test_id("run-link").get_attribute("href")
        assert link is not None
        assert RUN_LINK.fullmatch(link), link
        await page.get_by_test_id("run-link").click()
        await expect(page.get_by_text("invoice-approval/INV").first).to_be_visible(timeout=30_000)
