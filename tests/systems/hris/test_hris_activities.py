"""``hris.*`` through a real worker against the sandbox HRIS: created once, a statement
refused with each reason until settled, an outage retried, refusals in words."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from backoffice import runtime
from tests.support.workforce_apis import Apis, workforce_apis


@pytest_asyncio.fixture
async def apis(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Apis]:
    async with workforce_apis(dev_env.client, tmp_path) as started:
        yield started


def header(title: str, inputs: str = "", variables: str = "") -> str:
    """A definition's head; ``inputs`` and ``variables`` are YAML lines, indented by two."""
    shown = f"variables:\n{variables}" if variables else ""
    return f"""
name: hris-{uuid.uuid4().hex[:8]}
version: 1
title: {title}
owner: tests
business_key: input.case
defaults:
  retry: {{attempts: 4, initial_interval: 1s, max_interval: 2s}}
input:
  case: string
{inputs}
{shown}
"""


HIRE = """
steps:
  - id: hire
    call: hris.create_employee
    with:
      onboarding_id: HR-EMP-ONB-2025-00042
      first_name: Maria
      last_name: Lopez
      designation: Accounts Payable Specialist
      department: Finance
      grade: G5
      cost_center: CC-4100
      location: SFO-01
      employment_type: Full-time
      manager_id: EMP-0193
      date_of_joining: "2025-07-07"
  - id: again
    call: hris.create_employee
    with:
      onboarding_id: HR-EMP-ONB-2025-00042
      first_name: Maria
      last_name: Lopez
      designation: Accounts Payable Specialist
      department: Finance
      grade: G5
      cost_center: CC-4100
      location: SFO-01
      employment_type: Full-time
      manager_id: EMP-0193
      date_of_joining: "2025-07-07"
  - id: read
    call: hris.get_employee
    with: {employee_id: "${ steps.hire.employee_id }"}
output:
  first: ${ steps.hire }
  second: ${ steps.again }
  email: ${ steps.read.work_email }
  wage: ${ steps.read.daily_wage }
"""


async def test_an_onboarding_makes_its_employee_once(apis: Apis) -> None:
    name = apis.define(header("Hire") + HIRE)
    output = (await apis.run(name, {"case": "hire-1"}))["output"]
    assert output["first"] == {"employee_id": "EMP-0700", "status": "Active", "created": True}
    assert output["second"] == {"employee_id": "EMP-0700", "status": "Active", "created": False}
    assert output["email"] == "maria.lopez@acme.example"
    assert output["wage"] == 268  # the G5 day's wage, a JSON number in the run


LEAVER = """
steps:
  - id: separation
    call: hris.record_separation
    with:
      separation_id: HR-EMP-SEP-2025-00007
      employee_id: EMP-0420
      type: voluntary
      relieving_date: "2025-06-27"
      notice_given_at: "2025-06-02"
  - id: statement
    call: hris.final_statement
    with: {employee_id: EMP-0420, separation_id: HR-EMP-SEP-2025-00007}
  - id: submit
    call: hris.submit_statement
    with: {employee_id: EMP-0420, separation_id: HR-EMP-SEP-2025-00007}
    catch:
      - errors: [StatementNotSettled]
        steps:
          - id: blocked
            set:
              reasons: ${ error.details[0].reasons }
              message: ${ error.message }
output:
  statement: ${ steps.statement }
  reasons: ${ vars.reasons }
  message: ${ vars.message }
"""

SETTLED = """
steps:
  - id: recover
    call: hris.set_asset_action
    with: {statement_id: "${ input.statement_id }", asset: AST-LAP-0931, action: Recover Cost,
           amount: 1150.00}
  - id: submit
    call: hris.submit_statement
    with: {employee_id: EMP-0420, separation_id: HR-EMP-SEP-2025-00007}
  - id: paid
    call: hris.mark_statement_paid
    with: {statement_id: "${ input.statement_id }", run_number: OC-000001,
           journal_entry: JE-2025-00088}
  - id: left
    call: hris.set_employee_left
    with: {employee_id: EMP-0420, relieving_date: "2025-06-27"}
output:
  recovered: ${ steps.recover.assets[0] }
  status: ${ steps.paid.status }
  employee: ${ steps.left.status }
  relieving_date: ${ steps.left.relieving_date }
"""


async def test_the_statement_is_blocked_with_each_reason_until_settled(apis: Apis) -> None:
    name = apis.define(header("Leaver", variables="  reasons: []\n  message: ''") + LEAVER)
    output = (await apis.run(name, {"case": "leaver-1"}))["output"]
    statement = output["statement"]
    assert statement["status"] == "Draft"
    assert [r["component"] for r in statement["payables"]] == [
        "Expense Claim", "Expense Claim", "Leave Encashment",
    ]  # fmt: skip
    assert statement["payables"][0]["amount"] == 180.4
    assert output["reasons"] == [
        "Expense Claim HR-EXP-2025-00031 (180.40 USD) is Unsettled",
        "Expense Claim HR-EXP-2025-00044 (64.25 USD) is Unsettled",
        "Employee Advance HR-EAD-2025-00007 (300.00 USD) is Unsettled",
        "asset AST-LAP-0931 is to be returned and is still Owned: record its return or set "
        "its action to Recover Cost",
    ]
    assert output["message"].startswith(f"statement {statement['statement_id']} cannot be")

    # Payroll settles the claims and the advance in the HRIS; the laptop is not coming back.
    with apis.api("hris") as hris:
        for row in ("HR-EXP-2025-00031", "HR-EXP-2025-00044", "HR-EAD-2025-00007"):
            hris.put(
                f"/api/v1/final-statements/{statement['statement_id']}/rows/{row}",
                json={"status": "Settled"},
            ).raise_for_status()
    settled = apis.define(header("Settled", inputs="  statement_id: string") + SETTLED)
    done = await apis.run(settled, {"case": "leaver-2", "statement_id": statement["statement_id"]})
    assert done["output"] == {
        "recovered": {"asset": "AST-LAP-0931", "action": "Recover Cost", "status": "Owned",
                      "amount": 1150},
        "status": "Paid",
        "employee": "Left",
        "relieving_date": "2025-06-27",
    }  # fmt: skip


READ = """
steps:
  - id: read
    call: hris.get_employee
    with: {employee_id: "${ input.employee_id }"}
output:
  name: ${ steps.read.first_name }
"""


def read_definition(apis: Apis) -> str:
    return apis.define(header("Read", inputs="  employee_id: string") + READ)


async def test_an_outage_is_retried_and_the_run_goes_on(apis: Apis) -> None:
    name = read_definition(apis)
    apis.admin("hris", "PUT", "faults", json={"next": 2})
    handle = await apis.start(name, {"case": "outage-1", "employee_id": "EMP-0420"})
    assert (await handle.result())["output"] == {"name": "Jordan"}
    attempts = [
        e.activity_task_started_event_attributes.attempt
        for e in (await handle.fetch_history()).events
        if e.HasField("activity_task_started_event_attributes")
    ]
    assert attempts == [3]  # two 503s, then the answer
    assert apis.admin("hris", "GET", "faults")["next"] == 0


async def failure_of(apis: Apis, data: dict[str, Any]) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as caught:
        await apis.run(read_definition(apis), data)
    cause = caught.value.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.__cause__
    assert isinstance(cause, ApplicationError)
    return cause


async def test_an_unknown_employee_and_a_wrong_token_fail_at_once_in_words(apis: Apis) -> None:
    missing = await failure_of(apis, {"case": "missing-1", "employee_id": "EMP-9999"})
    assert missing.type == "EmployeeNotFound"
    assert "there is no employee EMP-9999 in the HRIS" in missing.message
    assert missing.non_retryable

    # The secret store now holds a token the HRIS no longer knows.
    wrong = apis.settings.model_copy(
        update={"environ": {**apis.settings.environ, "BACKOFFICE_SECRET_HRIS_API_TOKEN": "old"}}
    )
    runtime.use(wrong)
    refused = await failure_of(apis, {"case": "token-1", "employee_id": "EMP-0420"})
    assert refused.type == "HrisRefused"
    assert "refused the token of secret 'hris-api'" in refused.message
    assert apis.tokens["hris"] not in refused.message
