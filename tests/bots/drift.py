"""A bot written against an older version of the ERP screen: its field is gone."""

from __future__ import annotations

from playwright.async_api import Page
from temporalio import activity

from bots.erp.postings import InvoicePosting, PostedInvoice, PostInvoice
from bots.kit.runner import run_bot


class OldInvoiceScreen(PostInvoice):
    system = "erp-old"

    async def submit(self, page: Page, data: InvoicePosting) -> PostedInvoice:
        await page.goto(self.url("/invoices/new"))
        await page.get_by_label("Vendor number", exact=True).fill(data.supplier_id)  # renamed
        return await super().submit(page, data)


@activity.defn(name="test.post_invoice_on_old_screen")
async def post_on_old_screen(data: InvoicePosting) -> PostedInvoice:
    """Post an invoice through a screen that has changed since the bot was written."""
    result: PostedInvoice = await run_bot(OldInvoiceScreen, data)
    return result
