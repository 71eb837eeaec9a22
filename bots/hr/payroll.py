"""Bots for the legacy payroll: create a new hire's payroll record, inactivate a leaver's.

The payroll record screen lives inside frames, as in many old intranets: the creating bot
works in the ``main`` frame of the payroll frameset. A new hire the intranet does not know
yet is entered first, with the HRIS's employee ID (``new_hire``). Inactivating opens the
frame's pages alone (they are ordinary addresses) and ends every active record of the
employee; a leaver whose records are all inactive already is the result.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from playwright.async_api import FrameLocator, Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.money import Amount
from bots.hr.new_hires import CONFIRM as NEW_HIRE_CONFIRM
from bots.hr.new_hires import NewHire, ensure_employee
from bots.hr.screens import PAYROLL_CURRENCY, SYSTEM, HrScreens, iso_date, same_date
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import typed

MAX_RECORDS = 20  # an employee has one or two; bounds the inactivating loop


class PayrollRecordInput(BotInput):
    employee_id: str
    effective_date: str
    pay_frequency: Literal["Weekly", "Biweekly", "Semi-monthly", "Monthly"] = "Biweekly"
    account_holder: str
    bank_name: str
    routing_number: str
    account_number: str
    account_type: Literal["Checking", "Savings"] = "Checking"
    filing_status: str = "Single or Married filing separately"
    multiple_jobs: bool = False
    dependents_amount: Amount = Decimal(0)
    other_income: Amount = Decimal(0)
    deductions: Amount = Decimal(0)
    extra_withholding: Amount = Decimal(0)
    state: str = "CA"
    state_allowances: int = 0
    new_hire: NewHire | None = Field(
        default=None,
        description="who the employee is, entered first if the intranet does not know them",
    )


class PayrollRecord(BaseModel):
    record_number: str
    employee_id: str
    effective_date: str
    status: str
    evidence: str = ""  # the screenshot of the record's page


class PayrollRef(BotInput):
    employee_id: str


class CreatePayrollRecord(HrScreens):
    confirms = ("Create this payroll record?", NEW_HIRE_CONFIRM)

    def business_key(self, data: PayrollRecordInput) -> str:
        return f"{data.employee_id}/{data.effective_date}"

    def main(self, page: Page) -> FrameLocator:
        return page.frame_locator('frame[name="main"]')

    async def _shown(self, page: Page, number: str, data: PayrollRecordInput) -> PayrollRecord:
        """The record's page, open in the main frame, pictured."""
        field = self.main(page).get_by_test_id("payroll-record-number")
        await field.wait_for()
        if await field.input_value() != number:
            raise BusinessRuleViolation(f"the main frame shows another record than {number}")
        return PayrollRecord(
            record_number=number,
            employee_id=data.employee_id,
            effective_date=data.effective_date,
            status="ACTIVE",
            evidence=await self.evidence(page, number),
        )

    async def find(self, page: Page, data: PayrollRecordInput) -> PayrollRecord | None:
        await page.goto(self.url("/payroll"))
        await self.check(page)
        main = self.main(page)
        await main.get_by_label("Employee ID").fill(data.employee_id)
        await main.get_by_role("button", name="Search").click()
        await main.get_by_text("records found").first.wait_for()
        rows = main.locator("#results tr").filter(has_text=data.employee_id)
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            status = (await cells.nth(4).text_content() or "").strip()
            effective = (await cells.nth(2).text_content() or "").strip()
            if status == "ACTIVE" and same_date(effective, data.effective_date):
                number = (await cells.nth(0).text_content() or "").strip()
                await cells.nth(0).get_by_role("link").click()
                return await self._shown(page, number, data)
        return None

    async def submit(self, page: Page, data: PayrollRecordInput) -> PayrollRecord:
        await ensure_employee(self, page, data.employee_id, data.new_hire)
        await page.goto(self.url(f"/payroll?employee_id={data.employee_id}"))
        await self.check(page)
        main = self.main(page)
        texts = {
            "Effective date": data.effective_date,
            "Account holder": data.account_holder,
            "Bank name": data.bank_name,
            "Routing number": data.routing_number,
            "Account number": data.account_number,
            "Dependents amount": typed(data.dependents_amount, PAYROLL_CURRENCY),
            "Other income": typed(data.other_income, PAYROLL_CURRENCY),
            "Deductions": typed(data.deductions, PAYROLL_CURRENCY),
            "Extra withholding": typed(data.extra_withholding, PAYROLL_CURRENCY),
            "State allowances": str(data.state_allowances),
        }
        await main.get_by_label("Employee ID").fill(data.employee_id)
        for label, value in texts.items():
            await main.get_by_label(label, exact=True).fill(value)
        choices = {
            "Pay frequency": data.pay_frequency,
            "Account type": data.account_type,
            "Filing status": data.filing_status,
            "State": data.state,
        }
        for label, value in choices.items():
            await main.get_by_label(label, exact=True).select_option(value)
        await main.get_by_label("Multiple jobs or spouse works").set_checked(data.multiple_jobs)
        await self.submitting()
        await main.get_by_role("button", name="Save").click()
        number_field = main.get_by_test_id("payroll-record-number")
        alert = main.get_by_role("alert")
        await number_field.or_(alert).first.wait_for()
        await self.refused(main, "payroll record")
        number = await number_field.input_value()
        await main.get_by_role("link", name="Display payroll record").click()
        return await self._shown(page, number, data)


@registry.bot(SYSTEM)
@activity.defn(name="hr.create_payroll_record")
async def create_payroll_record(data: PayrollRecordInput) -> PayrollRecord:
    """Create a new hire's payroll record (bank account, withholding) in the legacy payroll."""
    result: PayrollRecord = await run_bot(CreatePayrollRecord, data)
    return result


class InactivatePayrollRecord(HrScreens):
    confirms = ("Inactivate payroll record",)

    def business_key(self, data: PayrollRef) -> str:
        return f"{data.employee_id}/payroll"

    async def _records(self, page: Page, employee_id: str) -> list[tuple[str, str]]:
        """The employee's records as (number, status), newest first."""
        await page.goto(self.url(f"/payroll/records?employee_id={employee_id}"))
        await self.check(page)
        await page.get_by_text("records found").first.wait_for()
        rows = page.locator("#results tr").filter(has_text=employee_id)
        found = []
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            number = (await cells.nth(0).text_content() or "").strip()
            found.append((number, (await cells.nth(4).text_content() or "").strip()))
        return found

    async def _read(self, page: Page) -> PayrollRecord:
        number = await self.value(page, "Payroll record number")
        return PayrollRecord(
            record_number=number,
            employee_id=await self.value(page, "Employee ID"),
            effective_date=iso_date(await self.value(page, "Effective date")),
            status=await self.value(page, "Status"),
            evidence=await self.evidence(page, number),
        )

    async def _open(self, page: Page, number: str) -> None:
        await page.goto(self.url(f"/payroll/records/{number}"))
        await self.check(page)

    async def find(self, page: Page, data: PayrollRef) -> PayrollRecord | None:
        records = await self._records(page, data.employee_id)
        if not records:
            raise BusinessRuleViolation(
                f"{data.employee_id} has no payroll record in the HR system"
            )
        if any(status == "ACTIVE" for _, status in records):
            return None
        await self._open(page, records[0][0])
        return await self._read(page)

    async def submit(self, page: Page, data: PayrollRef) -> PayrollRecord:
        last: PayrollRecord | None = None
        for _ in range(MAX_RECORDS):
            active = [
                n for n, status in await self._records(page, data.employee_id) if status == "ACTIVE"
            ]
            if not active:
                break
            await self._open(page, active[0])
            await self.submitting()
            await page.get_by_role("button", name="Inactivate").click()
            await page.wait_for_load_state("domcontentloaded")
            await self.check(page)
            await self.refused(page, "inactivation")
            last = await self._read(page)
            if last.status != "INACTIVE":
                raise BusinessRuleViolation(f"the record still shows {last.status}")
        if last is None:  # inactivated meanwhile by someone else
            found = await self.find(page, data)
            if found is None:
                raise BusinessRuleViolation(
                    f"{data.employee_id} has more than {MAX_RECORDS} active payroll records"
                )
            return found
        return last


@registry.bot(SYSTEM)
@activity.defn(name="hr.inactivate_payroll_record")
async def inactivate_payroll_record(data: PayrollRef) -> PayrollRecord:
    """Inactivate an employee's payroll records (a withdrawn hire, a leaver): no more pay."""
    result: PayrollRecord = await run_bot(InactivatePayrollRecord, data)
    return result
