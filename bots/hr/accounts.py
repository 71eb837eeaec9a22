"""Bots for the intranet's user accounts: open one, disable, enable, read its state back.

Each finds the account by employee and system first: an account already in the state
asked for is the result (with its page as evidence), so a retry never acts twice.
"""

from __future__ import annotations

from playwright.async_api import Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from bots.hr.new_hires import CONFIRM as NEW_HIRE_CONFIRM
from bots.hr.new_hires import NewHire, ensure_employee
from bots.hr.screens import SYSTEM, HrScreens, iso_timestamp
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot


class AccountToDisable(BotInput):
    employee_id: str
    system: str = Field(description="AD, M365, ERP, VPN, CRM, LEGACY_PAYROLL, BADGE...")
    reason: str = "Leaver"


class DisabledAccount(BaseModel):
    employee_id: str
    system: str
    user_id: str
    status: str
    disabled_at: str
    disabled_by: str
    evidence: str = ""  # the screenshot of the account's page


class AccountRef(BotInput):
    employee_id: str
    system: str = Field(description="LEGACY_PAYROLL, BADGE, AD...")


class AccountToCreate(BotInput):
    employee_id: str
    system: str = Field(description="a system without SCIM: LEGACY_PAYROLL, BADGE...")
    user_name: str = Field(description="the user ID on that system (P0612, mlopez...)")
    new_hire: NewHire | None = Field(
        default=None,
        description="who the employee is, entered first if the intranet does not know them",
    )


class Account(BaseModel):
    employee_id: str
    system: str
    user_id: str
    status: str  # ACTIVE or DISABLED
    evidence: str = ""  # the screenshot of the account's page
    last_login_at: str = ""  # UTC ISO; empty: never signed in
    disabled_at: str = ""  # UTC ISO; empty while active


class AccountScreens(HrScreens):
    """The account search and the account's page, shared by the account bots."""

    async def open_account(self, page: Page, employee_id: str, system: str) -> bool:
        """Open the employee's account on the system; False when there is none."""
        await page.goto(self.url(f"/accounts?employee_id={employee_id}&system={system}&status="))
        await self.check(page)
        await page.get_by_text("records found").first.wait_for()
        rows = page.locator("#results tr").filter(has_text=system)
        if not await rows.count():
            return False
        await rows.first.get_by_role("link", name="Details").click()
        await self.check(page)
        return True

    async def must_open(self, page: Page, employee_id: str, system: str) -> None:
        if not await self.open_account(page, employee_id, system):
            raise BusinessRuleViolation(
                f"{employee_id} has no account on {system} in the HR system"
            )

    async def read_account(self, page: Page) -> Account:
        account = Account(
            employee_id=await self.value(page, "Employee ID"),
            system=await self.value(page, "System"),
            user_id=await self.value(page, "User ID"),
            status=await self.value(page, "Account status"),
            last_login_at=iso_timestamp(await self.value(page, "Last login")),
            disabled_at=iso_timestamp(await self.value(page, "Disabled at")),
        )
        shot = await self.evidence(page, f"{account.employee_id}-{account.system}")
        return account.model_copy(update={"evidence": shot})


class DisableAccount(AccountScreens):
    confirms = ("Disable account",)

    def business_key(self, data: AccountToDisable) -> str:
        return f"{data.employee_id}@{data.system}"

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
        await self.must_open(page, data.employee_id, data.system)
        account = await self._read(page)
        if account.status != "DISABLED":
            return None
        shot = await self.evidence(page, f"{data.employee_id}-{data.system}")
        return account.model_copy(update={"evidence": shot})

    async def submit(self, page: Page, data: AccountToDisable) -> DisabledAccount:
        await self.must_open(page, data.employee_id, data.system)
        await page.get_by_label("Reason for disabling").select_option(data.reason)
        await self.submitting()
        await page.get_by_role("button", name="Disable account").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "disabling")
        account = await self._read(page)
        if account.status != "DISABLED":
            raise BusinessRuleViolation(f"the account still shows {account.status}")
        shot = await self.evidence(page, f"{data.employee_id}-{data.system}")
        return account.model_copy(update={"evidence": shot})


@registry.bot(SYSTEM)
@activity.defn(name="hr.disable_account")
async def disable_account(data: AccountToDisable) -> DisabledAccount:
    """Disable an employee's account on a system without SCIM; when it happened, read back."""
    result: DisabledAccount = await run_bot(DisableAccount, data)
    return result


class EnableAccount(AccountScreens):
    confirms = ("Enable account",)

    def business_key(self, data: AccountToDisable) -> str:
        return f"{data.employee_id}@{data.system}"

    async def find(self, page: Page, data: AccountToDisable) -> Account | None:
        await self.must_open(page, data.employee_id, data.system)
        if await self.value(page, "Account status") != "ACTIVE":
            return None
        return await self.read_account(page)

    async def submit(self, page: Page, data: AccountToDisable) -> Account:
        await self.must_open(page, data.employee_id, data.system)
        await self.submitting()
        await page.get_by_role("button", name="Enable account").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "enabling")
        account = await self.read_account(page)
        if account.status != "ACTIVE":
            raise BusinessRuleViolation(f"the account still shows {account.status}")
        return account


@registry.bot(SYSTEM)
@activity.defn(name="hr.enable_account")
async def enable_account(data: AccountToDisable) -> Account:
    """Enable a disabled account again (a withdrawn resignation undoes the disabling)."""
    result: Account = await run_bot(EnableAccount, data)
    return result


class CreateAccount(AccountScreens):
    confirms = ("Create this account?", NEW_HIRE_CONFIRM)

    def business_key(self, data: AccountToCreate) -> str:
        return f"{data.employee_id}@{data.system}"

    async def find(self, page: Page, data: AccountToCreate) -> Account | None:
        if not await self.open_account(page, data.employee_id, data.system):
            return None
        account = await self.read_account(page)
        if account.user_id != data.user_name:
            raise BusinessRuleViolation(
                f"{data.employee_id} already has the account {account.user_id} on "
                f"{data.system}, not {data.user_name}: use that one, or disable it first"
            )
        if account.status != "ACTIVE":
            raise BusinessRuleViolation(
                f"{data.employee_id}'s account {account.user_id} on {data.system} is "
                f"disabled (since {account.disabled_at}): enable it with hr.enable_account"
            )
        return account

    async def submit(self, page: Page, data: AccountToCreate) -> Account:
        await ensure_employee(self, page, data.employee_id, data.new_hire)
        await page.goto(
            self.url(f"/accounts/new?employee_id={data.employee_id}&system={data.system}")
        )
        await self.check(page)
        await page.get_by_label("User ID").fill(data.user_name)
        await self.submitting()
        await page.get_by_role("button", name="Create account").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "account")
        return await self.read_account(page)


@registry.bot(SYSTEM)
@activity.defn(name="hr.create_account")
async def create_account(data: AccountToCreate) -> Account:
    """Open an account on a system without SCIM (the legacy payroll's logins, BADGE)."""
    result: Account = await run_bot(CreateAccount, data)
    return result


class AccountStatus(AccountScreens):
    """Only reads: ``find`` always answers, so the runner never submits."""

    def business_key(self, data: AccountRef) -> str:
        return f"{data.employee_id}@{data.system}"

    async def find(self, page: Page, data: AccountRef) -> Account:
        await self.must_open(page, data.employee_id, data.system)
        return await self.read_account(page)

    async def submit(self, page: Page, data: AccountRef) -> Account:
        raise AssertionError("reading an account's status submits nothing")


@registry.bot(SYSTEM)
@activity.defn(name="hr.account_status")
async def account_status(data: AccountRef) -> Account:
    """An account's status and last sign-in, read back (is a leaver still signing in?)."""
    result: Account = await run_bot(AccountStatus, data)
    return result
