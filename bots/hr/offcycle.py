"""Bots for off-cycle pay runs: create one (a final settlement), cancel one.

Runs are looked up by employee, reason, amount and payment date before one is created,
and by run number before one is cancelled: a run cancelled already is the result.
"""

from __future__ import annotations

from typing import Literal

from playwright.async_api import Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.money import Amount, round_money
from bots.hr.screens import SYSTEM, HrScreens, iso_date, same_date
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import amount, typed


class OffCycleInput(BotInput):
    employee_id: str
    amount: Amount = Field(gt=0)
    currency: str = "USD"
    reason: Literal["Final settlement", "Bonus", "Correction", "Expense reimbursement", "Other"]
    payment_date: str
    comment: str | None = None


class OffCycleRun(BaseModel):
    run_number: str
    employee_id: str
    amount: Amount
    payment_date: str
    status: str
    evidence: str = ""  # the screenshot of the run's page


class RunRef(BotInput):
    run_number: str


class RunScreens(HrScreens):
    async def read_run(self, page: Page) -> OffCycleRun:
        number = await page.get_by_test_id("run-number").input_value()
        return OffCycleRun(
            run_number=number,
            employee_id=await self.value(page, "Employee ID"),
            amount=amount(await self.value(page, "Gross amount")),
            payment_date=iso_date(await self.value(page, "Payment date")),
            status=await self.value(page, "Status"),
            evidence=await self.evidence(page, number),
        )


class CreateOffCycleRun(RunScreens):
    confirms = ("off-cycle",)

    def business_key(self, data: OffCycleInput) -> str:
        return f"{data.employee_id}/{data.reason}/{data.payment_date}"

    async def find(self, page: Page, data: OffCycleInput) -> OffCycleRun | None:
        await page.goto(self.url(f"/offcycle?employee_id={data.employee_id}&status=CREATED"))
        await self.check(page)
        rows = page.locator("#results tr").filter(has_text=data.employee_id)
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            shown = [(await cells.nth(i).text_content() or "").strip() for i in range(6)]
            if (
                shown[3] == data.reason
                and same_date(shown[4], data.payment_date)
                and amount(shown[2]) == round_money(data.amount, data.currency)
            ):
                await cells.nth(0).get_by_role("link").click()
                await self.check(page)
                return await self.read_run(page)
        return None

    async def submit(self, page: Page, data: OffCycleInput) -> OffCycleRun:
        await page.goto(self.url("/offcycle/new"))
        await self.check(page)
        await page.get_by_label("Employee ID").fill(data.employee_id)
        await page.get_by_label("Gross amount").fill(typed(data.amount, data.currency))
        await page.get_by_label("Currency").select_option(data.currency)
        await page.get_by_label("Reason").select_option(data.reason)
        await page.get_by_label("Payment date").fill(data.payment_date)
        await page.get_by_label("Comment").fill(data.comment or "")
        await self.submitting()
        await page.get_by_role("button", name="Create run").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "off-cycle run")
        return await self.read_run(page)


@registry.bot(SYSTEM)
@activity.defn(name="hr.create_off_cycle_run")
async def create_off_cycle_run(data: OffCycleInput) -> OffCycleRun:
    """Create an off-cycle pay run (a final settlement, a correction) in the legacy payroll."""
    result: OffCycleRun = await run_bot(CreateOffCycleRun, data)
    return result


class CancelOffCycleRun(RunScreens):
    confirms = ("Cancel off-cycle run",)

    def business_key(self, data: RunRef) -> str:
        return f"{data.run_number}/cancel"

    async def _open(self, page: Page, number: str) -> None:
        response = await page.goto(self.url(f"/offcycle/{number}"))
        await self.check(page)
        if response is not None and response.status == 404:
            raise BusinessRuleViolation(f"off-cycle run {number} does not exist in the HR system")

    async def find(self, page: Page, data: RunRef) -> OffCycleRun | None:
        await self._open(page, data.run_number)
        if await self.value(page, "Status") != "CANCELLED":
            return None
        return await self.read_run(page)

    async def submit(self, page: Page, data: RunRef) -> OffCycleRun:
        await self._open(page, data.run_number)
        await self.submitting()
        await page.get_by_role("button", name="Cancel run").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "cancellation")
        run = await self.read_run(page)
        if run.status != "CANCELLED":
            raise BusinessRuleViolation(f"the run still shows {run.status}")
        return run


@registry.bot(SYSTEM)
@activity.defn(name="hr.cancel_off_cycle_run")
async def cancel_off_cycle_run(data: RunRef) -> OffCycleRun:
    """Cancel an off-cycle pay run not paid yet (a withdrawn resignation)."""
    result: OffCycleRun = await run_bot(CancelOffCycleRun, data)
    return result
