"""The HR intranet in headless Chromium: the payroll form inside frames, disabling an account."""

from __future__ import annotations

import re

from playwright.async_api import Dialog, FrameLocator, Page, expect

from legacy.login import EXPIRED
from tests.legacy.conftest import Running, log_in


async def fill_payroll(main: FrameLocator) -> None:
    await expect(main.get_by_label("Employee ID")).to_have_value("EMP-0512")
    await main.get_by_label("Effective date").fill("2025-07-07")
    await main.get_by_label("Account holder").fill("Priya Raman")
    await main.get_by_label("Bank name").fill("Wells Fargo Bank")
    await main.get_by_label("Routing number").fill("121000248")
    await main.get_by_label("Account number").fill("12345678")
    await main.get_by_label("Filing status").select_option("Married filing jointly")
    await main.get_by_label("Multiple jobs or spouse works").check()
    await main.get_by_label("Dependents amount").fill("2000")
    await main.get_by_label("State", exact=True).select_option("CA")


async def test_payroll_record_is_entered_inside_the_main_frame(hr: Running, page: Page) -> None:
    await log_in(page, hr, "/payroll?employee_id=EMP-0512")
    main = page.frame_locator('frame[name="main"]')
    await fill_payroll(main)
    # The form is not on the page itself: only in its frame.
    await expect(page.get_by_label("Routing number")).to_have_count(0)

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await main.get_by_role("button", name="Save").click()
    await expect(main.get_by_label("Payroll record number")).to_have_value("PR-100101")
    await expect(main.get_by_role("status")).to_have_text(
        "Payroll record PR-100101 was created for employee EMP-0512"
    )
    assert asked == ["Create this payroll record? It takes effect in the next pay run."]

    # The navigation frame drives the main frame, as it did in 2005.
    await (
        page.frame_locator('frame[name="navigation"]')
        .get_by_role("link", name="Search payroll records")
        .click()
    )
    await main.get_by_label("Employee ID").fill("EMP-0512")
    await main.get_by_role("button", name="Search").click()
    await expect(main.get_by_text("1 records found").first).to_be_visible()
    assert await hr.count("payroll_record", "EMP-0512") == 1


async def test_session_expiry_inside_the_frame_lands_on_the_login_page_and_loses_the_form(
    hr: Running, page: Page
) -> None:
    await log_in(page, hr, "/payroll?employee_id=EMP-0512")
    main = page.frame_locator('frame[name="main"]')
    await fill_payroll(main)
    hr.clock.advance(16 * 60)
    page.once("dialog", lambda dialog: dialog.accept())
    await main.get_by_role("button", name="Save").click()
    # The login page breaks out of the frames and says why.
    await expect(page.get_by_role("status")).to_have_text(EXPIRED)
    await expect(page.get_by_label("User name")).to_be_visible()
    assert await hr.count("payroll_record", "EMP-0512") == 0


async def test_account_is_disabled_after_the_confirm_dialog(hr: Running, page: Page) -> None:
    await log_in(page, hr, "/accounts")
    await page.get_by_label("Employee ID").fill("EMP-0420")
    await page.get_by_label("System").select_option("VPN")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("1 records found").first).to_be_visible()
    await page.get_by_role("link", name="Details").click()
    await expect(page.get_by_label("Account status")).to_have_value("ACTIVE")
    await page.get_by_label("Reason for disabling").select_option("Leaver")

    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.once("dialog", accept)
    await page.get_by_role("button", name="Disable account").click()
    await expect(page.get_by_role("status")).to_have_text("Account vpn-jmiller on VPN was disabled")
    await expect(page.get_by_label("Account status")).to_have_value("DISABLED")
    await expect(page.get_by_test_id("disabled-at")).to_have_value(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
    )
    assert asked == ["Disable account vpn-jmiller on VPN? The user loses access immediately."]
    assert await hr.count("account_disable", "EMP-0420", system="VPN") == 1
