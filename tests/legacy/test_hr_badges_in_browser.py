"""Badges and account opening in headless Chromium: the forms, their confirm dialogs, the pager."""

from __future__ import annotations

import re

from playwright.async_api import Dialog, Page, expect

from tests.legacy.conftest import Running, log_in


def accepting(page: Page) -> list[str]:
    """Accept every confirm dialog of the page; the messages they asked."""
    asked: list[str] = []

    async def accept(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.accept()

    page.on("dialog", accept)
    return asked


async def test_badge_is_issued_from_the_employee_page_and_revoked(hr: Running, page: Page) -> None:
    await log_in(page, hr, "/employees/EMP-0512")
    asked = accepting(page)
    await expect(page.get_by_text("No badge")).to_be_visible()
    await page.get_by_role("link", name="Issue badge").click()
    await expect(page.get_by_label("Employee ID")).to_have_value("EMP-0512")
    await page.get_by_label("Holder name").fill("Priya Raman")
    await page.get_by_label("Valid from").fill("2025-07-07")
    await page.get_by_role("button", name="Issue badge").click()
    await expect(page.get_by_role("status")).to_have_text("Badge BDG-100101 was issued")
    await expect(page.get_by_label("Valid from")).to_have_value("07/07/2025")

    await page.get_by_label("Reason for revoking").select_option("Offer withdrawn")
    await page.get_by_role("button", name="Revoke badge").click()
    await expect(page.get_by_role("status")).to_have_text("Badge BDG-100101 was revoked")
    await expect(page.get_by_test_id("revoked-at")).to_have_value(
        re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$")
    )
    await expect(page.get_by_role("button", name="Revoke badge")).to_have_count(0)
    assert asked == [
        "Issue this badge? It opens the doors from the valid-from date.",
        "Revoke badge BDG-100101? The card stops opening doors immediately.",
    ]
    assert await hr.count("badge", "EMP-0512", status="Revoked") == 1


async def test_badge_list_pages_through_everyone(hr: Running, page: Page) -> None:
    await log_in(page, hr, "/badges")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("28 records found").first).to_be_visible()
    await page.get_by_role("link", name="Next >").first.click()
    await expect(page.get_by_text("Page 2 of 3").first).to_be_visible()


async def test_account_is_opened_after_the_confirm_dialog(hr: Running, page: Page) -> None:
    await log_in(page, hr, "/accounts?employee_id=EMP-0512")
    asked = accepting(page)
    await page.get_by_role("link", name="New account").click()
    await expect(page.get_by_label("Employee ID")).to_have_value("EMP-0512")
    await page.get_by_label("System").select_option("LEGACY_PAYROLL")
    await page.get_by_label("User ID").fill("P0512")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Account P0512 on LEGACY_PAYROLL was created"
    )
    await expect(page.get_by_test_id("last-login")).to_have_value("never")
    assert len(asked) == 1
    assert asked[0].startswith("Create this account?")
    assert await hr.count("account", "EMP-0512", system="LEGACY_PAYROLL") == 1
