"""A posting bot whose submit the ERP answers with an error page, and whose look-ups fail."""

from __future__ import annotations

import httpx
from playwright.async_api import Page
from temporalio import activity

from bots.erp.postings import InvoicePosting, PostedInvoice, PostInvoice
from bots.kit.runner import run_bot

# Business keys whose first submit has been refused already (one per test's reference).
refused: set[str] = set()


class RefusedOnce(PostInvoice):
    refusing = ""

    async def submitting(self) -> None:
        key = self.refusing
        if key not in refused:
            refused.add(key)
            # From the submit on, every page is an error: the ERP refuses the posting with
            # an error page, and the look-ups after it cannot reach it either.
            async with httpx.AsyncClient(base_url=self.base_url, timeout=10) as admin:
                response = await admin.put("/__admin/faults", json={"error_rate": 1.0})
                response.raise_for_status()
        await super().submitting()

    async def submit(self, page: Page, data: InvoicePosting) -> PostedInvoice:
        self.refusing = self.business_key(data)
        return await super().submit(page, data)


@activity.defn(name="test.post_invoice_refused_once")
async def post_refused_once(data: InvoicePosting) -> PostedInvoice:
    """Post an invoice; the first submit is answered by an error page."""
    result: PostedInvoice = await run_bot(RefusedOnce, data)
    return result
