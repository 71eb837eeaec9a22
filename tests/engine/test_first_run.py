from __future__ import annotations

from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from tests.support.processes import process_worker


async def test_sequence_of_calls_produces_output(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with process_worker(dev_env.client, tmp_path) as runner:
        name = runner.define(
            """
            name: add-up
            version: 1
            title: Add up
            owner: tests
            business_key: input.case
            input:
              case: string
              a: number
              b: number
            steps:
              - id: first
                call: test.add
                with: {a: "${ input.a }", b: "${ input.b }"}
              - id: second
                call: test.add
                with: {a: "${ steps.first.sum }", b: 10}
            output:
              total: ${ steps.second.sum }
            """
        )
        result = await runner.run(name, {"case": "c1", "a": 1, "b": 2})
    assert result == {"status": "completed", "reason": None, "output": {"total": 13}}
