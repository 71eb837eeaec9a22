"""The confirmation portal in headless Chromium: find a deal, confirm it, meet an alert."""

from __future__ import annotations

from playwright.async_api import Dialog, Page, expect

from tests.legacy.conftest import Running, eventually, log_in

DEAL = "FX-20250612-000871"


async def test_deal_is_found_by_id_and_confirmed_after_the_dialog(
    treasury: Running, page: Page
) -> None:
    await log_in(page, treasury, "/deals")
    await expect(page.get_by_text("14 records found").first).to_be_visible()
    await page.get_by_label("Deal ID").fill(DEAL)
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("1 records found").first).to_be_visible()
    await page.get_by_role("link", name=DEAL).click()
    await expect(page.get_by_label("Amount sold")).to_have_value("9,208,103.13")

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_role("button", name="Confirm", exact=True).click()
    await expect(page.get_by_label("Confirmation reference")).to_have_value("CNF-0000001")
    await expect(page.get_by_label("Deal status")).to_have_value("CONFIRMED")
    assert asked == [f"Confirm deal {DEAL}? The confirmation is binding."]

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Affirm").click()
    await expect(page.get_by_test_id("confirmation-reference")).to_have_value("AFF-0000002")
    assert await treasury.count("confirmation", DEAL) == 2


async def test_system_alert_pops_up_and_must_be_acknowledged(treasury: Running, page: Page) -> None:
    await log_in(page, treasury, "/deals")
    await treasury.faults(popup_next=1, popup_kind="alert")
    alerts: list[str] = []

    async def acknowledge(dialog: Dialog) -> None:
        alerts.append(f"{dialog.type}: {dialog.message}")
        await dialog.accept()

    page.on("dialog", acknowledge)
    await page.reload()

    async def alerted() -> bool:
        return bool(alerts)

    await eventually(alerted, "the system alert")
    assert alerts == ["alert: System message: maintenance tonight from 22:00 to 23:30 CET."]


async def test_lost_confirmation_still_counts_and_shows_on_a_second_look(
    treasury: Running, page: Page
) -> None:
    await log_in(page, treasury, f"/deals/{DEAL}")
    await treasury.faults(lost_response_next=1, lost_response_max_seconds=1)
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Confirm", exact=True).click()

    async def recorded() -> bool:
        return await treasury.count("confirmation", DEAL) == 1

    await eventually(recorded, "the confirmation whose answer was lost is recorded")
    # Reading before writing again: the responses list already has it.
    await page.goto(f"{treasury.url}/confirmations?deal_id={DEAL}")
    await expect(page.get_by_text("1 records found").first).to_be_visible()
    await expect(page.get_by_role("cell", name="CNF-0000001", exact=True)).to_be_visible()
