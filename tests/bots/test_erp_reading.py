"""The bots that read the ERP's vendor master and purchase orders, in Chromium."""

from __future__ import annotations

from tests.bots.conftest import Sites

READING = """
name: erp-reading
version: 1
title: Read master data
owner: tests
business_key: input.key
input:
  key: string
  supplier_id: string
  po_number: string
steps:
  - id: supplier
    bot: erp.read_supplier
    timeout: 60s
    with: {supplier_id: "${ input.supplier_id }"}
  - id: order
    bot: erp.read_purchase_order
    timeout: 60s
    with: {po_number: "${ input.po_number }"}
output:
  supplier: ${ steps.supplier }
  order: ${ steps.order }
"""


async def read(sites: Sites, key: str, supplier: str, po: str) -> dict[str, object]:
    name = sites.runner.define(READING)
    result = await sites.runner.run(name, {"key": key, "supplier_id": supplier, "po_number": po})
    output: dict[str, object] = result["output"]
    return output


async def test_vendor_and_order_read_from_the_display_screens(sites: Sites) -> None:
    output = await read(sites, "read-1", "SUP-00087", "PO-2025-01235")
    supplier = output["supplier"]
    assert supplier == {
        "supplier_id": "SUP-00087",
        "found": True,
        "name": "Acme Office Supplies GmbH",
        "status": "active",
        "payment_block": False,
        "iban": "DE89370400440532013000",
        "bic": "COBADEFFXXX",
        "currency": "EUR",
        "payment_terms": "2/10 NET 30",
    }
    order = output["order"]
    assert isinstance(order, dict)
    assert (order["found"], order["status"], order["supplier_id"]) == (True, "open", "SUP-00087")
    assert order["received"] is True
    # Line 1: 40 ordered and received, 12 already invoiced by the posting history;
    # line 2: 120 of 200 received, none invoiced.
    assert [(x["po_line"], x["qty"], x["unit_price"], x["received_qty"], x["invoiced_qty"])
            for x in order["lines"]] == [(1, 40, 89.9, 40, 12), (2, 200, 4.25, 120, 0)]  # fmt: skip


async def test_blocked_and_unknown_numbers_are_answers_not_failures(sites: Sites) -> None:
    output = await read(sites, "read-2", "SUP-00999", "PO-2099-00001")
    supplier = output["supplier"]
    assert isinstance(supplier, dict)
    assert (supplier["status"], supplier["payment_block"]) == ("blocked", True)
    assert output["order"] == {
        "po_number": "PO-2099-00001",
        "found": False,
        "supplier_id": "",
        "company": "",
        "currency": "",
        "buyer": "",
        "erp_status": "",
        "status": "cancelled",
        "received": False,
        "lines": [],
    }
    unknown = await read(sites, "read-3", "SUP-77777", "PO-2025-01251")
    assert unknown["supplier"] == {
        "supplier_id": "SUP-77777", "found": False, "name": "", "status": "unknown",
        "payment_block": False, "iban": None, "bic": None, "currency": None,
        "payment_terms": None,
    }  # fmt: skip
    order = unknown["order"]
    assert isinstance(order, dict)
    assert order["received"] is False  # ordered, nothing arrived yet
