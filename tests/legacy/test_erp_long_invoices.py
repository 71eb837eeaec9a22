"""Invoices of many lines on the ERP: the entry screen adds rows on demand, the document
display pages its line items, and a document keeps at most 999 of them."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.async_api import Page, expect

from tests.legacy.conftest import Running, field_value, log_in, message

HEADER = {
    "supplier": "SUP-00087",
    "reference": "AOS-LONG-1",
    "invoice_date": "2025-06-12",
    "currency": "EUR",
    "po_number": "",
}


def long_invoice(count: int, reference: str = "AOS-LONG-1") -> dict[str, str]:
    """``count`` lines of paper at 4.25 a pack, line n billing n packs."""
    fields = {**HEADER, "reference": reference}
    net = Decimal(0)
    for n in range(1, count + 1):
        amount = Decimal("4.25") * n
        net += amount
        fields |= {
            f"line{n}_item": "PAPER-A4",
            f"line{n}_qty": str(n),
            f"line{n}_uom": "PK",
            f"line{n}_price": "4.25",
            f"line{n}_amount": f"{amount:.2f}",
        }
    tax = (net * Decimal("0.19")).quantize(Decimal("0.01"))
    return fields | {
        "net_amount": f"{net:.2f}",
        "tax_amount": f"{tax:.2f}",
        "gross_amount": f"{net + tax:.2f}",
    }


def row_count(html: str) -> int:
    return len(re.findall(r'aria-label="Item, line \d+"', html))


def shown_lines(html: str) -> list[int]:
    table = html.split('id="document-lines"', 1)[1].split("</table>", 1)[0]
    return [int(n) for n in re.findall(r"<tr[^>]*><td>(\d+)</td>", table)]


async def test_add_lines_grows_the_form_keeping_what_was_typed_and_posts_nothing(
    erp: Running,
) -> None:
    async with erp.logged_in() as client:
        first = await client.get("/invoices/new")
        assert row_count(first.text) == 5
        typed = {**long_invoice(3), "rows": "5", "add_count": "10", "add_lines": "Add lines"}
        grown = await client.post("/invoices", data=typed)
        assert row_count(grown.text) == 15
        assert 'value="AOS-LONG-1"' in grown.text
        assert 'name="line3_qty" aria-label="Quantity, line 3" value="3"' in grown.text
        again = await client.post("/invoices", data={**typed, "rows": "15", "add_count": "50"})
        assert row_count(again.text) == 65
        refused = await client.post("/invoices", data={**typed, "add_count": "51"})
        assert message(refused.text) == "Lines to add: enter a number from 1 to 50"
        assert row_count(refused.text) == 5
    assert await erp.count("invoice", "AOS-LONG-1") == 0


async def test_sixty_lines_are_posted_whole_and_displayed_ten_to_a_page(erp: Running) -> None:
    data = long_invoice(60)
    async with erp.logged_in() as client:
        posted = await client.post("/invoices", data=data)
        number = field_value(posted.text, "doc_number")
        first = await client.get(f"/documents/{number}")
        last = await client.get(f"/documents/{number}", params={"page": "6"})
        beyond = await client.get(f"/documents/{number}", params={"page": "9"})
    assert field_value(first.text, "line_count") == "60"
    assert field_value(first.text, "net_amount") == "7,777.50"  # 4.25 x (1 + ... + 60)
    assert "60 line items" in first.text
    assert "Page 1 of 6" in first.text
    assert shown_lines(first.text) == list(range(1, 11))
    assert "Next &gt;" in first.text
    assert shown_lines(last.text) == list(range(51, 61))
    assert "Next &gt;" not in last.text
    assert shown_lines(beyond.text) == list(range(51, 61))  # past the end: the last page


async def test_a_document_keeps_at_most_999_line_items(erp: Running) -> None:
    too_long = long_invoice(1) | {
        "line1000_item": "PAPER-A4",
        "line1000_qty": "1",
        "line1000_price": "4.25",
    }
    async with erp.logged_in() as client:
        refused = await client.post("/invoices", data=too_long)
        full = await client.post(
            "/invoices", data={**long_invoice(1), "rows": "999", "add_lines": "Add lines"}
        )
        longest = await client.post("/invoices", data=long_invoice(999, "AOS-LONG-999"))
        shown = await client.get(f"/documents/{field_value(longest.text, 'doc_number')}")
    assert message(refused.text) == "A document has at most 999 line items"
    assert message(full.text) == "A document has at most 999 line items"
    assert await erp.count("invoice", "AOS-LONG-1") == 0
    assert field_value(shown.text, "line_count") == "999"  # 7,000 fields in one form


async def test_a_clerk_adds_lines_and_enter_in_a_field_never_posts(
    erp: Running, page: Page
) -> None:
    await log_in(page, erp, "/invoices/new")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.get_by_label("Supplier", exact=True).fill("SUP-00087")
    await page.get_by_label("Lines to add").fill("3")
    await page.get_by_label("Supplier", exact=True).press("Enter")  # the form's first button
    await expect(page.get_by_label("Item, line 8", exact=True)).to_be_visible()
    await expect(page.get_by_label("Item, line 9", exact=True)).to_have_count(0)
    await expect(page.get_by_label("Supplier", exact=True)).to_have_value("SUP-00087")
    assert dialogs == []  # adding lines asks nothing: it posts nothing
    await page.get_by_role("button", name="Add lines").click()
    await expect(page.get_by_label("Item, line 11", exact=True)).to_be_visible()
    assert await erp.count("invoice", "AOS-LONG-1") == 0
