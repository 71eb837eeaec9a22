"""The ERP driven the way a bot will: headless Chromium, labels, dialogs, pop-ups."""

from __future__ import annotations

import pytest
from playwright.async_api import Dialog, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.legacy.conftest import Running, eventually, log_in


async def fill_invoice(page: Page, running: Running, reference: str) -> None:
    await page.goto(running.url + "/invoices/new")
    await page.get_by_label("Supplier", exact=True).fill("SUP-00087")
    await page.get_by_label("Supplier invoice number").fill(reference)
    await page.get_by_label("PO number").fill("PO-2025-01234")
    await page.get_by_label("Invoice date").fill("2025-06-12")
    await page.get_by_label("Net amount").fill("12,450.00")
    await page.get_by_label("Tax amount").fill("2,365.50")
    await page.get_by_label("Gross amount").fill("14,815.50")
    await page.get_by_label("Attachment").fill(f"s3://ap-inbox/2025/06/{reference}.pdf")
    await page.get_by_label("PO line, line 1").fill("1")
    await page.get_by_label("Item, line 1").fill("LAPTOP-14")
    await page.get_by_label("Quantity, line 1").fill("10")
    await page.get_by_label("Unit, line 1").fill("EA")
    await page.get_by_label("Unit price, line 1").fill("1245.00")


async def test_clerk_logs_in_searches_page_by_page_and_opens_a_document(
    erp: Running, page: Page
) -> None:
    await page.goto(erp.url + "/login")
    await page.get_by_label("User name").fill("clerk")
    await page.get_by_label("Password").fill("wrong")
    await page.get_by_role("button", name="Log in").click()
    await expect(page.get_by_role("alert")).to_have_text("Invalid user name or password")

    await log_in(page, erp, "/invoices")
    await page.get_by_label("Supplier", exact=True).fill("SUP-00087")
    await page.get_by_role("button", name="Search").click()
    await expect(page.get_by_text("12 records found").first).to_be_visible()
    await expect(page.get_by_text("Page 1 of 2").first).to_be_visible()
    await page.get_by_role("link", name="Next >").first.click()
    await expect(page.get_by_text("Page 2 of 2").first).to_be_visible()
    await expect(page.locator("#results tr")).to_have_count(3)  # header and two documents
    await page.get_by_role("link", name="< Previous").first.click()
    await page.get_by_role("link", name="5105600072").click()
    await expect(page.get_by_label("Supplier invoice number")).to_have_value("AOS-88204")
    await expect(page.get_by_label("Gross amount")).to_have_value("1,414.67")


async def test_posting_asks_for_confirmation_and_shows_the_document_number(
    erp: Running, page: Page
) -> None:
    await log_in(page, erp)
    await fill_invoice(page, erp, "AOS-88231")

    # Dismissing the confirm() dialog posts nothing.
    asked: list[str] = []

    async def dismiss(dialog: Dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.get_by_role("button", name="Post").click()
    await expect(page.get_by_label("Supplier invoice number")).to_have_value("AOS-88231")
    assert asked == ["Post this document? A posted document cannot be deleted, only reversed."]
    assert await erp.count("invoice", "AOS-88231") == 0

    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Post").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Document 5105600101 was posted in company code ACME-DE"
    )
    await expect(page.get_by_label("Document number")).to_have_value("5105600101")
    await expect(page.get_by_test_id("document-number")).to_have_value("5105600101")

    await page.get_by_role("link", name="Display document 5105600101").click()
    await expect(page.get_by_label("Gross amount")).to_have_value("14,815.50")
    await expect(page.get_by_label("Net amount")).to_have_value("12,450.00")
    await expect(page.get_by_label("Status")).to_have_value("POSTED")


async def test_system_message_modal_blocks_the_screen_until_dismissed(
    erp: Running, page: Page
) -> None:
    await log_in(page, erp, "/invoices/new")
    await erp.faults(popup_next=1)
    await page.reload()
    dialog = page.get_by_role("dialog", name="System message")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("Maintenance tonight")
    # The overlay takes the clicks meant for the form.
    with pytest.raises(PlaywrightTimeoutError, match="intercepts pointer events"):
        await page.get_by_label("Supplier", exact=True).click(timeout=1000)
    await dialog.get_by_role("button", name="OK").click()
    await expect(dialog).to_be_hidden()
    await page.get_by_label("Supplier", exact=True).fill("SUP-00087")


async def test_lost_response_in_the_browser_still_posted_the_document(
    erp: Running, page: Page
) -> None:
    await log_in(page, erp)
    await fill_invoice(page, erp, "AOS-88232")
    await erp.faults(lost_response_next=1, lost_response_mode="drop")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Post").click()

    async def posted() -> bool:
        return await erp.count("invoice", "AOS-88232") == 1

    await eventually(posted, "the invoice whose answer was lost is posted")
    await expect(page.get_by_label("Document number")).to_have_count(0)
