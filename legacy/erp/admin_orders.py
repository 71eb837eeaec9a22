"""Admin endpoints of the sandbox ERP: add a released purchase order with its receipts,
post a goods receipt, close or cancel an order.

Demos and tests need orders that no earlier run has invoiced yet; in a real ERP the
purchasing department would have created them, and the warehouse would post receipts.
Loopback only, like the other admin endpoints. Adding is idempotent: an order that exists
is answered as it is, never changed. Every receipt raises ``goods_receipt.posted``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from legacy.admin import invalid, loopback_only
from legacy.context import context_of
from legacy.erp.business_events import goods_receipt_posted
from legacy.erp.line_items import MAX_LINE_ITEMS
from legacy.erp.models import GOODS_RECEIPT_RANGE, GoodsReceipt, PoLine, PurchaseOrder, Supplier
from legacy.erp.purchasing_screens import post_receipt
from legacy.erp.webhooks import events_raised
from legacy.screens import FormError
from legacy.storage import next_number


class OrderLineIn(BaseModel):
    line_no: int = Field(ge=1)
    item: str = Field(min_length=1, max_length=20)
    description: str = ""
    qty: Decimal = Field(gt=0)
    uom: str = Field(default="EA", max_length=5)
    unit_price: Decimal = Field(ge=0)
    received_qty: Decimal = Field(default=Decimal(0), ge=0)


class OrderIn(BaseModel):
    po_number: str = Field(pattern=r"^PO-[A-Z0-9-]{4,16}$")
    supplier_id: str
    company: str = "ACME-DE"
    order_date: date = Field(default_factory=date.today)
    buyer: str = "EMP-0311"
    lines: list[OrderLineIn] = Field(min_length=1, max_length=MAX_LINE_ITEMS)


def _add(session: Session, order: OrderIn) -> tuple[bool, str | None]:
    """(created, problem)."""
    if session.get(PurchaseOrder, order.po_number) is not None:
        return False, None
    supplier = session.get(Supplier, order.supplier_id)
    if supplier is None:
        return False, f"vendor {order.supplier_id} does not exist"
    session.add(
        PurchaseOrder(
            po_number=order.po_number,
            supplier_id=order.supplier_id,
            company=order.company,
            order_date=order.order_date,
            currency=supplier.currency,
            buyer=order.buyer,
            status="Released",
        )
    )
    session.flush()
    for line in order.lines:
        if line.received_qty > line.qty:
            raise ValueError(f"line {line.line_no} receives more than it orders")
        session.add(
            PoLine(
                po_number=order.po_number,
                line_no=line.line_no,
                item=line.item,
                description=line.description or line.item,
                qty=line.qty,
                uom=line.uom,
                unit_price=line.unit_price,
            )
        )
        if line.received_qty > 0:
            material_document = str(next_number(session, GOODS_RECEIPT_RANGE))
            session.add(
                GoodsReceipt(
                    material_document=material_document,
                    po_number=order.po_number,
                    line_no=line.line_no,
                    received_qty=line.received_qty,
                    posted_on=order.order_date,
                    posted_by="WHS-BER",
                )
            )
            quantities = {line.line_no: line.received_qty}
            goods_receipt_posted(
                session, material_document, order.po_number, quantities, order.order_date
            )
    return True, None


@loopback_only
async def add_order(request: Request) -> Response:
    """Add a released purchase order (``{"po_number": ..., "lines": [...]}``)."""
    context = context_of(request)
    try:
        order = OrderIn.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid("invalid purchase order", error)
    try:
        created, problem = await run_in_threadpool(context.db.write, lambda s: _add(s, order))
    except ValueError as error:
        return JSONResponse({"error": str(error)}, 422)
    if problem:
        return JSONResponse({"error": problem}, 422)
    if created:
        events_raised(request)
    return JSONResponse({"po_number": order.po_number, "created": created}, 201 if created else 200)


class ReceiptLineIn(BaseModel):
    line_no: int = Field(ge=1)
    qty: Decimal = Field(gt=0)


class ReceiptIn(BaseModel):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=MAX_LINE_ITEMS)
    posted_by: str = Field(default="WHS-BER", min_length=1, max_length=20)


@loopback_only
async def add_receipt(request: Request) -> Response:
    """Post a goods receipt, as the warehouse would (``{"lines": [{"line_no", "qty"}]}``)."""
    context = context_of(request)
    po_number = request.path_params["po_number"]
    try:
        receipt = ReceiptIn.model_validate_json(await request.body())
    except ValidationError as error:
        return invalid("invalid goods receipt", error)
    exists = await run_in_threadpool(
        context.db.read, lambda s: s.get(PurchaseOrder, po_number) is not None
    )
    if not exists:
        return JSONResponse({"error": f"purchase order {po_number} does not exist"}, 404)
    quantities = {line.line_no: line.qty for line in receipt.lines}
    try:
        material_document = await run_in_threadpool(
            context.db.write,
            lambda s: post_receipt(s, po_number, quantities, receipt.posted_by),
        )
    except FormError as error:
        return JSONResponse({"error": str(error)}, 422)
    events_raised(request)
    return JSONResponse({"po_number": po_number, "material_document": material_document}, 201)


ORDER_STATUSES = ("Released", "Closed", "Cancelled")


@loopback_only
async def set_order_status(request: Request) -> Response:
    """Close or cancel an order, as purchasing would (``{"status": "Cancelled"}``)."""
    context = context_of(request)
    po_number = request.path_params["po_number"]
    try:
        status = (await request.json()).get("status")
    except ValueError:
        status = None
    if status not in ORDER_STATUSES:
        return JSONResponse({"error": f"status must be one of {', '.join(ORDER_STATUSES)}"}, 422)

    def work(session: Session) -> bool:
        order = session.get(PurchaseOrder, po_number)
        if order is None:
            return False
        order.status = status
        return True

    if not await run_in_threadpool(context.db.write, work):
        return JSONResponse({"error": f"purchase order {po_number} does not exist"}, 404)
    return JSONResponse({"po_number": po_number, "status": status})


ROUTES = [
    Route("/__admin/purchase-orders", add_order, methods=["POST"]),
    Route("/__admin/purchase-orders/{po_number}/status", set_order_status, methods=["POST"]),
    Route("/__admin/purchase-orders/{po_number}/receipts", add_receipt, methods=["POST"]),
]
