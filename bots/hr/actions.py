"""Bots for the HR and payroll intranet: disable accounts, payroll records, off-cycle runs.

The payroll record screen lives inside frames, as in many old intranets: the bot works in
the ``main`` frame of the payroll frameset. Disabling is looked up first (an account
already disabled is the result, with its timestamp as evidence of when); off-cycle runs
are looked up by employee, reason, amount and payment date.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar, Literal

from playwright.async_api import FrameLocator, Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.money import Amount, round_money
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import SandboxScreens, amount, typed

SYSTEM = "hr"
PAYROLL_CURRENCY = "USD"  # the legacy payroll pays in dollars (a US payroll)


class HrScreens(SandboxScreens):
    system: ClassVar[str] = SYSTEM
    label: ClassVar[str] = "HR system"


class AccountToDisable(BotInput):
    employee_id: str
    system: str = Field(description="AD, M365, ERP, VPN, CRM, LEGACY_PAYROLL...")
    reason: str = "Leaver"


class DisabledAccount(BaseModel):
    employee_id: str
    system: str
    user_id: str
    status: str
    disabled_at: str
    disabled_by: str


class DisableAccount(HrScreens):
    confirms = ("Disable account",)

    def business_key(self, data: AccountToDisable) -> str:
        return f"{data.employee_id}@{data.system}"

    async def _open_account(self, page: Page, data: AccountToDisable) -> None:
        await page.goto(
            self.url(f"/accounts?employee_id={data.employee_id}&system={data.system}&status=")
        )
        await self.check(page)
        rows = page.locator("#results tr").filter(has_text=data.system)
        if not await rows.count():
            raise BusinessRuleViolation(
                f"{data.employee_id} has no account on {data.system} in the HR system"
            )
        await rows.first.get_by_role("link", name="Details").click()
        await self.check(page)

    async def _read(self, page: Page) -> DisabledAccount:
        return DisabledAccount(
            employee_id=await self.value(page, "Employee ID"),
            system=await self.value(page, "System"),
            user_id=await self.value(page, "User ID"),
            status=await self.value(page, "Account status"),
            disabled_at=await self.value(page, "Disabled at"),
            disabled_by=await self.value(page, "Disabled by"),
        )

    async def find(self, page: Page, data: AccountToDisable) -> DisabledAccount | None:
        await self._open_account(page, data)
        account = await self._read(page)
        return account if account.status == "DISABLED" else None

    async def submit(self, page: Page, data: AccountToDisable) -> DisabledAccount:
        await self._open_account(page, data)
        await page.get_by_label("Reason for disabling").select_option(data.reason)
        await self.submitting()
        await page.get_by_role("button", name="Disable account").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "disabling")
        account = await self._read(page)
        if account.status != "DISABLED":
            raise BusinessRuleViolation(f"the account still shows {account.status}")
        return account


@registry.bot(SYSTEM)
@activity.defn(name="hr.disable_account")
async def disable_account(data: AccountToDisable) -> DisabledAccount:
    """Disable an employee's account on a system without SCIM; when it happened, read back."""
    result: DisabledAccount = await run_bot(DisableAccount, data)
    return result


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


class PayrollRecord(BaseModel):
    record_number: str
    employee_id: str
    effective_date: str
    status: str


class CreatePayrollRecord(HrScreens):
    confirms = ("Create this payroll record?",)

    def business_key(self, data: PayrollRecordInput) -> str:
        return f"{data.employee_id}/{data.effective_date}"

    def main(self, page: Page) -> FrameLocator:
        return page.frame_locator('frame[name="main"]')

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
            if status == "ACTIVE" and _same_date(effective, data.effective_date):
                number = (await cells.nth(0).text_content() or "").strip()
                return PayrollRecord(
                    record_number=number,
                    employee_id=data.employee_id,
                    effective_date=data.effective_date,
                    status=status,
                )
        return None

    async def submit(self, page: Page, data: PayrollRecordInput) -> PayrollRecord:
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
        number = main.get_by_test_id("payroll-record-number")
        alert = main.get_by_role("alert")
        await number.or_(alert).first.wait_for()
        await self.refused(main, "payroll record")
        return PayrollRecord(
            record_number=await number.input_value(),
            employee_id=data.employee_id,
            effective_date=data.effective_date,
            status="ACTIVE",
        )


def _same_date(shown: str, iso: str) -> bool:
    # The intranet shows MM/DD/YYYY; inputs are ISO dates.
    year, month, day = iso.split("-")
    return shown in (iso, f"{month}/{day}/{year}")


@registry.bot(SYSTEM)
@activity.defn(name="hr.create_payroll_record")
async def create_payroll_record(data: PayrollRecordInput) -> PayrollRecord:
    """Create a new hire's payroll record (bank account, withholding) in the legacy payroll."""
    result: PayrollRecord = await run_bot(CreatePayrollRecord, data)
    return result


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


class CreateOffCycleRun(HrScreens):
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
                and _same_date(shown[4], data.payment_date)
                and amount(shown[2]) == round_money(data.amount, data.currency)
            ):
                return OffCycleRun(
                    run_number=shown[0],
                    employee_id=data.employee_id,
                    amount=data.amount,
                    payment_date=data.payment_date,
                    status=shown[5],
                )
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
        return OffCycleRun(
            run_number=await page.get_by_test_id("run-number").input_value(),
            employee_id=data.employee_id,
            amount=amount(await self.value(page, "Gross amount")),
            payment_date=data.payment_date,
            status=await self.value(page, "Status"),
        )


@registry.bot(SYSTEM)
@activity.defn(name="hr.create_off_cycle_run")
async def create_off_cycle_run(data: OffCycleInput) -> OffCycleRun:
    """Create an off-cycle pay run (a final settlement, a correction) in the legacy payroll."""
    result: OffCycleRun = await run_bot(CreateOffCycleRun, data)
    return result
