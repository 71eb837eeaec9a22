"""Each step kind behaves as docs/definitions.md says, on the real dev server."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from backoffice.engine.runs import send_event
from tests.support.activities import calls_of
from tests.support.processes import ProcessRunner
from tests.support.waits import waiting_run

HEADER = """
version: 1
title: Test process
owner: tests
business_key: input.case
input:
  case: string
  amount: number?
  items: list?
defaults:
  repair_by: [{group: ap-managers}]
"""


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


async def test_guarded_step_is_skipped_and_has_no_result(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "guarded",
        """
steps:
  - id: small
    if: input.amount < 100
    call: test.note
    with: {note: small}
  - id: large
    if: input.amount >= 100
    call: test.note
    with: {note: large}
output:
  small: ${ has(steps.small) }
  large: ${ has(steps.large) }
""",
    )
    result = await runner.run(name, {"case": case(), "amount": 500})
    assert result["output"] == {"small": False, "large": True}
    assert [c["note"] for c in calls_of("test.note")] == ["large"]


async def test_switch_runs_the_first_true_case_or_otherwise(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "routing",
        """
steps:
  - id: route
    switch:
      - when: input.amount > 1000
        steps: [{id: big, set: {route: big}}]
      - when: input.amount > 10
        steps: [{id: medium, set: {route: medium}}]
    otherwise:
      - {id: tiny, set: {route: tiny}}
output:
  route: ${ vars.route }
""",
    )
    assert (await runner.run(name, {"case": case(), "amount": 5000}))["output"]["route"] == "big"
    assert (await runner.run(name, {"case": case(), "amount": 50}))["output"]["route"] == "medium"
    assert (await runner.run(name, {"case": case(), "amount": 1}))["output"]["route"] == "tiny"


async def test_parallel_all_runs_every_branch_and_sees_their_results(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "both",
        """
steps:
  - id: both
    parallel:
      - id: left
        steps: [{id: l, call: test.add, with: {a: 1, b: 2}}]
      - id: right
        steps: [{id: r, call: test.add, with: {a: 10, b: 20}}]
output:
  total: ${ steps.l.sum + steps.r.sum }
""",
    )
    result = await runner.run(name, {"case": case()})
    assert result["output"]["total"] == 33


async def test_parallel_fail_fast_cancels_the_sibling_and_fails(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "fast-fail",
        """
steps:
  - id: both
    mode: fail_fast
    parallel:
      - id: waits
        steps: [{id: long_wait, wait: {event: never, timeout: 30d}}]
      - id: breaks
        steps: [{id: broken, call: test.fail, with: {type: Boom}}]
""",
    )
    error = await failure_of(runner, name, {"case": case()})
    assert error.type == "Boom"


async def test_parallel_first_wins_and_cancels_the_rest(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "first-wins",
        """
steps:
  - id: race
    mode: first
    parallel:
      - id: slow
        steps: [{id: waiting, wait: {event: never, timeout: 30d}}]
      - id: quick
        steps: [{id: quick_add, call: test.add, with: {a: 2, b: 2}}]
output:
  sum: ${ steps.quick_add.sum }
  slow_ran: ${ has(steps.waiting) }
""",
    )
    result = await runner.run(name, {"case": case()})
    assert result["output"] == {"sum": 4, "slow_ran": False}


async def test_for_each_keeps_order_and_respects_concurrency(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "each",
        """
steps:
  - id: lines
    for_each: input.items
    as: line
    max_items: 10
    concurrency: 3
    steps:
      - {id: double, call: test.add, with: {a: "${ line }", b: "${ line }"}}
output:
  doubled: ${ steps.lines.map(r, r.double.sum) }
""",
    )
    result = await runner.run(name, {"case": case(), "items": [1, 2, 3, 4, 5, 6, 7]})
    assert result["output"]["doubled"] == [2, 4, 6, 8, 10, 12, 14]
    assert len(calls_of("test.add")) == 7


async def test_for_each_over_its_maximum_fails_with_too_many_items(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "too-many",
        """
steps:
  - id: lines
    for_each: input.items
    max_items: 2
    steps: [{id: n, call: test.note, with: {note: x}}]
""",
    )
    error = await failure_of(runner, name, {"case": case(), "items": [1, 2, 3]})
    assert error.type == "TooManyItems"
    assert calls_of("test.note") == []


async def test_repeat_runs_until_the_condition_holds(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "repeat-count",
        """
variables: {round: 0}
steps:
  - id: rounds
    repeat: {until: vars.round >= 3, max: 5}
    steps:
      - {id: bump, set: {round: "${ vars.round + 1 }"}}
output:
  round: ${ vars.round }
  rounds: ${ steps.rounds.rounds }
""",
    )
    result = await runner.run(name, {"case": case()})
    assert result["output"] == {"round": 3, "rounds": 3}


async def test_repeat_limit_fails_with_its_error_type(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "repeat-limit",
        """
steps:
  - id: rounds
    repeat: {until: "false", max: 2}
    steps: [{id: n, call: test.note, with: {note: again}}]
""",
    )
    error = await failure_of(runner, name, {"case": case()})
    assert error.type == "RepeatLimitReached"
    assert len(calls_of("test.note")) == 2


async def test_fail_compensates_completed_steps_in_reverse_order(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "saga",
        """
steps:
  - id: one
    call: test.note
    with: {note: one}
    compensate: {id: undo_one, call: test.undo, with: {note: "${ steps.one.note }"}}
  - id: two
    call: test.note
    with: {note: two}
    compensate: {id: undo_two, call: test.undo, with: {note: "${ steps.two.note }"}}
  - id: stop
    fail: {reason: DUPLICATE, message: "case ${ input.case } is a duplicate"}
""",
    )
    key = case()
    error = await failure_of(runner, name, {"case": key})
    assert error.type == "DUPLICATE"
    assert error.message == f"case {key} is a duplicate"
    assert [c["note"] for c in calls_of("test.undo")] == ["two", "one"]


async def test_compensation_covers_completed_parallel_branches(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "saga-parallel",
        """
steps:
  - id: both
    parallel:
      - id: a
        steps:
          - id: made_a
            call: test.note
            with: {note: a}
            compensate: {id: undo_a, call: test.undo, with: {note: a}}
      - id: b
        steps:
          - id: made_b
            call: test.note
            with: {note: b}
            compensate: {id: undo_b, call: test.undo, with: {note: b}}
  - id: boom
    call: test.fail
    with: {type: Boom}
""",
    )
    error = await failure_of(runner, name, {"case": case()})
    assert error.type == "Boom"
    assert sorted(c["note"] for c in calls_of("test.undo")) == ["a", "b"]


async def test_catch_handles_the_error_type_and_continues(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "caught",
        """
steps:
  - id: risky
    call: test.fail
    with: {type: SupplierBlocked, message: blocked by AP}
    catch:
      - errors: [Other]
        steps: [{id: wrong, set: {handled: wrong}}]
      - errors: [SupplierBlocked]
        steps: [{id: right, set: {handled: "${ error.type + ': ' + error.message }"}}]
  - id: after
    call: test.note
    with: {note: after}
output:
  handled: ${ vars.handled }
""",
    )
    result = await runner.run(name, {"case": case()})
    assert result["output"]["handled"] == "SupplierBlocked: blocked by AP"
    assert [c["note"] for c in calls_of("test.note")] == ["after"]


async def test_catch_then_fail_runs_the_handler_and_fails(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "caught-fail",
        """
steps:
  - id: risky
    call: test.fail
    with: {type: Boom}
    catch:
      - errors: [any]
        then: fail
        steps: [{id: alert, call: test.note, with: {note: alerted}}]
""",
    )
    error = await failure_of(runner, name, {"case": case()})
    assert error.type == "Boom"
    assert [c["note"] for c in calls_of("test.note")] == ["alerted"]


async def test_event_wait_receives_data_and_buffers_early_events(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "await-receipt",
        """
steps:
  - id: first
    call: test.note
    with: {note: ordered}
  - id: receipt
    wait: {event: goods_received, timeout: 10bd}
output:
  qty: ${ steps.receipt.data.qty }
  received: ${ steps.receipt.received }
""",
    )
    handle = await runner.start(name, {"case": case()})
    await send_event(runner.client, handle.id, "goods_received", {"qty": 10})
    result = await handle.result()
    assert result["output"] == {"qty": 10, "received": True}


async def test_progress_shows_what_the_run_waits_for(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "visible-wait",
        """
steps:
  - id: receipt
    title: Wait for the goods receipt
    wait: {event: goods_received, timeout: 5d}
""",
    )
    handle = await runner.start(name, {"case": case()})
    current = await waiting_run(runner.client, handle.id)
    (step,) = current.steps
    assert (step.step_id, step.status, step.waiting_for) == (
        "receipt",
        "waiting",
        "event:goods_received",
    )
    assert step.until is not None
    await handle.cancel()


async def test_cancel_runs_compensation_and_ends_cancelled(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "cancellable",
        """
steps:
  - id: booked
    call: test.note
    with: {note: booked}
    compensate: {id: unbook, call: test.undo, with: {note: unbook}}
  - id: hold
    wait: {event: never, timeout: 30d}
""",
    )
    handle = await runner.start(name, {"case": case()})
    await waiting_run(runner.client, handle.id)
    await handle.cancel()
    with pytest.raises(WorkflowFailureError):
        await handle.result()
    assert [c["note"] for c in calls_of("test.undo")] == ["unbook"]
    assert (await handle.describe()).status.name == "CANCELED"  # type: ignore[union-attr]


async def test_child_process_output_is_the_step_result(runner: ProcessRunner) -> None:
    define(
        runner,
        "child-sum",
        """
steps:
  - {id: add, call: test.add, with: {a: "${ input.amount }", b: 1}}
output:
  sum: ${ steps.add.sum }
""",
    )
    name = define(
        runner,
        "parent-sum",
        """
steps:
  - id: child
    process: child-sum
    input: {case: "${ input.case + '-child' }", amount: 41}
output:
  from_child: ${ steps.child.sum }
""",
    )
    result = await runner.run(name, {"case": case()})
    assert result["output"]["from_child"] == 42


async def test_a_computed_reason_ends_the_run_and_a_bad_one_is_an_expression_error(
    runner: ProcessRunner,
) -> None:
    name = define(
        runner,
        "computed-reason",
        """
steps:
  - {id: decide, set: {reason: '${ input.amount > 0 ? "PAID" : "not a code" }'}}
  - {id: done, finish: {reason: "${ vars.reason }"}}
""",
    )
    result = await runner.run(name, {"case": case(), "amount": 5})
    assert (result["status"], result["reason"]) == ("finished", "PAID")
    with pytest.raises(WorkflowFailureError) as failed:
        await runner.run(name, {"case": case(), "amount": 0})
    assert isinstance(failed.value.cause, ApplicationError)
    assert failed.value.cause.type == "ExpressionError"
    assert "a reason code is UPPER_CASE" in str(failed.value.cause)


async def test_finish_ends_early_with_its_reason_and_output(runner: ProcessRunner) -> None:
    name = define(
        runner,
        "early",
        """
steps:
  - id: done
    if: input.amount == 0
    finish: {reason: NOTHING_TO_DO, output: {amount: 0}}
  - {id: work, call: test.note, with: {note: work}}
""",
    )
    result = await runner.run(name, {"case": case(), "amount": 0})
    assert result == {"status": "finished", "reason": "NOTHING_TO_DO", "output": {"amount": 0}}
    assert calls_of("test.note") == []
