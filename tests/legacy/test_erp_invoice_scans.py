"""The ERP's archive of invoice scans: filed as JSON, opened as a one-page PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import httpx

from activities.payables.demo_batch import batch
from legacy import create_app, seed
from tests.legacy.conftest import PASSWORD, USER, Running


async def test_a_filed_invoice_opens_as_a_pdf_with_the_suppliers_letterhead(
    erp: Running,
) -> None:
    invoice = batch("DS1", date(2026, 3, 2))[2].data  # the laptops at +3%
    path = f"/__admin/invoice-scans/{invoice['invoice_id']}"
    async with erp.client() as client:
        filed = await client.put(path, json=invoice)
        again = await client.put(path, json=invoice)
        scan = await client.get(f"{path}.pdf")
    assert (filed.status_code, filed.json()["pdf"]) == (201, f"{path}.pdf")
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert scan.status_code == 200
    assert scan.headers["content-type"] == "application/pdf"
    assert scan.headers["content-disposition"] == f'inline; filename="{invoice["invoice_id"]}.pdf"'
    pdf = scan.content
    assert pdf.startswith(b"%PDF-1.7\n")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert b"/Type /Page" in pdf
    for text in ("Acme Office Supplies GmbH", invoice["supplier_invoice_no"], "12,823.50"):
        assert f"({text})".encode() in pdf  # the page's text, as its content stream shows it
    assert b"(Please pay to IBAN DE89370400440532013000)" in pdf


async def test_a_scan_that_is_not_filed_or_not_an_invoice_is_refused_with_the_reason(
    erp: Running,
) -> None:
    async with erp.client() as client:
        missing = await client.get("/__admin/invoice-scans/INV-NONE.pdf")
        odd = await client.get('/__admin/invoice-scans/INV"x.pdf')
        no_lines = await client.put(
            "/__admin/invoice-scans/INV-1",
            json={"supplier_id": "SUP-00087", "supplier_invoice_no": "A-1", "lines": []},
        )
        not_json = await client.put("/__admin/invoice-scans/INV-1", content=b"<pdf>")
    assert (missing.status_code, missing.json()) == (404, {"error": "no scan of INV-NONE is filed"})
    assert odd.status_code == 404
    assert no_lines.status_code == 422
    fields = {problem["field"] for problem in no_lines.json()["problems"]}
    assert {"lines", "invoice_date", "currency", "gross_amount"} <= fields
    assert not_json.status_code == 400


async def test_scans_answer_only_this_machine(tmp_path: Path) -> None:
    seed("erp", tmp_path, {USER: PASSWORD})
    app = create_app("erp", tmp_path)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://erp") as client:
        response = await client.get("/__admin/invoice-scans/INV-1.pdf")
    assert response.status_code == 403
    app.state.legacy.db.close()
