"""The ERP over HTTP: posting (duplicates included), read-back, reversal, payments, receipts."""

from __future__ import annotations

import re

from tests.legacy.conftest import Running, field_value, message
from tests.legacy.test_login_and_sessions import INVOICE


def rows(html: str) -> list[str]:
    """The document numbers listed on a search result page."""
    return re.findall(r'<td><a href="/documents/(\d+)">', html)


async def test_posting_the_same_invoice_twice_makes_two_documents(erp: Running) -> None:
    async with erp.logged_in() as client:
        first = await client.post("/invoices", data=INVOICE)
        second = await client.post("/invoices", data=INVOICE)
        assert message(first.text) == "Document 5105600101 was posted in company code ACME-DE"
        assert field_value(second.text, "doc_number") == "5105600102"
        found = await client.get("/invoices", params={"reference": "AOS-88231", "search": "Search"})
    assert "2 records found" in found.text
    assert rows(found.text) == ["5105600102", "5105600101"]
    assert await erp.count("invoice", "AOS-88231") == 2


async def test_document_display_reads_back_what_was_posted(erp: Running) -> None:
    async with erp.logged_in() as client:
        posted = await client.post("/invoices", data={**INVOICE, "attachment": "s3://ap/x.pdf"})
        document = await client.get(f"/documents/{field_value(posted.text, 'doc_number')}")
        by_number = await client.get("/documents", params={"number": "5105600101"})
    html = document.text
    assert field_value(html, "net_amount") == "12,450.00"
    assert field_value(html, "tax_amount") == "2,365.50"
    assert field_value(html, "gross_amount") == "14,815.50"
    assert field_value(html, "invoice_date") == "12.06.2025"
    assert field_value(html, "attachment") == "s3://ap/x.pdf"
    assert field_value(html, "status") == "POSTED"
    assert by_number.status_code == 302
    assert by_number.headers["location"] == "/documents/5105600101"


async def test_posting_checks_master_data_and_balances_and_keeps_what_was_typed(
    erp: Running,
) -> None:
    cases = {
        "Vendor SUP-00999 is blocked for posting": {"supplier": "SUP-00999", "po_number": ""},
        "Vendor SUP-12345 does not exist": {"supplier": "SUP-12345"},
        "Purchase order PO-2025-01240 belongs to vendor SUP-00231": {"po_number": "PO-2025-01240"},
        "Balance is not zero: gross minus net and tax is 100.00": {"gross_amount": "14915.50"},
        "Line items total 12,450.00 but the net amount is 12,000.00": {
            "net_amount": "12000",
            "gross_amount": "14365.50",
        },
        "Invoice date: enter a date as YYYY-MM-DD": {"invoice_date": "June 12th"},
        "Enter at least one line item": {"line1_item": "", "line1_qty": "", "line1_price": ""},
    }
    async with erp.logged_in() as client:
        for expected, changes in cases.items():
            response = await client.post("/invoices", data={**INVOICE, **changes})
            assert message(response.text) == expected
            assert 'value="AOS-88231"' in response.text
    assert await erp.count("invoice", "AOS-88231") == 0


async def test_search_pages_ten_at_a_time_with_next_and_previous(erp: Running) -> None:
    async with erp.logged_in() as client:
        first = await client.get("/invoices", params={"supplier": "SUP-00087", "search": "Search"})
        second = await client.get(
            "/invoices", params={"supplier": "SUP-00087", "search": "Search", "page": "2"}
        )
        wildcard = await client.get("/invoices", params={"reference": "AOS-880*", "search": "S"})
    assert "12 records found" in first.text
    assert "Page 1 of 2" in first.text
    assert len(rows(first.text)) == 10
    assert "Next &gt;" in first.text
    assert "&lt; Previous" not in first.text
    assert len(rows(second.text)) == 2
    assert "&lt; Previous" in second.text
    assert "Next &gt;" not in second.text
    assert rows(wildcard.text) == ["5105600047", "5105600042"]


async def test_reversal_needs_the_payment_proposal_cancelled_first(erp: Running) -> None:
    async with erp.logged_in() as client:
        doc = field_value((await client.post("/invoices", data=INVOICE)).text, "doc_number")
        proposed = await client.post(
            "/payments",
            data={"document": doc, "payment_date": "2025-06-22", "discount_percent": "2"},
        )
        proposal = field_value(proposed.text, "proposal_number")
        assert proposal == "PP-2025-000001"
        assert field_value(proposed.text, "discount_amount") == "296.31"
        assert field_value(proposed.text, "payment_amount") == "14,519.19"

        reverse = {"reason": "05", "reversal_date": "2025-06-30"}
        refused = await client.post(f"/documents/{doc}/reverse", data=reverse)
        assert message(refused.text) == (
            f"Document {doc} is in payment proposal {proposal}; cancel the proposal first"
        )
        cancelled = await client.post(f"/payments/{proposal}/cancel")
        assert message(cancelled.text) == f"Payment proposal {proposal} was cancelled"
        assert field_value(cancelled.text, "status") == "CANCELLED"

        reversed_ = await client.post(f"/documents/{doc}/reverse", data=reverse)
        reversal = field_value(reversed_.text, "reversal_doc_number")
        assert message(reversed_.text) == f"Document {doc} was reversed with document {reversal}"
        again = await client.post(f"/documents/{doc}/reverse", data=reverse)
        assert "is already reversed" in message(again.text)
        shown = await client.get(f"/documents/{doc}")
        assert field_value(shown.text, "status") == "REVERSED"
        assert field_value(shown.text, "reversal_doc") == reversal
        unpaid = await client.post(
            "/payments", data={"document": doc, "payment_date": "2025-06-22"}
        )
        assert message(unpaid.text) == f"Document {doc} is reversed and cannot be paid"
    assert await erp.count("reversal", doc) == 1
    assert await erp.count("payment_proposal", doc, status="CANCELLED") == 1
    assert await erp.count("invoice", "AOS-88231") == 1


async def test_payment_block_of_the_vendor_refuses_a_proposal(erp: Running) -> None:
    freight = {
        **INVOICE,
        "supplier": "SUP-00140",
        "reference": "AL-2025-0091",
        "po_number": "PO-2025-01262",
        "net_amount": "3450.00",
        "tax_amount": "655.50",
        "gross_amount": "4105.50",
        "line1_item": "SVC-FREIGHT",
        "line1_qty": "3",
        "line1_uom": "LS",
        "line1_price": "1150.00",
    }
    async with erp.logged_in() as client:
        doc = field_value((await client.post("/invoices", data=freight)).text, "doc_number")
        refused = await client.post(
            "/payments", data={"document": doc, "payment_date": "2025-07-20"}
        )
    assert message(refused.text) == "Payment block is set for vendor SUP-00140"
    assert await erp.count("payment_proposal", doc) == 0


async def test_goods_receipt_up_to_the_open_quantity(erp: Running) -> None:
    async with erp.logged_in() as client:
        too_many = await client.post(
            "/purchase-orders/PO-2025-01251/receipt", data={"line1_received": "26"}
        )
        assert message(too_many.text) == "Line 1: quantity 26 exceeds the open quantity 25"
        posted = await client.post(
            "/purchase-orders/PO-2025-01251/receipt",
            data={"line1_received": "25", "line2_received": "4"},
        )
        assert field_value(posted.text, "material_document") == "5000000101"
        order = await client.get("/purchase-orders/PO-2025-01251")
    assert "5000000101" in order.text
    assert await erp.count("goods_receipt", "PO-2025-01251") == 1


async def test_vendor_master_shows_bank_details_and_blocks(erp: Running) -> None:
    async with erp.logged_in() as client:
        acme = await client.get("/suppliers/SUP-00087")
        blocked = await client.get("/suppliers/SUP-00999")
        listing = await client.get("/suppliers", params={"page": "2"})
    assert field_value(acme.text, "iban") == "DE89370400440532013000"
    assert field_value(acme.text, "bic") == "COBADEFFXXX"
    assert field_value(blocked.text, "status") == "BLOCKED"
    assert field_value(blocked.text, "payment_block") == "Blocked for payment"
    assert "12 records found" in listing.text
    assert "Page 2 of 2" in listing.text
