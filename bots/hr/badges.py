"""Bots for access badges: issue a new hire's badge from the start date, revoke a badge.

An employee has at most one active badge. Issuing finds it first: an active badge from
the same date is the result, one from another date is a business error (revoke it
first). Revoking ends the active badge; with none active, the latest revoked badge is the
result, its revocation time read back.
"""

from __future__ import annotations

from typing import Literal

from playwright.async_api import Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from bots.hr.new_hires import CONFIRM as NEW_HIRE_CONFIRM
from bots.hr.new_hires import NewHire, ensure_employee
from bots.hr.screens import SYSTEM, HrScreens, iso_date, iso_timestamp, same_date
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot


class BadgeRequest(BotInput):
    employee_id: str
    holder_name: str = Field(description="the name printed on the card")
    valid_from: str = Field(description="ISO date the badge opens doors from: the start date")
    new_hire: NewHire | None = Field(
        default=None,
        description="who the employee is, entered first if the intranet does not know them",
    )


class BadgeRef(BotInput):
    employee_id: str
    reason: Literal["Leaver", "Offer withdrawn", "Lost or stolen", "Security incident", "Other"] = (
        "Leaver"
    )


class Badge(BaseModel):
    badge_number: str
    employee_id: str
    valid_from: str  # ISO date
    status: Literal["Active", "Revoked"]
    evidence: str = ""  # the screenshot of the badge's page
    holder_name: str = ""
    revoked_at: str = ""  # UTC ISO; empty while active


class BadgeScreens(HrScreens):
    async def badges(self, page: Page, employee_id: str, status: str = "") -> list[list[str]]:
        """The employee's badges as their rows' cells, newest first."""
        await page.goto(self.url(f"/badges?employee_id={employee_id}&holder_name=&status={status}"))
        await self.check(page)
        await page.get_by_text("records found").first.wait_for()
        rows = page.locator("#results tr").filter(has_text=employee_id)
        found = []
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            found.append([(await cells.nth(i).text_content() or "").strip() for i in range(6)])
        return found

    async def open_badge(self, page: Page, number: str) -> None:
        await page.goto(self.url(f"/badges/{number}"))
        await self.check(page)

    async def read_badge(self, page: Page) -> Badge:
        number = await self.value(page, "Badge number")
        status = await self.value(page, "Status")
        if status not in ("Active", "Revoked"):
            raise BusinessRuleViolation(f"badge {number} shows the status {status!r}")
        return Badge(
            badge_number=number,
            employee_id=await self.value(page, "Employee ID"),
            valid_from=iso_date(await self.value(page, "Valid from")),
            status="Active" if status == "Active" else "Revoked",
            holder_name=await self.value(page, "Holder name"),
            revoked_at=iso_timestamp(await self.value(page, "Revoked at")),
            evidence=await self.evidence(page, number),
        )


class IssueBadge(BadgeScreens):
    confirms = ("Issue this badge?", NEW_HIRE_CONFIRM)

    def business_key(self, data: BadgeRequest) -> str:
        return f"{data.employee_id}/badge"

    async def find(self, page: Page, data: BadgeRequest) -> Badge | None:
        active = await self.badges(page, data.employee_id, "Active")
        if not active:
            return None
        number, shown_from = active[0][0], active[0][3]
        if not same_date(shown_from, data.valid_from):
            raise BusinessRuleViolation(
                f"{data.employee_id} already has the active badge {number}, valid from "
                f"{iso_date(shown_from)}, not {data.valid_from}: revoke it first "
                "(hr.revoke_badge), or ask for that date"
            )
        await self.open_badge(page, number)
        return await self.read_badge(page)

    async def submit(self, page: Page, data: BadgeRequest) -> Badge:
        await ensure_employee(self, page, data.employee_id, data.new_hire)
        await page.goto(self.url(f"/badges/new?employee_id={data.employee_id}"))
        await self.check(page)
        await page.get_by_label("Holder name").fill(data.holder_name)
        await page.get_by_label("Valid from").fill(data.valid_from)
        await self.submitting()
        await page.get_by_role("button", name="Issue badge").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "badge")
        return await self.read_badge(page)


@registry.bot(SYSTEM)
@activity.defn(name="hr.issue_badge")
async def issue_badge(data: BadgeRequest) -> Badge:
    """Issue a new hire's access badge, valid from the start date."""
    result: Badge = await run_bot(IssueBadge, data)
    return result


class RevokeBadge(BadgeScreens):
    confirms = ("Revoke badge",)

    def business_key(self, data: BadgeRef) -> str:
        return f"{data.employee_id}/badge/revoke"

    async def find(self, page: Page, data: BadgeRef) -> Badge | None:
        badges = await self.badges(page, data.employee_id)
        if not badges:
            raise BusinessRuleViolation(f"{data.employee_id} has no badge in the HR system")
        if any(cells[4] == "Active" for cells in badges):
            return None
        await self.open_badge(page, badges[0][0])
        return await self.read_badge(page)

    async def submit(self, page: Page, data: BadgeRef) -> Badge:
        active = await self.badges(page, data.employee_id, "Active")
        if not active:
            raise BusinessRuleViolation(f"{data.employee_id} has no active badge any more")
        await self.open_badge(page, active[0][0])
        await page.get_by_label("Reason for revoking").select_option(data.reason)
        await self.submitting()
        await page.get_by_role("button", name="Revoke badge").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        await self.refused(page, "revocation")
        badge = await self.read_badge(page)
        if badge.status != "Revoked":
            raise BusinessRuleViolation(f"badge {badge.badge_number} still shows {badge.status}")
        return badge


@registry.bot(SYSTEM)
@activity.defn(name="hr.revoke_badge")
async def revoke_badge(data: BadgeRef) -> Badge:
    """Revoke an employee's access badge (a leaver, a withdrawn offer); when, read back."""
    result: Badge = await run_bot(RevokeBadge, data)
    return result
