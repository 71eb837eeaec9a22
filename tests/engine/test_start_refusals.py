"""Input a run cannot take is refused at `backoffice start`, in one line saying why.

Business keys that could not name a run plainly (a path separator, a control character,
a right-to-left override, too long), numbers JSON does not have, JSON nested or sized
past the limits, a file that is not there: each is refused before anything starts, with
where it is and what is allowed. A child process started under a key its parent
computed is held to the same rules.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from backoffice.engine.runs import RunError
from tests.engine.test_cli_runs import Cli
from tests.support.payload_keys import KEY_ENVIRONMENT
from tests.support.processes import ProcessRunner, write_definition

pytestmark = pytest.mark.slow

DEFINITION = """
name: refusals
version: 1
title: Refusals
owner: tests
business_key: input.order
input:
  order: string
  amount: number?
  extra: any?
steps:
  - {id: noted, set: {seen: "${ input.order }"}}
"""


@pytest_asyncio.fixture
async def cli(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Cli]:
    """The command against the dev server; no worker: nothing may start."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    write_definition(definitions, DEFINITION)
    yield Cli(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
            "BACKOFFICE_TASK_QUEUE": f"refusals-{uuid.uuid4().hex}",
            "BACKOFFICE_DEFINITIONS_DIR": str(definitions),
            "BACKOFFICE_STATE_DIR": str(tmp_path / "state"),
            "BACKOFFICE_LOG_LEVEL": "WARNING",
            **KEY_ENVIRONMENT,
        }
    )


async def refused(cli: Cli, *args: str) -> str:
    """What `backoffice start refusals ...` says on refusing, as one error line."""
    code, out, err = await cli("start", "refusals", *args)
    assert code == 1, (out, err)
    assert out == ""
    assert "Traceback" not in err, err
    assert err.startswith("error: "), err
    return err


async def never_started(dev_env: WorkflowEnvironment, workflow_id: str) -> None:
    with pytest.raises(RPCError) as missing:
        await dev_env.client.get_workflow_handle(workflow_id).describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("INV/1", "it has '/' at position 4"),
        ("INV\\1", "it has '\\' at position 4"),
        ("INV-1\u202egpj.exe", "it has U+202E (RIGHT-TO-LEFT OVERRIDE) at position 6"),
        ("INV-\u200b1", "it has U+200B (ZERO WIDTH SPACE) at position 5"),
        ("INV-\x1b[31m1", "it has U+001B (a control character) at position 5"),
        ("INV-" + "9" * 197, "it has 201 characters"),
    ],
    ids=["slash", "backslash", "rtl-override", "zero-width", "control", "too-long"],
)
async def test_a_business_key_that_cannot_name_a_run_is_refused_naming_it(
    cli: Cli, dev_env: WorkflowEnvironment, key: str, why: str
) -> None:
    err = await refused(cli, "--input", json.dumps({"order": key}))
    assert f"of 'refusals' cannot name a run: {why}. A business key has at most 200 " in err
    assert "letters, digits, spaces and punctuation, without / or \\" in err
    assert "nothing was started" in err
    assert "\u202e" not in err  # the key is shown with its invisible characters escaped
    await never_started(dev_env, f"refusals/{key}")


async def test_nan_or_infinity_in_the_input_is_refused_at_its_field(cli: Cli) -> None:
    err = await refused(cli, "--input", '{"order": "A-1", "amount": NaN}')
    assert "input.amount is nan: a number must be finite (JSON has no NaN or Infinity)" in err
    err = await refused(cli, "--input", '{"order": "A-1", "extra": {"rates": [1, -Infinity]}}')
    assert "input.extra.rates[1] is -inf: a number must be finite" in err


async def test_json_nested_100000_deep_is_refused_with_the_depth_limit(
    cli: Cli, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"order": "A-1", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = await refused(cli, "--input", str(deep))
    assert "--input nests deeper than 32 levels" in err
    assert "a run takes at most 32 levels of objects and lists" in err
    # Deeper than the limit but not than Python: refused at the path where it crosses.
    shallow = json.dumps({"order": "A-1", "extra": json.loads("[" * 40 + "]" * 40)})
    err = await refused(cli, "--input", shallow)
    assert "--input nests deeper than 32 levels (at input.extra[0][0]" in err


async def test_a_one_megabyte_invoice_id_is_refused_with_the_size_limit(
    cli: Cli, dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"order": "INV-" + "7" * 1_000_000}))
    err = await refused(cli, "--input", str(big))
    assert f"--input {big} is {big.stat().st_size:,} bytes" in err
    assert "more than the 524,288 bytes (512 KiB) a run takes" in err
    assert err.count("\n") == 1


async def test_an_input_file_that_is_not_there_is_named_as_missing(cli: Cli) -> None:
    err = await refused(cli, "--input", "/nonexistent.json")
    assert "--input: there is no file /nonexistent.json; give the path of a .json file" in err
    assert "not valid JSON" not in err


async def test_the_python_api_refuses_the_same(runner: ProcessRunner) -> None:
    name = runner.define(DEFINITION)
    with pytest.raises(RunError, match=r"input\.amount is inf: a number must be finite"):
        await runner.start(name, {"order": "A-1", "amount": float("inf")})
    nested: list[object] = []
    for _ in range(5_000):
        nested = [nested]
    with pytest.raises(RunError, match="the input nests deeper than 32 levels"):
        await runner.start(name, {"order": "A-1", "extra": nested})
    with pytest.raises(RunError, match="cannot name a run: it has '/' at position 2"):
        await runner.start(name, {"order": "A/1"})


async def test_a_child_under_a_key_that_cannot_name_a_run_fails_the_step(
    runner: ProcessRunner,
) -> None:
    runner.define(DEFINITION)
    parent = runner.define(
        """
        name: refusing-parent
        version: 1
        title: Refusing parent
        owner: tests
        business_key: input.order
        input:
          order: string
        steps:
          - id: child
            process: refusals
            input: {order: "${ input.order + '/part' }"}
        """
    )
    order = f"P-{uuid.uuid4().hex[:8]}"
    with pytest.raises(WorkflowFailureError) as failed:
        await runner.run(parent, {"order": order})
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ExpressionError"
    assert f"the business key '{order}/part' of 'refusals' cannot name a run" in cause.message
    with pytest.raises(RPCError):
        await runner.client.get_workflow_handle(f"refusals/{order}/part").describe()
