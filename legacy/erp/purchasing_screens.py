"""ERP screens for master and purchasing data: vendors, purchase orders, goods receipts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from legacy.erp.business_events import goods_receipt_posted
from legacy.erp.models import (
    GOODS_RECEIPT_RANGE,
    GoodsReceipt,
    InvoiceDocument,
    InvoiceLine,
    PoLine,
    PurchaseOrder,
    Supplier,
)
from legacy.erp.webhooks import events_raised
from legacy.screen_kit import (
    as_code,
    as_text,
    display,
    matching,
    not_found,
    results,
    search_query,
    submitted,
)
from legacy.screens import (
    FormError,
    current_user,
    form_fields,
    parse_amount,
    read,
    render,
    slow_screen,
    write,
)
from legacy.storage import next_number


async def supplier_list(request: Request) -> Response:
    query = search_query(request, {"supplier": as_code, "name": as_text})
    statement = matching(select(Supplier), query, {"supplier": Supplier.supplier_id})
    if query["name"]:
        statement = statement.where(Supplier.name.ilike(f"%{query['name']}%"))
    statement = statement.order_by(Supplier.supplier_id)
    return await results(request, "erp/supplier_list.html", statement, query)


async def supplier_display(request: Request) -> Response:
    supplier_id = request.path_params["supplier_id"]
    return await display(
        request,
        lambda session: session.get(Supplier, supplier_id),
        lambda supplier: render(request, "erp/supplier.html", supplier=supplier),
        lambda: not_found(
            request,
            "erp/supplier_list.html",
            f"Vendor {supplier_id} does not exist",
            {"supplier": supplier_id, "name": ""},
        ),
    )


async def po_list(request: Request) -> Response:
    query = search_query(request, {"po_number": as_code, "supplier": as_code})
    columns = {"po_number": PurchaseOrder.po_number, "supplier": PurchaseOrder.supplier_id}
    statement = matching(select(PurchaseOrder), query, columns)
    statement = statement.order_by(PurchaseOrder.po_number)
    return await results(request, "erp/po_list.html", statement, query)


@dataclass
class PoLineView:
    line: PoLine
    received: Decimal
    invoiced: Decimal

    @property
    def open_to_receive(self) -> Decimal:
        return self.line.qty - self.received


@dataclass
class PoView:
    order: PurchaseOrder
    supplier: Supplier | None
    lines: list[PoLineView]
    receipts: list[GoodsReceipt]


def load_po(session: Session, po_number: str) -> PoView | None:
    order = session.get(PurchaseOrder, po_number)
    if order is None:
        return None
    receipts = list(
        session.scalars(
            select(GoodsReceipt)
            .where(GoodsReceipt.po_number == po_number)
            .order_by(GoodsReceipt.id)
        )
    )
    # Invoiced quantities count posted invoices only: a reversed one frees its quantity.
    invoiced_lines = session.scalars(
        select(InvoiceLine)
        .join(InvoiceDocument, InvoiceDocument.doc_number == InvoiceLine.doc_number)
        .where(
            InvoiceDocument.po_number == po_number,
            InvoiceDocument.doc_type == "INVOICE",
            InvoiceDocument.status == "POSTED",
            InvoiceLine.po_line.is_not(None),
        )
    ).all()
    lines = []
    for line in session.scalars(
        select(PoLine).where(PoLine.po_number == po_number).order_by(PoLine.line_no)
    ):
        received = sum((r.received_qty for r in receipts if r.line_no == line.line_no), Decimal(0))
        invoiced = sum((i.qty for i in invoiced_lines if i.po_line == line.line_no), Decimal(0))
        lines.append(PoLineView(line=line, received=received, invoiced=invoiced))
    return PoView(
        order=order,
        supplier=session.get(Supplier, order.supplier_id),
        lines=lines,
        receipts=receipts,
    )


async def po_display(request: Request) -> Response:
    po_number = request.path_params["po_number"]
    return await display(
        request,
        lambda session: load_po(session, po_number),
        lambda view: render(request, "erp/po.html", view=view),
        lambda: not_found(
            request,
            "erp/po_list.html",
            f"Purchase order {po_number} does not exist",
            {"po_number": po_number, "supplier": ""},
        ),
    )


def post_receipt(
    session: Session, po_number: str, quantities: dict[int, Decimal], user: str
) -> str:
    """Post received quantities against PO lines; the material document number."""
    view = load_po(session, po_number)
    if view is None:
        raise FormError(f"Purchase order {po_number} does not exist")
    by_line = {line.line.line_no: line for line in view.lines}
    if not any(qty > 0 for qty in quantities.values()):
        raise FormError("Enter a received quantity for at least one line")
    for line_no, qty in quantities.items():
        if line_no not in by_line:
            raise FormError(f"Purchase order {po_number} has no line {line_no}")
        if qty < 0:
            raise FormError(f"Line {line_no}: quantity cannot be negative")
        if qty > by_line[line_no].open_to_receive:
            raise FormError(
                f"Line {line_no}: quantity {qty} exceeds the open quantity "
                f"{by_line[line_no].open_to_receive}"
            )
    material_document = str(next_number(session, GOODS_RECEIPT_RANGE))
    today = date.today()
    for line_no, qty in quantities.items():
        if qty > 0:
            session.add(
                GoodsReceipt(
                    material_document=material_document,
                    po_number=po_number,
                    line_no=line_no,
                    received_qty=qty,
                    posted_on=today,
                    posted_by=user,
                )
            )
    goods_receipt_posted(session, material_document, po_number, quantities, today)
    return material_document


def _received_quantities(fields: dict[str, str]) -> dict[int, Decimal]:
    """``lineN_received`` fields as quantities by line number; empty ones are left out."""
    quantities = {}
    for name, value in fields.items():
        line = name.removeprefix("line").removesuffix("_received")
        if name.startswith("line") and name.endswith("_received") and line.isdigit() and value:
            quantities[int(line)] = parse_amount(value, f"Received quantity, line {line}")
    return quantities


async def receipt_form(request: Request) -> Response:
    po_number = request.path_params["po_number"]
    view = await read(request, lambda session: load_po(session, po_number))
    if view is None:
        return await po_display(request)
    return render(request, "erp/receipt_form.html", view=view, fields={}, error=None)


async def receipt_submit(request: Request) -> Response:
    po_number = request.path_params["po_number"]
    fields = await form_fields(request)
    user = current_user(request)

    async def act() -> str:
        quantities = _received_quantities(fields)
        await slow_screen(request)
        material_document = await write(
            request, lambda session: post_receipt(session, po_number, quantities, user)
        )
        events_raised(request)  # committed: the receipt's event goes out, answer or not
        return material_document

    async def refused(error: FormError) -> Response:
        return await display(
            request,
            lambda session: load_po(session, po_number),
            lambda view: render(
                request, "erp/receipt_form.html", view=view, fields=fields, error=str(error)
            ),
            lambda: po_display(request),
        )

    return await submitted(
        request,
        act,
        refused,
        lambda material_document: render(
            request,
            "erp/receipt_posted.html",
            po_number=po_number,
            material_document=material_document,
        ),
    )


ROUTES = [
    Route("/suppliers", supplier_list, methods=["GET"]),
    Route("/suppliers/{supplier_id}", supplier_display, methods=["GET"]),
    Route("/purchase-orders", po_list, methods=["GET"]),
    Route("/purchase-orders/{po_number}", po_display, methods=["GET"]),
    Route("/purchase-orders/{po_number}/receipt", receipt_form, methods=["GET"]),
    Route("/purchase-orders/{po_number}/receipt", receipt_submit, methods=["POST"]),
]
