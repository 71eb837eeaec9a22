"""The scans of incoming invoices, kept by the ERP's archive and opened from a task.

Capture hands an invoice to the process with the address of its scan (``document_url``);
approvers open it from their task to compare it with what they are asked to approve. In
the sandbox the ERP's archive keeps the scans: ``backoffice demo`` files each invoice it
starts (``PUT /__admin/invoice-scans/<invoice id>`` with the invoice as the process gets
it), and ``GET /__admin/invoice-scans/<invoice id>.pdf`` draws it as a one-page PDF, the
supplier's letterhead from the vendor master. Loopback only, like the other admin
endpoints: the people of a sandbox open it on the machine it runs on.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import String
from sqlalchemy.orm import Mapped, Session, mapped_column
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy.admin import invalid, loopback_only
from legacy.context import context_of
from legacy.erp.invoice_pdf import Line, Party, PrintedInvoice, invoice_pdf
from legacy.erp.line_items import MAX_LINE_ITEMS
from legacy.erp.models import ErpBase, Supplier
from legacy.storage import utcnow

INVOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_BAD_ID = "an invoice id is 1 to 40 letters, digits, dots, dashes and underscores"
CUSTOMER = Party("ACME GmbH", ("Accounts payable", "Industriestrasse 4", "10115 Berlin"))


class InvoiceScan(ErpBase):
    """A filed scan: the invoice as capture read it, drawn again whenever it is opened."""

    __tablename__ = "invoice_scan"

    invoice_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    invoice_json: Mapped[str]
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScanLine(BaseModel):
    model_config = ConfigDict(extra="ignore")

    item: str = Field(min_length=1, max_length=40)
    qty: Decimal
    uom: str = Field(default="EA", max_length=5)
    unit_price: Decimal
    amount: Decimal


class ScanIn(BaseModel):
    """What a scan shows of an invoice; the rest of what the process gets is ignored."""

    model_config = ConfigDict(extra="ignore")

    supplier_id: str = Field(min_length=1, max_length=20)
    supplier_invoice_no: str = Field(min_length=1, max_length=40)
    invoice_date: date
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    po_number: str | None = Field(default=None, max_length=20)
    payment_terms: str | None = Field(default=None, max_length=40)
    lines: list[ScanLine] = Field(min_length=1, max_length=MAX_LINE_ITEMS)
    iban: str | None = Field(default=None, max_length=40)


def _file(session: Session, invoice_id: str, scan: ScanIn) -> bool:
    """File the scan (a scan filed again replaces it); whether it is new."""
    kept = session.get(InvoiceScan, invoice_id)
    if kept is None:
        session.add(InvoiceScan(invoice_id=invoice_id, invoice_json=scan.model_dump_json()))
        return True
    kept.invoice_json = scan.model_dump_json()
    return False


@loopback_only
async def file_scan(request: Request) -> Response:
    """File the scan of an invoice (the invoice's JSON, as the process gets it)."""
    context = context_of(request)
    invoice_id = request.path_params["invoice_id"]
    if not INVOICE_ID.match(invoice_id):
        return JSONResponse({"error": _BAD_ID}, 422)
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body is not JSON"}, 400)
    if isinstance(body, dict) and isinstance(body.get("bank"), dict):
        body = {**body, "iban": body["bank"].get("iban")}  # as the process's input has it
    try:
        scan = ScanIn.model_validate(body)
    except ValidationError as error:
        return invalid("invalid invoice scan", error)
    created = await run_in_threadpool(context.db.write, lambda s: _file(s, invoice_id, scan))
    return JSONResponse(
        {"invoice_id": invoice_id, "created": created, "pdf": f"{request.url.path}.pdf"},
        201 if created else 200,
    )


def _printed(session: Session, invoice_id: str) -> PrintedInvoice | None:
    kept = session.get(InvoiceScan, invoice_id)
    if kept is None:
        return None
    scan = ScanIn.model_validate_json(kept.invoice_json)
    vendor = session.get(Supplier, scan.supplier_id)
    supplier = (
        Party(vendor.name, (vendor.street, f"{vendor.city} ({vendor.country})"))
        if vendor is not None
        else Party(scan.supplier_id)
    )
    return PrintedInvoice(
        supplier=supplier,
        customer=CUSTOMER,
        reference=scan.supplier_invoice_no,
        invoice_date=scan.invoice_date,
        currency=scan.currency,
        net_amount=scan.net_amount,
        tax_amount=scan.tax_amount,
        gross_amount=scan.gross_amount,
        lines=tuple(
            Line(line.item, line.qty, line.uom, line.unit_price, line.amount) for line in scan.lines
        ),
        po_number=scan.po_number,
        payment_terms=scan.payment_terms,
        iban=scan.iban,
        footer=f"Scan of {invoice_id}, filed in the archive of the sandbox ERP",
    )


@loopback_only
async def open_scan(request: Request) -> Response:
    """The scan as a PDF, shown in the browser (``inline``)."""
    context = context_of(request)
    invoice_id = request.path_params["invoice_id"]
    if not INVOICE_ID.match(invoice_id):
        return JSONResponse({"error": _BAD_ID}, 404)
    printed = await run_in_threadpool(context.db.read, lambda s: _printed(s, invoice_id))
    if printed is None:
        return JSONResponse({"error": f"no scan of {invoice_id} is filed"}, 404)
    return Response(
        invoice_pdf(printed),
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{invoice_id}.pdf"'},
    )


ROUTES = [
    Route("/__admin/invoice-scans/{invoice_id:str}.pdf", open_scan, methods=["GET"]),
    Route("/__admin/invoice-scans/{invoice_id:str}", file_scan, methods=["PUT"]),
]
