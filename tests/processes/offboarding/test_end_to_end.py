"""The shipped offboarding definition against the real systems.

Jordan Miller (EMP-0420, Sales, San Francisco) leaves. His account on the sandbox identity
provider is signed in to every application before he goes; the HRIS holds his final
statement (two expense claims and an advance still open, a laptop to return); his payroll
login is in the HR intranet, which the HR bots drive in Chromium. Each test reads those
systems' own state, not only what the run says.

While a person decides, the time-skipping server's clock runs at wall speed; the day until
the access check passes only when a test sleeps.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from backoffice.engine.contracts import TASKS_QUERY, TaskView
from backoffice.engine.runs import progress
from backoffice.settings import interpreter_bin_dir
from tests.processes.offboarding.stack import Offboarding, offboarding_stack
from tests.support.eventually import eventually
from tests.support.payload_keys import CONVERTER

LEAVER = "jordan.miller@acme.example"
MANAGER = "christopher.hale@acme.example"
APPLICATIONS = ("directory", "mail", "vpn", "erp")
UNSETTLED = ("HR-EXP-2025-00031", "HR-EXP-2025-00044", "HR-EAD-2025-00007")
CHECK_HOURS = 25  # past the 24 hours after the revocation, when every system is asked again

# Another process with a task waiting on bob, as an invoice approval does.
APPROVAL = """
name: leaver-approval
version: 1
title: Invoice approval
owner: tests
business_key: input.case
input:
  case: string
steps:
  - id: approve
    title: Approve invoice ${ input.case }
    task:
      assignees: [{user: bob}]
      form: {outcomes: [approve, reject]}
      timeout: {after: 5bd, outcome: reject}
output:
  outcome: ${ steps.approve.outcome }
  by: ${ steps.approve.decided_by }
"""


@pytest_asyncio.fixture
async def systems(tmp_path: Path) -> AsyncIterator[Offboarding]:
    # A time-skipping server of the test's own: a run a failed test leaves behind cannot
    # stop the next test's clock.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(interpreter_bin_dir() / "temporal-test-server"),
        data_converter=CONVERTER,
    )
    try:
        async with offboarding_stack(env, tmp_path) as stack:
            yield stack
    finally:
        await env.shutdown()


async def separation(stack: Offboarding, **changes: Any) -> dict[str, Any]:
    today = (await stack.env.get_current_time()).date()
    data: dict[str, Any] = {
        "separation_id": f"HR-EMP-SEP-E2E-{uuid.uuid4().hex[:6].upper()}",
        "employee": "EMP-0420",
        "type": "involuntary",
        "risk": "high",
        "notice_given_at": today.isoformat(),
        "relieving_date": (today + timedelta(days=14)).isoformat(),
        "jurisdiction": "US-CA",
        "manager_id": "EMP-0193",
        "systems": ["AD", "M365", "ERP", "VPN", "LEGACY_PAYROLL"],
    }
    return {**data, **changes}


def signed_in_leaver(stack: Offboarding) -> str:
    """Jordan's account and the manager's, Jordan signed in everywhere; Jordan's id."""
    stack.make_user(MANAGER, "Christopher", "Hale")
    leaver = stack.make_user(LEAVER, "Jordan", "Miller")
    for application in APPLICATIONS:
        stack.sign_in(LEAVER, application)
    assert {g["application"] for g in stack.live_grants(leaver)} == set(APPLICATIONS)
    return leaver


async def confirmed_at_once(stack: Offboarding, data: dict[str, Any]) -> WorkflowHandle[Any, Any]:
    """A run HR confirmed as a termination: access is revoked without waiting."""
    handle = await stack.start("offboarding", data)
    await stack.decide(handle, "confirm", "hanna", "confirm", {"skip_exit_interview": True})
    await stack.reached(handle, "verification_time", "waiting")
    return handle


def evidence(stack: Offboarding, employee: str, system: str) -> list[Path]:
    root = stack.settings.resolved_artifacts_dir
    return [p for p in root.rglob("*.png") if f"{employee}-{system}" in p.name]


async def test_t2_a_high_risk_termination_leaves_no_session_token_or_legacy_login(
    systems: Offboarding,
) -> None:
    leaver = signed_in_leaver(systems)
    data = await separation(systems)
    handle = await confirmed_at_once(systems, data)

    # Revoked within the hour of HR's confirmation, long before the last day.
    assert systems.idp_user(LEAVER)["active"] is False
    assert systems.live_grants(leaver) == []
    assert await systems.step(handle, "revocation_time") == "skipped"
    assert await systems.step(handle, "revocation_late") == "skipped"
    disabled = {"system": "LEGACY_PAYROLL", "status": "DISABLED"}
    assert await systems.hr_count("account", "EMP-0420", **disabled) == 1
    assert await systems.hr_count("account_disable", "EMP-0420", system="LEGACY_PAYROLL") == 1
    shots = evidence(systems, "EMP-0420", "LEGACY_PAYROLL")
    assert shots
    assert all(s.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for s in shots)
    # The mailbox went to the manager; the accounts with SCIM were not touched by bot.
    with systems.api("idp") as idp:
        box = idp.get(f"/apps/mail/users/{leaver}/mailbox").raise_for_status().json()
    assert box["shared"] is True
    assert box["delegate"] == MANAGER
    assert await systems.hr_count("account_disable", "EMP-0420", system="AD") == 0

    # A day later every system is asked again: nothing is found, nobody is paged.
    await systems.sleep(handle, CHECK_HOURS)
    await systems.reached(handle, "incident", "skipped")
    shown = await progress(systems.env.client, handle.id)
    assert shown.variables["findings"] == []
    assert await systems.step(handle, "logins") == "completed"
    assert await systems.step(handle, "legacy_status") == "completed"
    assert systems.incidents("EMP-0420") == []
    assert await systems.step(handle, "remediate") == "skipped"


async def test_a_login_a_day_after_the_revocation_opens_a_p1_for_security(
    systems: Offboarding,
) -> None:
    leaver = signed_in_leaver(systems)
    handle = await confirmed_at_once(systems, await separation(systems))
    assert systems.live_grants(leaver) == []

    # A session the revocation missed: signed in on the VPN while the account was on again.
    systems.set_active(leaver, True)
    systems.sign_in(LEAVER, "vpn")
    systems.set_active(leaver, False)
    assert {g["application"] for g in systems.live_grants(leaver)} == {"vpn"}

    await systems.sleep(handle, CHECK_HOURS)
    await systems.reached(handle, "incident", "completed")
    [incident] = systems.incidents("EMP-0420")
    assert incident.severity == "P1"
    assert "vpn: session" in incident.findings_json
    assert "vpn: token" in incident.findings_json
    remediation = await systems.task(handle, "remediate")
    assert remediation.deciders is not None
    assert "sofia" in remediation.deciders
    assert incident.incident_id in remediation.title


async def test_t4_the_statement_waits_for_the_expense_claims_then_is_paid(
    systems: Offboarding,
) -> None:
    signed_in_leaver(systems)
    data = await separation(
        systems, type="voluntary", risk="standard",
        assets=[{"asset": "AST-LAP-0931", "type": "laptop"}],
    )  # fmt: skip
    handle = await systems.start("offboarding", data)
    await systems.decide(handle, "confirm", "hanna", "confirm")
    await systems.decide(handle, "return_asset", "ivan", "returned")

    # The laptop is back; the expense claims and the advance still block the statement.
    await systems.task(handle, "settle_rows")
    statement = systems.statement(data["separation_id"])
    assert statement["status"] == "Draft"
    assert [a["status"] for a in statement["assets"]] == ["Returned"]
    rows = statement["payables"] + statement["receivables"]
    assert sorted(r["reference"] for r in rows if r["status"] == "Unsettled") == sorted(UNSETTLED)

    with systems.api("hris") as hris:
        for reference in UNSETTLED:
            answer = hris.put(
                f"/api/v1/final-statements/{statement['statement_id']}/rows/{reference}",
                json={"status": "Settled"},
            )
            assert answer.status_code == 200, answer.text
    await systems.decide(handle, "settle_rows", "pavel", "settled")
    await systems.decide(handle, "prepare", "pavel", "prepared")
    await systems.decide(handle, "approve_hr", "henrik", "approve")

    await systems.reached(handle, "paid", "completed")
    paid = systems.statement(data["separation_id"])
    assert paid["status"] == "Paid"
    assert paid["run_number"].startswith("OC-")
    assert paid["journal_entry"] == f"JE-{data['separation_id']}"
    assert await systems.hr_count("offcycle_run", "EMP-0420", status="CREATED") == 1
    assert await systems.step(handle, "approve_controller") == "skipped"
    assert await systems.step(handle, "penalty") == "skipped"


async def test_a_leavers_open_approval_goes_to_his_manager(systems: Offboarding) -> None:
    signed_in_leaver(systems)
    systems.define(APPROVAL, "leaver_approval")
    case = f"INV-{uuid.uuid4().hex[:6]}"
    approval = await systems.start("leaver-approval", {"case": case})
    waiting = await systems.task(approval, "approve")
    assert list(waiting.deciders or {}) == ["bob"]

    handle = await confirmed_at_once(systems, await separation(systems, directory_user="bob"))
    await systems.reached(handle, "hand_over_tasks", "completed")

    async def moved() -> TaskView | None:
        views = await approval.query(TASKS_QUERY, result_type=list[TaskView])
        open_ = [v for v in views if v.status == "open" and list(v.deciders or {}) == ["carol"]]
        return open_[-1] if open_ else None

    carols: TaskView = await eventually(moved, "the approval to be carol's", within=60)
    assert carols.task_id == waiting.task_id
    await systems.decide(approval, "approve", "carol", "approve")
    assert (await approval.result())["output"] == {"outcome": "approve", "by": ["carol"]}
    # The knowledge handover of the run itself is carol's too, as bob's manager.
    handover = await systems.task(handle, "knowledge_handover")
    assert list(handover.deciders or {}) == ["carol"]
