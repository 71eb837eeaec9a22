"""`backoffice start / status / send / cancel / history` against a real server."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from backoffice import registry
from backoffice.worker import workflow_runner
from tests.support import plugin
from tests.support.eventually import eventually
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import write_definition
from tests.support.records import records_environ
from workflows.process import ProcessWorkflow

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

DEFINITION = """
name: cli-order
version: 1
title: CLI order
owner: tests
business_key: input.order
input:
  order: string
  log: string
steps:
  - {id: noted, call: test.append, with: {path: "${ input.log }", line: "${ input.order }"}}
  - {id: receipt, title: Wait for the goods, wait: {event: goods_received, timeout: 10d}}
output:
  qty: ${ steps.receipt.data.qty }
"""


class Cli:
    def __init__(self, environment: dict[str, str]) -> None:
        self.environment = environment

    async def __call__(self, *args: str) -> tuple[int, str, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "backoffice.cli.main", *args,
            cwd=ROOT, env=self.environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), timeout=60)
        assert process.returncode is not None
        return process.returncode, out.decode(), err.decode()


@pytest_asyncio.fixture
async def cli(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Cli]:
    task_queue = f"cli-{uuid.uuid4().hex}"
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    write_definition(definitions, DEFINITION)
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "BACKOFFICE_TASK_QUEUE": task_queue,
        "BACKOFFICE_DEFINITIONS_DIR": str(definitions),
        "BACKOFFICE_PLUGINS": "tests.support.plugin",
        "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
        "BACKOFFICE_LOG_LEVEL": "WARNING",
        **KEY_ENVIRONMENT,
        **records_environ(tmp_path / "state"),
    }
    async with Worker(
        dev_env.client,
        task_queue=task_queue,
        workflows=[ProcessWorkflow],
        activities=[plugin.append, plugin.block],
        workflow_runner=workflow_runner(registry.discover()),
    ):
        yield Cli(environment)


async def test_start_status_send_and_history(cli: Cli, tmp_path: Path) -> None:
    order = f"PO-{uuid.uuid4().hex[:6]}"
    data = json.dumps({"order": order, "log": str(tmp_path / "log.txt")})
    code, out, err = await cli("start", "cli-order", "--input", data)
    assert code == 0, err
    assert out.startswith(f"started cli-order/{order}\n")
    # The Web UI link names the run: encoded workflow id, then the run id.
    link = out.splitlines()[1]
    assert re.fullmatch(
        rf"http://localhost:8233/namespaces/default/workflows/cli-order%2F{order}/[0-9a-f-]{{36}}/history",
        link,
    ), link

    async def status_once(shows: str) -> tuple[int, str, str] | None:
        code, out, err = await cli("status", f"cli-order/{order}")
        return (code, out, err) if shows in out else None

    code, out, err = await eventually(
        lambda: status_once("waiting for event:goods_received"), "status to show the wait"
    )
    assert code == 0, err
    assert "completed   noted" in out
    assert "waiting     receipt  Wait for the goods  [waiting for event:goods_received since" in out
    assert link in out

    # An event no step waits for is refused with those that would be taken.
    code, out, err = await cli("send", f"cli-order/{order}", "goods_recieved")
    assert code == 1
    assert f"cli-order/{order} will never wait for 'goods_recieved'; nothing was sent" in err
    assert "It waits now for goods_received" in err
    assert "Did you mean 'goods_received'?" in err

    code, out, err = await cli(
        "send", f"cli-order/{order}", "goods_received", "--data", '{"qty": 7}'
    )
    assert code == 0, err
    assert f"goods_received delivered: cli-order/{order} was waiting" in out
    code, out, err = await eventually(lambda: status_once("result:"), "status to show the result")
    assert '"qty": 7' in out

    exported = tmp_path / "history.json"
    code, out, err = await cli("history", f"cli-order/{order}", "--output", str(exported))
    assert code == 0, err
    assert json.loads(exported.read_text())["events"][0]["eventType"] == (
        "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    )


async def test_start_with_bad_input_says_why_and_starts_nothing(cli: Cli) -> None:
    code, _, err = await cli("start", "cli-order", "--input", '{"order": 5}')
    assert code == 1
    assert "error: the input does not fit process 'cli-order':" in err
    assert "log: Field required" in err
    assert "nothing was started" in err
    assert "Traceback" not in err


async def test_start_of_a_running_key_names_the_instance(cli: Cli, tmp_path: Path) -> None:
    order = f"PO-{uuid.uuid4().hex[:6]}"
    data = json.dumps({"order": order, "log": str(tmp_path / "log.txt")})
    assert (await cli("start", "cli-order", "--input", data))[0] == 0
    code, _, err = await cli("start", "cli-order", "--input", data)
    assert code == 1
    assert f"error: cli-order/{order} is running since " in err
    assert "the same cli order cannot run twice at once; nothing was started" in err
    assert f"backoffice status cli-order/{order}" in err
    code, out, err = await cli("cancel", f"cli-order/{order}")
    assert code == 0, err
    assert "cancellation requested" in out


async def test_input_json_with_a_syntax_error_is_a_clear_error(cli: Cli) -> None:
    code, _, err = await cli("start", "cli-order", "--input", '{"order": }')
    assert code == 1
    assert "--input is not valid JSON (Expecting value at line 1 column 11)" in err
