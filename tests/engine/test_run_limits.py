"""One definition cannot stall the worker or multiply runs: on the real dev server.

An expression over its budget fails its own run with a catchable error while the worker
goes on serving other runs; a division by zero in the data is an error, never infinity;
child processes stop at the depth limit even when a loop of processes got past validation.
"""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from backoffice.engine.contracts import DefinitionSnapshot, RunInput
from backoffice.engine.runs import RunError, progress, send_event
from backoffice.language import model
from backoffice.language.budget import EXPRESSION_BUDGET
from backoffice.language.source import load
from tests.support.processes import ProcessRunner
from tests.support.waits import waiting_run
from workflows.interpreter import MAX_PROCESS_DEPTH

HEADER = """
version: 1
title: Test process
owner: tests
business_key: input.case
input:
  case: string
  items: list?
  amount: number?
  parts: number?
"""
SIX_NESTED_MAPS = (
    "input.items.map(a, input.items.map(b, input.items.map(c, "
    "input.items.map(d, input.items.map(e, input.items.map(f, a + b + c + d + e + f))))))"
)


def case() -> str:
    return uuid.uuid4().hex[:10]


def define(runner: ProcessRunner, name: str, body: str) -> str:
    return runner.define(f"name: {name}\n{HEADER}\n{body}")


async def failure_of(runner: ProcessRunner, name: str, data: dict[str, object]) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as caught:
        await runner.run(name, data)
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    return cause


async def waiting(runner: ProcessRunner, workflow_id: str) -> None:
    await waiting_run(runner.client, workflow_id)


async def test_an_expression_over_budget_fails_its_run_while_the_worker_serves_another(
    runner: ProcessRunner,
) -> None:
    steady = define(
        runner,
        "steady",
        """
steps:
  - id: go
    wait: {event: go, timeout: 1d}
output:
  got: ${ steps.go.data.n }
""",
    )
    explode = define(
        runner,
        "explode",
        f"""
steps:
  - id: grid
    set:
      cells: ${{ {SIX_NESTED_MAPS} }}
""",
    )
    other = await runner.start(steady, {"case": case()})
    await waiting(runner, other.id)
    runaway = await runner.start(explode, {"case": case(), "items": list(range(10))})
    with pytest.raises(WorkflowFailureError) as caught:
        await runaway.result()
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ExpressionOverBudget"
    assert cause.message.startswith(f"step 'grid': expression `{SIX_NESTED_MAPS}`: it would take")
    assert f"more than the {EXPRESSION_BUDGET:,} one expression may take" in cause.message
    # The same worker still answers the other run's query and moves it on to its end.
    assert (await progress(runner.client, other.id)).status == "waiting"
    await send_event(runner.client, other.id, "go", {"n": 7})
    assert (await other.result())["output"] == {"got": 7}


async def test_an_expression_over_budget_is_caught_like_any_step_error(
    runner: ProcessRunner,
) -> None:
    name = define(
        runner,
        "explode-caught",
        f"""
steps:
  - id: grid
    set:
      cells: ${{ {SIX_NESTED_MAPS} }}
    catch:
      - errors: [ExpressionOverBudget]
        steps:
          - id: fallback
            set: {{cells: [], why: "${{ error.type }}"}}
output:
  cells: ${{ vars.cells }}
  why: ${{ vars.why }}
""",
    )
    result = await runner.run(name, {"case": case(), "items": list(range(10))})
    assert result["output"] == {"cells": [], "why": "ExpressionOverBudget"}


async def test_a_value_doubled_round_after_round_fails_the_run_at_the_size_limit(
    runner: ProcessRunner,
) -> None:
    name = define(
        runner,
        "doubling",
        """
variables:
  text: "0123456789"
steps:
  - id: grow
    repeat: {until: 'size(vars.text) < 0', max: 100}
    steps:
      - id: double
        set: {text: "${ vars.text + vars.text }"}
""",
    )
    cause = await failure_of(runner, name, {"case": case()})
    assert cause.type == "ExpressionOverBudget"
    assert cause.message.startswith("step 'double': expression `vars.text + vars.text`: it ")


async def test_division_by_zero_in_the_data_fails_the_step(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "share",
        """
steps:
  - id: split
    set: {share: "${ input.amount / input.parts }"}
output:
  share: ${ vars.share }
""",
    )
    assert (await runner.run(name, {"case": case(), "amount": 12, "parts": 4}))["output"] == {
        "share": 3
    }
    cause = await failure_of(runner, name, {"case": case(), "amount": 12, "parts": 0})
    assert cause.type == "ExpressionError"
    assert "division by zero: a divisor is 0 here" in cause.message


def keyed(runner: ProcessRunner, name: str, business_key: str) -> str:
    header = HEADER.replace("business_key: input.case", f"business_key: {business_key}")
    return runner.define(f"name: {name}\n{header}\nsteps:\n  - {{id: pause, wait: 1h}}\n")


async def test_a_business_key_dividing_by_zero_starts_no_run(runner: ProcessRunner) -> None:
    name = keyed(runner, "bad-key", "input.amount / input.parts")
    with pytest.raises(
        RunError,
        match=r"the business key of 'bad-key' cannot be computed: .*"
        r"division by zero: a divisor is 0 here",
    ):
        await runner.start(name, {"case": case(), "amount": 5, "parts": 0})
    for key in ("inf", "nan"):
        with pytest.raises(RPCError) as missing:
            await runner.client.get_workflow_handle(f"{name}/{key}").describe()
        assert missing.value.status == RPCStatusCode.NOT_FOUND


async def test_a_business_key_dividing_by_a_literal_zero_is_refused_before_starting(
    runner: ProcessRunner,
) -> None:
    name = keyed(runner, "zero-key", "input.amount / 0")
    with pytest.raises(RunError, match=r"`input.amount / 0` divides by zero"):
        await runner.start(name, {"case": case(), "amount": 5})


async def test_a_process_that_starts_itself_cannot_be_started(runner: ProcessRunner) -> None:
    name = define(runner, "again", "steps:\n  - {id: again, process: again}\n")
    with pytest.raises(RunError, match=r"'again' would start itself: again → again"):
        await runner.start(name, {"case": case()})


async def test_a_chain_of_child_processes_stops_at_the_depth_limit(runner: ProcessRunner) -> None:
    names = [f"level-{number}" for number in range(MAX_PROCESS_DEPTH + 2)]
    for name, below in zip(names, [*names[1:], None], strict=True):
        steps = (
            f"  - {{id: down, process: {below}, input: {{case: '${{ input.case }}'}}}}\n"
            if below
            else "  - {id: bottom, wait: 1s}\n"
        )
        define(runner, name, "steps:\n" + steps)
    key = case()
    cause = await failure_of(runner, names[0], {"case": key})
    assert cause.type == "ProcessTooDeep"
    chain = " → ".join(names)
    assert cause.message.startswith(
        f"step 'down': starting '{names[-1]}' would put {MAX_PROCESS_DEPTH + 1} processes "
        f"above it ({chain}), more than the {MAX_PROCESS_DEPTH} a child process may have"
    )
    for name in names[:-1]:  # every level up to the limit ran, and failed with the cause
        description = await runner.client.get_workflow_handle(f"{name}/{key}").describe()
        assert description.status is not None
        assert description.status.name == "FAILED"
    with pytest.raises(RPCError) as missing:
        await runner.client.get_workflow_handle(f"{names[-1]}/{key}").describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND


async def test_a_loop_of_processes_that_got_past_validation_stops_at_the_depth_limit(
    runner: ProcessRunner,
) -> None:
    # As a definition validated before loops were refused would: its snapshot starts itself.
    steps = "steps:\n  - {id: again, process: spawn, input: {case: '${ input.case + \"+\" }'}}\n"
    text = f"name: spawn\n{HEADER}\n{steps}"
    data, _ = load(text)
    definition = model.Definition.model_validate(data)
    snapshot = DefinitionSnapshot(
        definition=definition.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        content_hash="validated-before-loops-were-refused",
    )
    key = case()
    handle = await runner.client.start_workflow(
        "spawn",
        RunInput(
            snapshot=snapshot, input={"case": key}, business_key=key, children={"spawn": snapshot}
        ),
        id=f"spawn/{key}",
        task_queue=runner.task_queue,
    )
    with pytest.raises(WorkflowFailureError) as caught:
        await handle.result()
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "ProcessTooDeep"
    started = [f"spawn/{key}{'+' * depth}" for depth in range(MAX_PROCESS_DEPTH + 1)]
    for workflow_id in started:
        assert (await runner.client.get_workflow_handle(workflow_id).describe()).status is not None
    with pytest.raises(RPCError) as missing:
        await runner.client.get_workflow_handle(f"spawn/{key}{'+' * len(started)}").describe()
    assert missing.value.status == RPCStatusCode.NOT_FOUND
