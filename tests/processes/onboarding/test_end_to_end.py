"""The shipped onboarding definition against the real systems, from the offer to Day 1.

Maria Lopez joins Finance in San Francisco. Her consent and her bank details come through
the links in her mail, followed in Chromium; the screening vendor's result comes by its
signed webhook through the event receiver; the payroll record and the badge are made by
the HR bots in Chromium; the accounts, the laptop and the employee by the activities on
the sandbox IdP, asset register and HRIS. Each test then reads those systems' own state.

While a person decides or a webhook is awaited, the time-skipping server's clock runs at
wall speed; the days until a wait ends pass only when the test sleeps or awaits the end.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from playwright.async_api import expect
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from backoffice.engine.runs import progress, send_event
from backoffice.settings import interpreter_bin_dir
from tests.processes.onboarding.stack import Onboarding, onboarding_stack
from tests.support.browser import chromium
from tests.support.payload_keys import CONVERTER

EMAIL = "maria.lopez@example.org"
ROLES = ["AD:G-FIN-AP", "ERP:AP_CLERK", "M365:E3"]
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
MAX_SLEEPS = 30  # two-day steps: more than the weeks until any start date here


@pytest_asyncio.fixture
async def systems(tmp_path: Path) -> AsyncIterator[Onboarding]:
    # A time-skipping server of the test's own: a run a failed test leaves behind cannot
    # stop the next test's clock.
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(interpreter_bin_dir() / "temporal-test-server"),
        data_converter=CONVERTER,
    )
    try:
        async with onboarding_stack(env, tmp_path) as stack:
            yield stack
    finally:
        await env.shutdown()


def start_date(today: date) -> date:
    """A Monday five weeks or more away: time for every preparation before it."""
    day = today + timedelta(days=35)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def maria(stack: Onboarding, **changes: Any) -> dict[str, Any]:
    number = uuid.uuid4().hex[:5].upper()
    data: dict[str, Any] = {
        "onboarding_id": f"HR-EMP-ONB-E2E-{number}",
        "job_applicant": f"HR-APP-E2E-{number}",
        "job_offer": f"HR-OFF-E2E-{number}",
        "candidate": {"first_name": "Maria", "last_name": "Lopez", "personal_email": EMAIL,
                      "country": "US", "state": "CA"},
        "position": {"designation": "Accounts Payable Specialist", "department": "Finance",
                     "grade": "G5", "cost_center": "CC-4100", "location": "SFO-01",
                     "employment_type": "Full-time", "manager_id": "EMP-0193"},
        "hiring_manager": "carol",
        "requested_by": "hanna",
        "date_of_joining": start_date(stack.today).isoformat(),
        "boarding_begins_on": stack.today.isoformat(),
        "template": "ONB-TPL-FIN-US",
        "access_bundle": ROLES,
        "equipment": {"laptop": "STD-WIN-14", "phone": False},
        "background_check_required": True,
        "work_authorization_check": "I9",
    }  # fmt: skip
    data.update(changes)
    return data


async def consent_in_chromium(stack: Onboarding) -> None:
    link = await stack.guest_link(EMAIL, "Background-check consent")
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(link)
        await page.get_by_label("Your full name as your signature").fill("Maria Lopez")
        await page.get_by_role("button", name="I consent", exact=True).click()
        await expect(page.get_by_test_id("guest-done")).to_contain_text("consent")


async def bank_details_in_chromium(stack: Onboarding) -> None:
    link = await stack.guest_link(EMAIL, "Bank and tax details")
    async with chromium() as browser:
        page = await browser.new_page()
        await page.goto(link)
        await page.get_by_label("Account holder").fill("Maria Lopez")
        await page.get_by_label("Bank").fill("First Bay Bank")
        await page.get_by_label("Routing number").fill("121000358")
        await page.get_by_label("Account number").fill("000123456789")
        await page.get_by_label("Account type").select_option("Checking")
        await page.get_by_label("Filing status").select_option(
            "Single or Married filing separately"
        )
        await page.get_by_role("button", name="Send", exact=True).click()
        await expect(page.get_by_test_id("guest-done")).to_contain_text("submit")


async def prepared(stack: Onboarding, handle: WorkflowHandle[Any, Any]) -> str:
    """Through the check and every decision before the laptop: the employee's id, once the
    accounts wait (inactive) for Day 1."""
    await consent_in_chromium(stack)
    # The vendor answers a second after the order, by webhook: the run wakes at once.
    await stack.reached(handle, "first_wait", "completed")
    await bank_details_in_chromium(stack)
    await stack.decide(handle, "required_item", "hanna", "completed")
    roles = [{"role": role, "grant": True} for role in ROLES]
    await stack.decide(handle, "approve_access", "carol", "approve", {"roles": roles})
    await stack.decide(handle, "checklist_item", "hanna", "completed")
    await stack.reached(handle, "day_one_morning", "waiting")
    await stack.reached(handle, "payroll_record", "completed")
    (employee,) = [
        e for e in stack.state("hris")["employees"]
        if e["onboarding_id"] == handle.id.rsplit("/", 1)[-1]
    ]  # fmt: skip
    employee_id: str = employee["employee_id"]
    return employee_id


async def until_step(
    stack: Onboarding, handle: WorkflowHandle[Any, Any], step: str, status: str
) -> None:
    """Let days pass, two at a time, until ``step`` has ``status``."""
    for _ in range(MAX_SLEEPS):
        if await stack.step_status(handle, step) == status:
            return
        await stack.sleep(handle, 2)
    await stack.reached(handle, step, status)


async def test_t1_everything_is_ready_and_the_accounts_go_live_at_six_on_day_one(
    systems: Onboarding,
) -> None:
    stack = systems
    data = maria(stack)
    onboarding_id = data["onboarding_id"]
    stack.choose_check_outcome(onboarding_id, "clear", after_seconds=1)
    handle = await stack.start(data)
    employee_id = await prepared(stack, handle)

    # Before Day 1: the account exists in the IdP, inactive, with the approved groups.
    user = stack.idp_user("maria.lopez")
    assert user is not None
    assert user["external_id"] == onboarding_id
    assert user["active"] is False
    assert stack.idp_groups_of(user["id"]) == {"accounts-payable", "erp-users", "all-staff"}
    assert await stack.hr_count("payroll_record", employee_id, status="ACTIVE") == 1

    # The laptop is reserved five days after boarding begins; IT ships it.
    await until_step(stack, handle, "ship_laptop", "waiting")
    await stack.decide(handle, "ship_laptop", "ivan", "shipped")
    await stack.reached(handle, "laptop_shipped", "completed")
    # The badge, from the eighth day of boarding.
    await until_step(stack, handle, "badge", "completed")
    assert await stack.hr_count("badge", employee_id, status="Active") == 1
    still = stack.idp_user("maria.lopez")
    assert still is not None
    assert still["active"] is False
    assert (await stack.env.get_current_time()).date() < date.fromisoformat(data["date_of_joining"])

    # Day 1, 06:00 in San Francisco: the account goes live.
    await until_step(stack, handle, "activate", "completed")
    live = stack.idp_user("maria.lopez")
    assert live is not None
    assert live["active"] is True
    six = datetime.combine(
        date.fromisoformat(data["date_of_joining"]), datetime.min.time().replace(hour=6),
        LOS_ANGELES,
    )  # fmt: skip
    shown = await progress(stack.env.client, handle.id)
    (activated,) = [s for s in shown.steps if s.key.rsplit("/", 1)[-1] == "activate"]
    assert activated.started_at is not None
    assert six.astimezone(UTC) <= activated.started_at < six.astimezone(UTC) + timedelta(hours=1)

    # Every system holds what the onboarding made.
    (employee,) = [e for e in stack.state("hris")["employees"] if e["employee_id"] == employee_id]
    assert employee["date_of_joining"] == data["date_of_joining"]
    assert await stack.hr_count("payroll_record", employee_id, status="ACTIVE") == 1
    assert await stack.hr_count("badge", employee_id, status="Active") == 1
    laptop = stack.laptop(onboarding_id)
    assert (laptop["model"], laptop["status"]) == ("STD-WIN-14", "Shipped")
    row = stack.register(onboarding_id)
    assert row is not None
    assert row.status == "In Process"  # Completed only after the first month


async def test_c1_a_withdrawal_after_the_accounts_and_laptop_leaves_nothing_behind(
    systems: Onboarding,
) -> None:
    stack = systems
    data = maria(stack)
    onboarding_id = data["onboarding_id"]
    stack.choose_check_outcome(onboarding_id, "clear", after_seconds=1)
    handle = await stack.start(data)
    employee_id = await prepared(stack, handle)
    await until_step(stack, handle, "ship_laptop", "waiting")
    await until_step(stack, handle, "badge", "completed")
    assert await stack.hr_count("badge", employee_id, status="Active") == 1
    laptop = stack.laptop(onboarding_id)
    assert laptop["status"] == "Assigned"
    assert stack.idp_user("maria.lopez") is not None
    # The laptop waits to be shipped: the withdrawal closes that task too.
    assert [step.rsplit("/", 1)[-1] for step in stack.open_task_rows(handle)] == ["ship_laptop"]

    await send_event(
        stack.env.client, handle.id, "offer_withdrawn", {"reason": "Accepted another offer"}
    )
    result = await handle.result()
    assert result["output"]["status"] == "Cancelled"
    assert result["output"]["reason"] == "Accepted another offer"
    assert result["output"]["purged"] is True  # the candidate's data, six months later

    user = stack.idp_user("maria.lopez")
    assert user is None or user["active"] is False
    assert await stack.hr_count("badge", employee_id, status="Active") == 0
    assert await stack.hr_count("badge", employee_id, status="Revoked") == 1
    assert await stack.hr_count("payroll_record", employee_id, status="ACTIVE") == 0
    assert await stack.hr_count("payroll_record", employee_id, status="INACTIVE") == 1
    laptop = stack.laptop(onboarding_id)
    assert laptop["status"] == "Cancelled"
    row = stack.register(onboarding_id)
    assert row is not None
    assert (row.status, row.reason) == ("Cancelled", "Accepted another offer")
    assert stack.open_task_rows(handle) == []


async def test_t2_a_second_onboarding_of_the_same_applicant_is_refused(
    systems: Onboarding,
) -> None:
    stack = systems
    first = maria(stack)
    handle = await stack.start(first)
    await stack.task(handle, "consent")  # registered, In Process, waiting for the consent
    second = maria(stack, job_applicant=first["job_applicant"])
    again = await stack.start(second)
    with pytest.raises(WorkflowFailureError) as failed:
        await again.result()
    message = str(failed.value.cause)
    assert first["onboarding_id"] in message
    assert first["job_applicant"] in message
    row = stack.register(first["onboarding_id"])
    assert row is not None
    assert row.status == "In Process"
    assert stack.register(second["onboarding_id"]) is None
    # Nothing of the second reached any system.
    orders = stack.state("screening")["orders"]
    assert all(o["reference"] != second["onboarding_id"] for o in orders)
    assert stack.idp_user("maria.lopez") is None
