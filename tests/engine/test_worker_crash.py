"""A worker killed in the middle of a process: another finishes it, nothing runs twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from backoffice.catalog import build_catalog
from backoffice.engine.runs import Definitions, start_process
from backoffice.registry import Registry
from tests.support import plugin
from tests.support.eventually import eventually
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import write_definition
from tests.support.records import records_environ

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

DEFINITION = """
name: crash-proof
version: 1
title: Crash proof
owner: tests
business_key: input.case
input:
  case: string
  log: string
  release: string
steps:
  - {id: one, call: test.append, with: {path: "${ input.log }", line: one}}
  - id: two
    call: test.block
    timeout: 5s
    with: {path: "${ input.log }", line: two, release: "${ input.release }"}
  - {id: three, call: test.append, with: {path: "${ input.log }", line: three}}
output:
  lines: ${ steps.three.lines }
"""


async def start_worker(target: str, task_queue: str, state: Path) -> asyncio.subprocess.Process:
    environment = {
        "BACKOFFICE_STATE_DIR": str(state),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/root"),
        "TEMPORAL_ADDRESS": target,
        "BACKOFFICE_TASK_QUEUE": task_queue,
        "BACKOFFICE_PLUGINS": "tests.support.plugin",
        "BACKOFFICE_LOG_FORMAT": "json",
        **KEY_ENVIRONMENT,
        **records_environ(state),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "backoffice.cli.main", "worker",
        cwd=ROOT, env=environment,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def wait_for_line(log: Path, line: str) -> None:
    await eventually(
        lambda: log.exists() and line in log.read_text().splitlines(), f"{line!r} in {log}"
    )


async def test_killed_worker_is_replaced_and_completed_steps_are_not_repeated(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    task_queue = f"crash-{uuid.uuid4().hex}"
    log, release = tmp_path / "executions.log", tmp_path / "release"
    write_definition(tmp_path, DEFINITION)
    found = Registry()
    found.add_activity(plugin.append)
    found.add_activity(plugin.block)
    definitions = Definitions(tmp_path, build_catalog(found))
    target = dev_env.client.service_client.config.target_host

    first = await start_worker(target, task_queue, tmp_path / "state")
    second = None
    try:
        handle = await start_process(
            dev_env.client, "crash-proof",
            {"case": uuid.uuid4().hex, "log": str(log), "release": str(release)},
            task_queue=task_queue, definitions=definitions,
        )  # fmt: skip
        await wait_for_line(log, "two started")
        first.send_signal(signal.SIGKILL)
        await first.wait()

        second = await start_worker(target, task_queue, tmp_path / "state")
        release.touch()
        result = await asyncio.wait_for(handle.result(), timeout=120)
    finally:
        for process in (first, second):
            if process is not None and process.returncode is None:
                process.terminate()
                await process.wait()

    lines = log.read_text().splitlines()
    assert lines.count("one") == 1
    assert lines.count("two done") == 1
    assert lines.count("three") == 1
    assert result["output"]["lines"] == len(lines)
