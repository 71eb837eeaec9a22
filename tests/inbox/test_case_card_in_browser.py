"""A task's case card as an approver reads it in Chromium: field names in words, tables
that fit the card with their figures right-aligned, and the invoice's scan one click away
(a PDF the sandbox ERP's archive serves on 127.0.0.1)."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest_asyncio
from playwright.async_api import Locator, Page, expect

from backoffice.serving import EmbeddedServer
from legacy import create_app, seed
from tests.inbox.conftest import Site
from tests.inbox.test_inbox_in_browser import sign_in
from tests.inbox.test_lists_in_browser import PHONE, no_horizontal_scroll, opened
from tests.support.browser import chromium
from tests.support.network import free_port

CARD = """
name: card-approval
version: 1
title: Card approval
owner: tests
business_key: input.case
input:
  case: string
  document: string
steps:
  - id: approve
    title: Approve ${ input.case }
    task:
      assignees: [{user: alice}]
      context:
        supplier: SUP-00087 Acme Office Supplies GmbH
        invoice document: ${ input.document }
        archive copy: s3://ap-inbox/2025/06/AOS-88231.pdf
        note: javascript:alert(1)
        tolerances: {price_percent: 2, price_absolute: 5.0}
        lines:
          - {line: 1, po_line: 1, item: LAPTOP-14,
             description: 14-inch business laptop with docking station,
             qty: 10, uom: EA, unit_price: 1282.35, po_price: 1245.00, price_variance: 373.50,
             amount: 12823.50, tax_code: DE19, status: PRICE_VAR}
          - {line: 2, po_line: 2, item: DOCK-USB-C,
             description: USB-C docking station for the laptops,
             qty: 10, uom: EA, unit_price: 189.00, po_price: 189.00, price_variance: 0,
             amount: 1890.00, tax_code: DE19, status: matched}
      form: {outcomes: [approve, reject]}
      timeout: {after: 10bd, outcome: reject}
"""
INVOICE = {
    "invoice_id": "INV-IN-CARD-1",
    "supplier_id": "SUP-00087",
    "supplier_invoice_no": "AOS-88231",
    "invoice_date": "2025-06-02",
    "currency": "EUR",
    "net_amount": 14713.50,
    "tax_amount": 2795.57,
    "gross_amount": 17509.07,
    "po_number": "PO-2025-01234",
    "payment_terms": "2/10 NET 30",
    "lines": [
        {"item": "LAPTOP-14", "qty": 10, "uom": "EA", "unit_price": 1282.35, "amount": 12823.50},
        {"item": "DOCK-USB-C", "qty": 10, "uom": "EA", "unit_price": 189.00, "amount": 1890.00},
    ],
    "bank": {"iban": "DE89370400440532013000"},
}


@pytest_asyncio.fixture
async def erp(tmp_path: Path) -> AsyncIterator[str]:
    """The sandbox ERP on 127.0.0.1, with the scan of one invoice filed in its archive."""
    data = tmp_path / "legacy"
    seed("erp", data, users={"demo": secrets.token_urlsafe(12)})
    server = EmbeddedServer(create_app("erp", data), "127.0.0.1", free_port(), name="erp")
    await server.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            filed = await client.put("/__admin/invoice-scans/INV-IN-CARD-1", json=INVOICE)
            assert filed.status_code == 201, filed.text
        yield url
    finally:
        await server.stop()


async def inside(inner: Locator, outer: Locator) -> bool:
    box, frame = await inner.bounding_box(), await outer.bounding_box()
    assert box is not None
    assert frame is not None
    return box["x"] >= frame["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5


async def open_task(page: Page, site: Site, case: str) -> None:
    await sign_in(page, site, "alice")
    await page.get_by_role("link", name=f"Approve {case}").click()
    await expect(page.get_by_role("heading", name=f"Approve {case}")).to_be_visible()


async def test_the_case_card_reads_in_words_fits_and_opens_the_invoice_scan(
    site: Site, erp: str
) -> None:
    scan = f"{erp}/__admin/invoice-scans/INV-IN-CARD-1.pdf"
    case = f"C{uuid.uuid4().hex[:6]}"
    handle = await site.runner.start(site.runner.define(CARD), {"case": case, "document": scan})
    await opened(site, f"{handle.id}/approve")
    async with chromium() as browser:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        page = await context.new_page()
        await open_task(page, site, case)
        card = page.locator("section.card").filter(has=page.get_by_role("heading", name="Case"))
        lines = card.locator("table.nested").filter(has_text="LAPTOP-14")
        for header in ("Price variance", "Unit price", "Tax code", "Status"):
            await expect(lines.get_by_role("columnheader", name=header, exact=True)).to_be_visible()
        await expect(card.get_by_role("rowheader", name="Price percent")).to_be_visible()
        await expect(card.get_by_role("rowheader", name="Invoice document")).to_be_visible()
        # Figures right-aligned, words left; no column cut off by the card's edge.
        figure = lines.get_by_role("cell", name="1282.35", exact=True)
        assert await figure.evaluate("e => getComputedStyle(e).textAlign") == "right"
        word = lines.get_by_role("cell", name="PRICE_VAR", exact=True)
        assert await word.evaluate("e => getComputedStyle(e).textAlign") == "left"
        assert await inside(card.locator(".table-scroll").filter(has_text="LAPTOP-14"), card)
        await no_horizontal_scroll(page)

        # Only the http(s) address is a link; the others stay text.
        await expect(card.get_by_role("link")).to_have_count(1)
        await expect(card).to_contain_text("s3://ap-inbox/2025/06/AOS-88231.pdf")
        await expect(card).to_contain_text("javascript:alert(1)")
        async with context.expect_page() as opening:
            await card.get_by_role("link", name="Open the invoice document").click()
        document = await opening.value
        await document.wait_for_load_state()
        assert document.url == scan
        answer = await context.request.get(document.url)
        assert answer.status == 200
        assert answer.headers["content-type"] == "application/pdf"
        body = await answer.body()
        assert body.startswith(b"%PDF-1.")
        assert body.rstrip().endswith(b"%%EOF")
        assert b"(AOS-88231)" in body
        assert b"(Acme Office Supplies GmbH)" in body  # the letterhead, from the vendor master

        # On a phone the wide table scrolls inside the card; the page does not.
        phone = await browser.new_page(viewport=PHONE)
        await open_task(phone, site, case)
        card = phone.locator("section.card").filter(has=phone.get_by_role("heading", name="Case"))
        scroller = card.locator(".table-scroll").filter(has_text="LAPTOP-14")
        await no_horizontal_scroll(phone)
        assert await scroller.evaluate("e => e.scrollWidth > e.clientWidth")
        assert await inside(scroller, card)
        status = scroller.get_by_role("columnheader", name="Status", exact=True)
        await status.scroll_into_view_if_needed()
        await expect(status).to_be_in_viewport()
    await handle.terminate("test over")
