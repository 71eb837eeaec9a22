"""``assets.*`` through a real worker against the sandbox asset register."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from tests.support.workforce_apis import Apis, workforce_apis


@pytest_asyncio.fixture
async def apis(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Apis]:
    async with workforce_apis(dev_env.client, tmp_path) as started:
        yield started


def definition(steps: str, output: str) -> str:
    return f"""
name: assets-{uuid.uuid4().hex[:8]}
version: 1
title: Laptops
owner: tests
business_key: input.case
defaults:
  retry: {{attempts: 4, initial_interval: 1s, max_interval: 2s}}
input:
  case: string
  holder: string
  model: string
steps:
{steps}
output:
{output}
"""


LIFE = """
  - id: assign
    call: assets.assign_laptop
    with: {holder_ref: "${ input.holder }", model: "${ input.model }", ship_to: "SFO-01"}
  - id: assign_again
    call: assets.assign_laptop
    with: {holder_ref: "${ input.holder }", model: "${ input.model }"}
  - id: ship
    call: assets.ship
    with: {asset: "${ steps.assign.asset }"}
  - id: returned
    call: assets.record_return
    with: {asset: "${ steps.assign.asset }"}
  - id: held
    call: assets.holdings
    with: {holder_ref: "${ input.holder }"}
"""
LIFE_OUTPUT = """
  first: ${ steps.assign.asset }
  again: ${ steps.assign_again.asset }
  serial: ${ steps.assign.serial }
  tracking: ${ steps.ship.tracking }
  shipped: ${ steps.ship.status }
  returned: ${ steps.returned.status }
  held: ${ steps.held.assets.map(a, a.status) }
"""


async def test_a_laptop_is_reserved_once_shipped_and_returned(apis: Apis) -> None:
    name = apis.define(definition(LIFE, LIFE_OUTPUT))
    data = {"case": "laptop-1", "holder": "HR-EMP-ONB-2025-00042", "model": "STD-WIN-14"}
    output = (await apis.run(name, data))["output"]
    assert output["first"] == output["again"]
    assert output["serial"].startswith("PF4")
    assert output["tracking"].startswith("1Z")
    assert (output["shipped"], output["returned"], output["held"]) == (
        "Shipped", "Returned", ["Returned"],
    )  # fmt: skip
    assert apis.admin("assets", "GET", "state")["stock"]["STD-WIN-14"] == 5


async def failure(apis: Apis, steps: str, data: dict[str, str]) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as caught:
        await apis.run(apis.define(definition(steps, "  done: true")), data)
    cause = caught.value.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__
    assert isinstance(cause, ApplicationError)
    return cause


async def test_no_stock_and_an_unknown_asset_are_refused_in_words(apis: Apis) -> None:
    with apis.api("assets") as register:
        for n in range(6):
            register.post(
                "/api/v1/assignments", json={"holder_ref": f"ONB-{n}", "model": "STD-MAC-14"}
            ).raise_for_status()
    assign = """
  - id: assign
    call: assets.assign_laptop
    with: {holder_ref: "${ input.holder }", model: "${ input.model }"}
"""
    empty = await failure(apis, assign, {"case": "c1", "holder": "ONB-9", "model": "STD-MAC-14"})
    assert (empty.type, empty.non_retryable) == ("NoStock", True)
    assert empty.message == "no STD-MAC-14 laptop is in stock; in stock: STD-WIN-14 (6)"
    ship = """
  - id: ship
    call: assets.ship
    with: {asset: AST-LAP-9999}
"""
    unknown = await failure(apis, ship, {"case": "c2", "holder": "x", "model": "x"})
    assert unknown.type == "AssetNotFound"
    assert "there is no asset AST-LAP-9999" in unknown.message


async def test_an_outage_of_the_register_is_retried(apis: Apis) -> None:
    apis.admin("assets", "PUT", "faults", json={"next": 1})
    name = apis.define(definition(LIFE, LIFE_OUTPUT))
    data = {"case": "laptop-2", "holder": "EMP-0700", "model": "STD-MAC-14"}
    assert (await apis.run(name, data))["output"]["returned"] == "Returned"
