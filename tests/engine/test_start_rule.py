"""A business key runs once: a second start is refused however its run stands.

Running: never twice at once. Completed: never again, so a case is not done twice.
Failed, cancelled, terminated or timed out: refused too, unless an operator restarts it
deliberately with ``--restart``, which says which run it replaces. ``--set`` starts a test
run with other values of the definition's variables, checked against them.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.testing import WorkflowEnvironment

from backoffice.engine.runs import RunError, start_run
from tests.engine.test_cli_runs import Cli
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import ProcessRunner
from tests.support.records import records_environ

pytestmark = pytest.mark.slow

DEFINITION = """
name: start-rule
version: 1
title: Start rule
owner: tests
business_key: input.order
input:
  order: string
  mode: string
variables:
  limit: 1000
  label: standard
  strict: false
steps:
  - {id: held, if: "input.mode == 'hold'", wait: 10d}
  - {id: broken, if: "input.mode == 'fail'", fail: BROKEN}
output:
  limit: ${ vars.limit }
  label: ${ vars.label }
  strict: ${ vars.strict }
"""


def order() -> str:
    return f"O-{uuid.uuid4().hex[:8]}"


def cli_for(runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path) -> Cli:
    return Cli(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "BACKOFFICE_TASK_QUEUE": runner.task_queue,
            "BACKOFFICE_DEFINITIONS_DIR": str(runner.directory),
            "BACKOFFICE_STATE_DIR": str(tmp_path / "cli-state"),
            "BACKOFFICE_LOG_LEVEL": "WARNING",
            **KEY_ENVIRONMENT,
            **records_environ(tmp_path / "cli-state"),
        }
    )


async def test_a_running_key_is_refused_and_a_restart_says_to_cancel_it_first(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    key = order()
    first = await runner.start(name, {"order": key, "mode": "hold"})
    with pytest.raises(RunError) as again:
        await runner.start(name, {"order": key, "mode": "done"})
    message = str(again.value)
    assert message.startswith(f"start-rule/{key} is running since ")
    assert f"(run {first.result_run_id})" in message
    assert "the same start rule cannot run twice at once; nothing was started" in message
    with pytest.raises(RunError, match=r"cancel it first \(`backoffice cancel start-rule/"):
        await runner.start(name, {"order": key, "mode": "done"}, restart=True)
    await first.cancel()


async def test_a_completed_key_is_never_started_again_not_even_by_a_restart(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    key = order()
    await runner.run(name, {"order": key, "mode": "done"})
    for restart in (False, True):
        with pytest.raises(RunError) as again:
            await runner.start(name, {"order": key, "mode": "done"}, restart=restart)
        message = str(again.value)
        assert message.startswith(f"start-rule/{key} completed on ")
        assert "a start rule that completed is never started again" in message


async def test_a_failed_key_is_refused_until_an_operator_restarts_it(
    runner: ProcessRunner,
) -> None:
    name = runner.define(DEFINITION)
    key = order()
    with pytest.raises(WorkflowFailureError):
        await runner.run(name, {"order": key, "mode": "fail"})
    with pytest.raises(RunError) as again:
        await runner.start(name, {"order": key, "mode": "done"})
    message = str(again.value)
    assert message.startswith(f"start-rule/{key} failed on ")
    assert "To run it again on purpose, start it with --restart" in message
    failed_run = (await runner.client.get_workflow_handle(f"start-rule/{key}").describe()).run_id
    started = await start_run(
        runner.client,
        name,
        {"order": key, "mode": "done"},
        task_queue=runner.task_queue,
        definitions=runner.definitions,
        restart=True,
    )
    assert started.replaced is not None
    assert started.replaced.run_id == failed_run
    assert started.replaced.how().startswith("failed on ")
    result = await started.handle.result()
    assert result["status"] == "completed"


async def test_a_cancelled_key_may_be_restarted_from_the_command_line(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    name = runner.define(DEFINITION)
    key = order()
    first = await runner.start(name, {"order": key, "mode": "hold"})
    await first.cancel()
    with pytest.raises(WorkflowFailureError):
        await first.result()
    cli = cli_for(runner, dev_env, tmp_path)
    data = json.dumps({"order": key, "mode": "done"})
    code, out, err = await cli("start", name, "--input", data)
    assert code == 1
    assert err.startswith(f"error: start-rule/{key} was cancelled on "), err
    assert "start it with --restart" in err
    code, out, err = await cli("start", name, "--input", data, "--restart", "--wait")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"started start-rule/{key}"
    assert lines[2].startswith(f"replaces run {first.result_run_id}, which was cancelled on ")


async def test_set_gives_variables_other_values_for_one_run(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    name = runner.define(DEFINITION)
    key = order()
    cli = cli_for(runner, dev_env, tmp_path)
    data = json.dumps({"order": key, "mode": "done"})
    code, out, err = await cli(
        "start", name, "--input", data, "--set", "limit=500", "--set", "label=trial run",
        "--set", "strict=true", "--wait",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[2] == (
        'variables set for this run (not the definition\'s): limit=500, label="trial run", '
        "strict=true"
    )
    result = json.loads(out[out.index("{") :])
    assert result["output"] == {"limit": 500, "label": "trial run", "strict": True}
    details = await runner.client.get_workflow_handle(f"start-rule/{key}").describe()
    assert "Variables set for this run: `limit` = `500`" in (await details.static_details() or "")
    code, out, err = await cli("status", f"start-rule/{key}")
    assert code == 0, err
    assert 'variables: {"limit": 500, "label": "trial run", "strict": true}' in out


async def test_set_refuses_an_unknown_variable_and_a_value_of_another_kind(
    runner: ProcessRunner, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    name = runner.define(DEFINITION)
    cli = cli_for(runner, dev_env, tmp_path)
    data = json.dumps({"order": order(), "mode": "done"})
    code, out, err = await cli("start", name, "--input", data, "--set", "limt=500")
    assert (code, out) == (1, "")
    assert err == (
        "error: --set limt: 'start-rule' has no variable 'limt'. Did you mean 'limit'? Its "
        "variables are: label, limit, strict; nothing was started\n"
    )
    code, out, err = await cli("start", name, "--input", data, "--set", "limit=high")
    assert (code, out) == (1, "")
    assert err == (
        'error: --set limit="high": limit is a number (its default is 1000), not a text; '
        "write for example --set limit=1000; nothing was started\n"
    )
    code, out, err = await cli("start", name, "--input", data, "--set", "limit")
    assert (code, out) == (1, "")
    assert "write a variable and its value, as in --set approval_limit=500" in err
