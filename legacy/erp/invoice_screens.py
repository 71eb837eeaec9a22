"""ERP screens for supplier invoices: post, search, display and reverse a document."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from legacy.context import context_of
from legacy.erp.line_items import (
    ADD_AT_MOST,
    ADD_DEFAULT,
    AMOUNT_STEP,
    MAX_FORM_FIELDS,
    MAX_LINE_ITEMS,
    LineEntry,
    grown_rows,
    parse_lines,
    shown_rows,
)
from legacy.erp.models import (
    INVOICE_RANGE,
    InvoiceDocument,
    InvoiceLine,
    PaymentProposal,
    PurchaseOrder,
    Supplier,
)
from legacy.screen_kit import (
    as_code,
    as_sent,
    as_text,
    display,
    matching,
    results,
    search_query,
    submitted,
)
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    page_number,
    page_of,
    parse_amount,
    parse_date,
    read,
    render,
    required,
    slow_screen,
    write,
)
from legacy.storage import next_number

CURRENCIES = ("EUR", "USD", "GBP", "CHF")
TAX_CODES = ("DE19", "DE07", "DE00", "EU00")
REVERSAL_REASONS = (
    ("01", "01 - Reversal in current period"),
    ("02", "02 - Reversal in closed period"),
    ("05", "05 - Duplicate posting"),
)


@dataclass
class InvoiceEntry:
    company: str
    supplier_id: str
    reference: str
    invoice_date: date
    posting_date: date
    currency: str
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    po_number: str | None
    attachment: str | None
    text: str | None
    lines: list[LineEntry] = field(default_factory=list)


def parse_invoice(fields: dict[str, str]) -> InvoiceEntry:
    """The invoice as entered, checked field by field (not yet against master data)."""
    entry = InvoiceEntry(
        company=fields.get("company_code") or "ACME-DE",
        supplier_id=required(fields, "supplier", "Supplier").upper(),
        reference=required(fields, "reference", "Supplier invoice number"),
        invoice_date=parse_date(required(fields, "invoice_date", "Invoice date"), "Invoice date"),
        posting_date=(
            parse_date(fields["posting_date"], "Posting date")
            if fields.get("posting_date")
            else date.today()
        ),
        currency=fields.get("currency") or "EUR",
        net_amount=parse_amount(required(fields, "net_amount", "Net amount"), "Net amount"),
        tax_amount=parse_amount(required(fields, "tax_amount", "Tax amount"), "Tax amount"),
        gross_amount=parse_amount(required(fields, "gross_amount", "Gross amount"), "Gross amount"),
        po_number=fields.get("po_number", "").upper() or None,
        attachment=fields.get("attachment") or None,
        text=fields.get("text") or None,
    )
    entry.lines = parse_lines(fields)
    if entry.currency not in CURRENCIES:
        raise FormError(f"Currency: choose one of {', '.join(CURRENCIES)}")
    if entry.invoice_date > entry.posting_date:
        raise FormError("Invoice date is after the posting date")
    if abs(entry.net_amount + entry.tax_amount - entry.gross_amount) > AMOUNT_STEP:
        difference = entry.gross_amount - entry.net_amount - entry.tax_amount
        raise FormError(f"Balance is not zero: gross minus net and tax is {difference:,.2f}")
    if not entry.lines:
        raise FormError("Enter at least one line item")
    total = sum((line.amount for line in entry.lines), Decimal(0))
    if abs(total - entry.net_amount) > AMOUNT_STEP:
        raise FormError(
            f"Line items total {total:,.2f} but the net amount is {entry.net_amount:,.2f}"
        )
    return entry


def post_invoice(session: Session, entry: InvoiceEntry, user: str) -> str:
    """Check the entry against master data and post it; the new document number."""
    supplier = session.get(Supplier, entry.supplier_id)
    if supplier is None:
        raise FormError(f"Vendor {entry.supplier_id} does not exist")
    if supplier.status == "BLOCKED":
        raise FormError(f"Vendor {entry.supplier_id} is blocked for posting")
    if entry.po_number is not None:
        order = session.get(PurchaseOrder, entry.po_number)
        if order is None:
            raise FormError(f"Purchase order {entry.po_number} does not exist")
        if order.supplier_id != entry.supplier_id:
            raise FormError(
                f"Purchase order {entry.po_number} belongs to vendor {order.supplier_id}"
            )
    doc_number = str(next_number(session, INVOICE_RANGE))
    session.add(
        InvoiceDocument(
            doc_number=doc_number,
            doc_type="INVOICE",
            company=entry.company,
            supplier_id=entry.supplier_id,
            supplier_invoice_no=entry.reference,
            invoice_date=entry.invoice_date,
            posting_date=entry.posting_date,
            currency=entry.currency,
            net_amount=entry.net_amount,
            tax_amount=entry.tax_amount,
            gross_amount=entry.gross_amount,
            po_number=entry.po_number,
            attachment=entry.attachment,
            text=entry.text,
            status="POSTED",
            reversal_doc=None,
            reverses_doc=None,
            reversal_reason=None,
            entered_by=user,
        )
    )
    session.flush()
    for line in entry.lines:
        session.add(
            InvoiceLine(
                doc_number=doc_number,
                line_no=line.line_no,
                po_line=line.po_line,
                item=line.item,
                qty=line.qty,
                uom=line.uom,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_code=line.tax_code,
            )
        )
    return doc_number


def _form(
    request: Request, fields: dict[str, str], error: str | None = None, rows: int | None = None
) -> Response:
    return render(
        request,
        "erp/invoice_form.html",
        status_code=200,
        fields=fields,
        error=error,
        rows=range(1, (rows or shown_rows(fields)) + 1),
        add_default=ADD_DEFAULT,
        add_at_most=ADD_AT_MOST,
        max_line_items=MAX_LINE_ITEMS,
        currencies=CURRENCIES,
        tax_codes=TAX_CODES,
    )


async def invoice_form(request: Request) -> Response:
    return _form(request, {"posting_date": date.today().isoformat()})


async def invoice_submit(request: Request) -> Response:
    fields = await form_fields(request, max_fields=MAX_FORM_FIELDS)
    if "add_lines" in fields:
        # More rows for a long invoice: the same form again, with what was typed kept.
        try:
            return _form(request, fields, rows=grown_rows(fields))
        except FormError as error:
            return _form(request, fields, str(error))
    user = current_user(request)

    async def act() -> tuple[str, InvoiceEntry]:
        entry = parse_invoice(fields)
        await slow_screen(request)
        return await write(request, lambda session: post_invoice(session, entry, user)), entry

    def done(posted: tuple[str, InvoiceEntry]) -> Response:
        doc_number, entry = posted
        return render(request, "erp/invoice_posted.html", doc_number=doc_number, entry=entry)

    return await submitted(request, act, lambda error: _form(request, fields, str(error)), done)


async def invoice_search(request: Request) -> Response:
    query = search_query(request, {"supplier": as_code, "reference": as_text, "search": as_sent})
    if not query["search"]:
        return render(request, "erp/invoice_search.html", query=query, result=None)

    statement = select(InvoiceDocument).where(InvoiceDocument.doc_type == "INVOICE")
    statement = matching(statement, query, {"supplier": InvoiceDocument.supplier_id})
    if query["reference"]:
        reference = query["reference"]
        if "*" in reference:
            pattern = reference.replace("*", "%")
            statement = statement.where(InvoiceDocument.supplier_invoice_no.like(pattern))
        else:
            statement = statement.where(
                func.upper(InvoiceDocument.supplier_invoice_no) == reference.upper()
            )
    statement = statement.order_by(InvoiceDocument.doc_number.desc())
    return await results(request, "erp/invoice_search.html", statement, query)


async def document_entry(request: Request) -> Response:
    number = request.query_params.get("number", "").strip()
    if not number:
        return render(request, "erp/document_entry.html", number="", error=None)
    exists = await read(request, lambda session: session.get(InvoiceDocument, number) is not None)
    if not exists:
        return render(
            request,
            "erp/document_entry.html",
            number=number,
            error=f"Document {number} does not exist in company code ACME-DE",
        )
    return RedirectResponse(f"/documents/{number}", status_code=302)


@dataclass
class DocumentView:
    document: InvoiceDocument
    supplier: Supplier | None
    lines: list[InvoiceLine]
    proposals: list[PaymentProposal]


def load_document(session: Session, doc_number: str) -> DocumentView | None:
    document = session.get(InvoiceDocument, doc_number)
    if document is None:
        return None
    lines = session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.doc_number == doc_number)
        .order_by(InvoiceLine.line_no)
    ).all()
    proposals = session.scalars(
        select(PaymentProposal)
        .where(PaymentProposal.doc_number == doc_number)
        .order_by(PaymentProposal.proposal_number)
    ).all()
    return DocumentView(
        document=document,
        supplier=session.get(Supplier, document.supplier_id),
        lines=list(lines),
        proposals=list(proposals),
    )


async def document_display(request: Request) -> Response:
    doc_number = request.path_params["doc_number"]

    def shown(view: DocumentView) -> Response:
        # A long document shows its line items a page at a time, like search results.
        lines = page_of(view.lines, page_number(request), context_of(request).page_size)
        return render(request, "erp/document.html", view=view, lines=lines)

    # Not found here is the document entry screen's (it has no search form).
    return await display(
        request,
        lambda session: load_document(session, doc_number),
        shown,
        lambda: render(
            request,
            "erp/document_entry.html",
            status_code=404,
            number=doc_number,
            error=f"Document {doc_number} does not exist in company code ACME-DE",
        ),
    )


def reverse_document(session: Session, doc_number: str, reason: str, on: date, user: str) -> str:
    """Post the reversal of a document; the reversal's document number."""
    original = session.get(InvoiceDocument, doc_number)
    if original is None:
        raise FormError(f"Document {doc_number} does not exist")
    if original.doc_type != "INVOICE":
        raise FormError(f"Document {doc_number} is a reversal document and cannot be reversed")
    if original.status == "REVERSED":
        raise FormError(
            f"Document {doc_number} is already reversed (reversal document {original.reversal_doc})"
        )
    open_proposal = session.scalars(
        select(PaymentProposal).where(
            PaymentProposal.doc_number == doc_number, PaymentProposal.status == "PROPOSED"
        )
    ).first()
    if open_proposal is not None:
        raise FormError(
            f"Document {doc_number} is in payment proposal {open_proposal.proposal_number}; "
            "cancel the proposal first"
        )
    reversal_number = str(next_number(session, INVOICE_RANGE))
    session.add(
        InvoiceDocument(
            doc_number=reversal_number,
            doc_type="REVERSAL",
            company=original.company,
            supplier_id=original.supplier_id,
            supplier_invoice_no=original.supplier_invoice_no,
            invoice_date=original.invoice_date,
            posting_date=on,
            currency=original.currency,
            net_amount=-original.net_amount,
            tax_amount=-original.tax_amount,
            gross_amount=-original.gross_amount,
            po_number=original.po_number,
            attachment=original.attachment,
            text=f"Reversal of {doc_number}",
            status="POSTED",
            reversal_doc=None,
            reverses_doc=doc_number,
            reversal_reason=reason,
            entered_by=user,
        )
    )
    original.status = "REVERSED"
    original.reversal_doc = reversal_number
    original.reversal_reason = reason
    return reversal_number


async def reverse_form(request: Request) -> Response:
    doc_number = request.path_params["doc_number"]
    view = await read(request, lambda session: load_document(session, doc_number))
    if view is None:
        return RedirectResponse(f"/documents?number={doc_number}", status_code=302)
    return render(
        request,
        "erp/reverse_form.html",
        view=view,
        reasons=REVERSAL_REASONS,
        fields={"reason": "01", "reversal_date": date.today().isoformat()},
        error=None,
    )


async def reverse_submit(request: Request) -> Response:
    doc_number = request.path_params["doc_number"]
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> str:
        reason = fields.get("reason", "")
        if reason not in dict(REVERSAL_REASONS):
            raise FormError("Reversal reason: choose a reason")
        on = parse_date(required(fields, "reversal_date", "Reversal date"), "Reversal date")
        await slow_screen(request)
        return await write(
            request, lambda session: reverse_document(session, doc_number, reason, on, user)
        )

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: load_document(session, doc_number),
            lambda view: render(
                request,
                "erp/reverse_form.html",
                view=view,
                reasons=REVERSAL_REASONS,
                fields=fields,
                error=str(error),
            ),
            lambda: RedirectResponse(f"/documents?number={doc_number}", status_code=302),
        )

    return await submitted(
        request,
        act,
        refused,
        lambda reversal: render(
            request, "erp/reversed.html", doc_number=doc_number, reversal_doc=reversal
        ),
    )


ROUTES = [
    Route("/invoices/new", invoice_form, methods=["GET"]),
    Route("/invoices", invoice_submit, methods=["POST"]),
    Route("/invoices", invoice_search, methods=["GET"]),
    Route("/documents", document_entry, methods=["GET"]),
    Route("/documents/{doc_number}", document_display, methods=["GET"]),
    Route("/documents/{doc_number}/reverse", reverse_form, methods=["GET"]),
    Route("/documents/{doc_number}/reverse", reverse_submit, methods=["POST"]),
]
