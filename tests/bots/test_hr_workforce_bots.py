"""The HR intranet bots onboarding and offboarding use, through the worker, faults included.

Each bot reads before it writes: a retry after a lost answer, or a second run, finds what
the first one did instead of doing it again. Each result names a screenshot of the record.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from tests.bots.conftest import Sites
from tests.bots.test_hr_and_treasury_bots import HEADER

RETRIED = "    timeout: 60s\n    retry: {initial_interval: 1s, max_interval: 2s}\n"
NEW_HIRE = """{first_name: Maria, last_name: Lopez, department: Finance,
                 job_title: Accounts Payable Specialist, manager_id: EMP-0193,
                 hire_date: "2026-12-07"}"""


def step(step_id: str, bot: str, arguments: str) -> str:
    return f"  - id: {step_id}\n    bot: {bot}\n{RETRIED}    with: {arguments}\n"


def outputs(**values: str) -> str:
    lines = "".join(f"  {name}: ${{ {path} }}\n" for name, path in values.items())
    return f"output:\n{lines}"


async def run(sites: Sites, steps: str) -> Any:
    name = sites.runner.define(f"name: hr-{uuid.uuid4().hex[:8]}\n{HEADER}{steps}")
    result = await sites.runner.run(name, {"case": uuid.uuid4().hex[:8]})
    return result["output"]


async def refusal(sites: Sites, steps: str) -> ApplicationError:
    with pytest.raises(WorkflowFailureError) as failed:
        await run(sites, steps)
    cause = failed.value.cause
    while cause is not None and not isinstance(cause, ApplicationError):
        cause = cause.cause
    assert isinstance(cause, ApplicationError)
    return cause


def assert_png(path: str) -> None:
    picture = Path(path)
    assert picture.name.startswith("record-")
    data = picture.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert 1000 < len(data) < 4 * 1024 * 1024


async def report_login(sites: Sites, employee_id: str, system: str, at: str) -> None:
    async with httpx.AsyncClient(base_url=sites.hr.url, timeout=10) as client:
        response = await client.post(
            "/__admin/logins", json={"employee_id": employee_id, "system": system, "at": at}
        )
        response.raise_for_status()


async def lost_answers_left(sites: Sites) -> int:
    """How many of the injected lost answers no submit has met yet."""
    async with httpx.AsyncClient(base_url=sites.hr.url, timeout=10) as client:
        response = await client.get("/__admin/faults")
        response.raise_for_status()
        left: int = response.json()["lost_response_next"]
        return left


async def test_account_of_a_new_hire_is_opened_once_with_the_hris_id(sites: Sites) -> None:
    create = step(
        "open",
        "hr.create_account",
        "{employee_id: EMP-0612, system: LEGACY_PAYROLL, user_name: P0612,\n"
        f"           new_hire: {NEW_HIRE}}}",
    ) + outputs(
        user="steps.open.user_id", status="steps.open.status", evidence="steps.open.evidence"
    )
    # The new hire's entry loses its answer, then the account's: both are looked up again.
    await sites.hr.faults(lost_response_next=2, lost_response_mode="drop")
    first = await run(sites, create)
    assert first["user"] == "P0612"
    assert first["status"] == "ACTIVE"
    assert_png(first["evidence"])
    assert await lost_answers_left(sites) == 0
    again = await run(sites, create)
    assert again["user"] == "P0612"
    assert await sites.hr.count("employee", "EMP-0612") == 1
    assert await sites.hr.count("account", "EMP-0612", system="LEGACY_PAYROLL") == 1


async def test_account_disabled_enabled_and_its_last_login_read_back(sites: Sites) -> None:
    await report_login(sites, "EMP-0135", "VPN", "2026-11-30T21:04:05Z")
    account = "{employee_id: EMP-0135, system: VPN}"
    steps = (
        step("disable", "hr.disable_account", account)
        + step("enable", "hr.enable_account", account)
        + step("status", "hr.account_status", account)
        + outputs(
            disabled="steps.disable.status",
            disabled_evidence="steps.disable.evidence",
            enabled="steps.enable.status",
            enabled_evidence="steps.enable.evidence",
            status="steps.status.status",
            last_login="steps.status.last_login_at",
            status_evidence="steps.status.evidence",
        )
    )
    await sites.hr.faults(lost_response_next=2, lost_response_mode="drop")
    output = await run(sites, steps)
    assert (output["disabled"], output["enabled"], output["status"]) == (
        "DISABLED",
        "ACTIVE",
        "ACTIVE",
    )
    assert output["last_login"] == "2026-11-30T21:04:05Z"
    for name in ("disabled_evidence", "enabled_evidence", "status_evidence"):
        assert_png(output[name])
    assert await sites.hr.count("account_disable", "EMP-0135", system="VPN") == 1


async def test_badge_issued_once_then_revoked_once(sites: Sites) -> None:
    issue = step(
        "issue",
        "hr.issue_badge",
        '{employee_id: EMP-0512, holder_name: Priya Raman, valid_from: "2025-07-07"}',
    ) + outputs(
        number="steps.issue.badge_number",
        valid_from="steps.issue.valid_from",
        status="steps.issue.status",
        evidence="steps.issue.evidence",
    )
    revoke = step(
        "revoke", "hr.revoke_badge", "{employee_id: EMP-0512, reason: Offer withdrawn}"
    ) + outputs(
        number="steps.revoke.badge_number",
        status="steps.revoke.status",
        at="steps.revoke.revoked_at",
        evidence="steps.revoke.evidence",
    )
    await sites.hr.faults(lost_response_next=1, lost_response_mode="drop")
    issued = await run(sites, issue)
    assert (issued["valid_from"], issued["status"]) == ("2025-07-07", "Active")
    assert_png(issued["evidence"])
    assert (await run(sites, issue))["number"] == issued["number"]
    await sites.hr.faults(lost_response_next=1, lost_response_mode="drop")
    revoked = await run(sites, revoke)
    assert (revoked["number"], revoked["status"]) == (issued["number"], "Revoked")
    assert revoked["at"].endswith("Z")
    assert_png(revoked["evidence"])
    again = await run(sites, revoke)
    assert (again["number"], again["at"]) == (revoked["number"], revoked["at"])
    assert await sites.hr.count("badge", "EMP-0512") == 1
    assert await sites.hr.count("badge", "EMP-0512", status="Revoked") == 1


async def test_badge_from_another_date_is_a_business_error(sites: Sites) -> None:
    error = await refusal(
        sites,
        step(
            "issue",
            "hr.issue_badge",
            '{employee_id: EMP-0420, holder_name: Jordan Miller, valid_from: "2026-12-07"}',
        ),
    )
    assert error.type == "BotBusinessRule"
    assert "EMP-0420 already has the active badge BDG-100021, valid from 2020-08-17" in (
        error.message
    )
    assert await sites.hr.count("badge", "EMP-0420") == 1


async def test_payroll_record_of_an_unknown_new_hire_then_inactivated(sites: Sites) -> None:
    record = (
        '{employee_id: EMP-0613, effective_date: "2026-12-07", account_holder: Maria Lopez,\n'
        '           bank_name: Wells Fargo Bank, routing_number: "121000248",\n'
        f'           account_number: "12345678", new_hire: {NEW_HIRE}}}'
    )
    create = step("create", "hr.create_payroll_record", record) + outputs(
        number="steps.create.record_number", evidence="steps.create.evidence"
    )
    inactivate = step("end", "hr.inactivate_payroll_record", "{employee_id: EMP-0613}") + outputs(
        number="steps.end.record_number",
        status="steps.end.status",
        effective="steps.end.effective_date",
        evidence="steps.end.evidence",
    )
    # The new hire's entry loses its answer, then the record's: both are looked up again.
    await sites.hr.faults(lost_response_next=2, lost_response_mode="drop")
    created = await run(sites, create)
    assert created["number"].startswith("PR-")
    assert_png(created["evidence"])
    assert await lost_answers_left(sites) == 0
    assert (await run(sites, create))["number"] == created["number"]
    assert await sites.hr.count("employee", "EMP-0613") == 1
    await sites.hr.faults(lost_response_next=1, lost_response_mode="drop")
    ended = await run(sites, inactivate)
    assert (ended["number"], ended["status"]) == (created["number"], "INACTIVE")
    assert ended["effective"] == "2026-12-07"
    assert_png(ended["evidence"])
    assert (await run(sites, inactivate))["number"] == created["number"]
    assert await sites.hr.count("payroll_record", "EMP-0613") == 1
    assert await sites.hr.count("payroll_record", "EMP-0613", status="INACTIVE") == 1


async def test_unknown_employee_without_new_hire_is_a_business_error(sites: Sites) -> None:
    error = await refusal(
        sites,
        step(
            "open",
            "hr.create_account",
            "{employee_id: EMP-0614, system: BADGE, user_name: mlopez}",
        ),
    )
    assert error.type == "BotBusinessRule"
    assert "employee EMP-0614 is not in the HR system yet: give new_hire" in error.message
    error = await refusal(
        sites, step("end", "hr.inactivate_payroll_record", "{employee_id: EMP-0614}")
    )
    assert "EMP-0614 has no payroll record in the HR system" in error.message


async def test_off_cycle_run_cancelled_once(sites: Sites) -> None:
    create = step(
        "pay",
        "hr.create_off_cycle_run",
        "{employee_id: EMP-0458, amount: 1200.40, reason: Final settlement,\n"
        '           payment_date: "2026-12-04"}',
    ) + outputs(number="steps.pay.run_number", evidence="steps.pay.evidence")
    created = await run(sites, create)
    assert_png(created["evidence"])
    cancel = step("cancel", "hr.cancel_off_cycle_run", f"{{run_number: {created['number']}}}")
    cancel += outputs(status="steps.cancel.status", evidence="steps.cancel.evidence")
    await sites.hr.faults(lost_response_next=1, lost_response_mode="drop")
    cancelled = await run(sites, cancel)
    assert cancelled["status"] == "CANCELLED"
    assert_png(cancelled["evidence"])
    assert (await run(sites, cancel))["status"] == "CANCELLED"
    assert await sites.hr.count("offcycle_run", "EMP-0458", status="CANCELLED") == 1
    missing = await refusal(
        sites, step("cancel", "hr.cancel_off_cycle_run", "{run_number: OC-2026-999999}")
    )
    assert "off-cycle run OC-2026-999999 does not exist in the HR system" in missing.message
