"""The ERP's tables: vendor master, purchasing, accounting documents, payment proposals."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from legacy.storage import EXACT_DECIMALS, utcnow

INVOICE_RANGE = "accounting_document"
GOODS_RECEIPT_RANGE = "material_document"
PAYMENT_RANGE = "payment_proposal"


class ErpBase(DeclarativeBase):
    type_annotation_map = EXACT_DECIMALS


class Supplier(ErpBase):
    __tablename__ = "supplier"

    supplier_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str]
    street: Mapped[str]
    city: Mapped[str]
    country: Mapped[str] = mapped_column(String(2))
    iban: Mapped[str]
    bic: Mapped[str]
    bank_name: Mapped[str]
    currency: Mapped[str] = mapped_column(String(3))
    payment_terms: Mapped[str]
    status: Mapped[str] = mapped_column(String(10), default="ACTIVE")  # ACTIVE or BLOCKED
    payment_block: Mapped[bool] = mapped_column(default=False)


class PurchaseOrder(ErpBase):
    __tablename__ = "purchase_order"

    po_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    supplier_id: Mapped[str] = mapped_column(ForeignKey("supplier.supplier_id"))
    company: Mapped[str]
    order_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    buyer: Mapped[str]
    status: Mapped[str]


class PoLine(ErpBase):
    __tablename__ = "po_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    po_number: Mapped[str] = mapped_column(ForeignKey("purchase_order.po_number"), index=True)
    line_no: Mapped[int]
    item: Mapped[str]
    description: Mapped[str]
    qty: Mapped[Decimal]
    uom: Mapped[str] = mapped_column(String(5))
    unit_price: Mapped[Decimal]


class GoodsReceipt(ErpBase):
    __tablename__ = "goods_receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    material_document: Mapped[str] = mapped_column(String(10), index=True)
    po_number: Mapped[str] = mapped_column(ForeignKey("purchase_order.po_number"), index=True)
    line_no: Mapped[int]
    received_qty: Mapped[Decimal]
    posted_on: Mapped[date]
    posted_by: Mapped[str]


class InvoiceDocument(ErpBase):
    """An accounting document: a supplier invoice, or the reversal of one."""

    __tablename__ = "invoice_document"

    doc_number: Mapped[str] = mapped_column(String(10), primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(10))  # INVOICE or REVERSAL
    company: Mapped[str]
    supplier_id: Mapped[str] = mapped_column(ForeignKey("supplier.supplier_id"), index=True)
    supplier_invoice_no: Mapped[str] = mapped_column(index=True)
    invoice_date: Mapped[date]
    posting_date: Mapped[date]
    currency: Mapped[str] = mapped_column(String(3))
    net_amount: Mapped[Decimal]
    tax_amount: Mapped[Decimal]
    gross_amount: Mapped[Decimal]
    po_number: Mapped[str | None]
    attachment: Mapped[str | None]
    text: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(10))  # POSTED or REVERSED
    reversal_doc: Mapped[str | None] = mapped_column(String(10))
    reverses_doc: Mapped[str | None] = mapped_column(String(10))
    reversal_reason: Mapped[str | None]
    entered_by: Mapped[str]
    entered_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvoiceLine(ErpBase):
    __tablename__ = "invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_number: Mapped[str] = mapped_column(ForeignKey("invoice_document.doc_number"), index=True)
    line_no: Mapped[int]
    po_line: Mapped[int | None]
    item: Mapped[str]
    qty: Mapped[Decimal]
    uom: Mapped[str] = mapped_column(String(5))
    unit_price: Mapped[Decimal]
    amount: Mapped[Decimal]
    tax_code: Mapped[str]


class PaymentProposal(ErpBase):
    __tablename__ = "payment_proposal"

    proposal_number: Mapped[str] = mapped_column(String(20), primary_key=True)
    doc_number: Mapped[str] = mapped_column(ForeignKey("invoice_document.doc_number"), index=True)
    payment_date: Mapped[date]
    discount_percent: Mapped[Decimal]
    discount_amount: Mapped[Decimal]
    payment_amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))  # PROPOSED or CANCELLED
    created_by: Mapped[str]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_by: Mapped[str | None] = mapped_column(default=None)
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None)


class BusinessEvent(ErpBase):
    """An event the ERP raised (a goods receipt posted), kept until its subscriber has it.

    Written in the transaction of the record it is about: the event goes out if and only
    if the record was committed (an outbox).
    """

    __tablename__ = "business_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str]  # the JSON body, as it is signed and sent
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    given_up_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(default=None)
