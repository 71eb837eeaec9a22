"""Bot for the counterparty confirmation portal: confirm or affirm a deal.

The portal keeps every response to a deal; the bot looks for an earlier confirmation or
affirmation of the deal first, and returns its reference rather than responding twice.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from playwright.async_api import Page
from pydantic import BaseModel
from temporalio import activity

from backoffice import registry
from bots.kit.errors import BusinessRuleViolation
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import SandboxScreens

SYSTEM = "treasury"


class DealResponse(BotInput):
    deal_id: str
    action: Literal["confirm", "affirm"] = "confirm"


class DealConfirmation(BaseModel):
    deal_id: str
    action: str
    reference: str
    deal_status: str


class RespondToDeal(SandboxScreens):
    system: ClassVar[str] = SYSTEM
    label: ClassVar[str] = "portal"
    confirms = ("The confirmation is binding.", "The affirmation is binding.")

    def business_key(self, data: DealResponse) -> str:
        return f"{data.deal_id}/{data.action}"

    async def find(self, page: Page, data: DealResponse) -> DealConfirmation | None:
        await page.goto(self.url(f"/deals/{data.deal_id}"))
        await self.check(page)
        wanted = data.action.upper()
        rows = page.locator("#deal-responses tr")
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            if await cells.count() < 2:
                continue
            action = (await cells.nth(1).text_content() or "").strip().upper()
            if action == wanted:
                return DealConfirmation(
                    deal_id=data.deal_id,
                    action=data.action,
                    reference=(await cells.nth(0).text_content() or "").strip(),
                    deal_status=await self.value(page, "Deal status"),
                )
        return None

    async def submit(self, page: Page, data: DealResponse) -> DealConfirmation:
        await page.goto(self.url(f"/deals/{data.deal_id}"))
        await self.check(page)
        button = page.get_by_role("button", name=data.action.capitalize(), exact=True)
        if not await button.count():
            status = await self.value(page, "Deal status")
            raise BusinessRuleViolation(f"deal {data.deal_id} takes no {data.action} ({status})")
        await self.submitting()
        await button.click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        reference = page.get_by_test_id("confirmation-reference")
        if not await reference.count():
            await self.refused(page, data.action)
            await reference.wait_for()
        return DealConfirmation(
            deal_id=data.deal_id,
            action=data.action,
            reference=await reference.input_value(),
            deal_status=await self.value(page, "Deal status"),
        )


@registry.bot(SYSTEM)
@activity.defn(name="treasury.respond_to_deal")
async def respond_to_deal(data: DealResponse) -> DealConfirmation:
    """Confirm or affirm a deal on the counterparty portal; its reference, read back."""
    result: DealConfirmation = await run_bot(RespondToDeal, data)
    return result
