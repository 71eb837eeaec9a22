"""The ERP as a legacy system: its menu, screens and the records admins can count."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legacy.context import SystemSpec, Theme
from legacy.erp import (
    admin_orders,
    invoice_scans,
    invoice_screens,
    payment_screens,
    purchasing_screens,
    webhooks,
)
from legacy.erp.models import ErpBase, GoodsReceipt, InvoiceDocument, PaymentProposal
from legacy.erp.seed import seed_master

COUNT_KINDS = {
    "invoice": "supplier invoice number (optional supplier=SUP-...)",
    "reversal": "document number of the reversed invoice",
    "payment_proposal": "document number (optional status=PROPOSED|CANCELLED)",
    "goods_receipt": "PO number (counts material documents)",
}


def count(session: Session, kind: str, key: str, params: Mapping[str, str]) -> int:
    if kind == "invoice":
        statement = select(func.count()).where(
            InvoiceDocument.doc_type == "INVOICE", InvoiceDocument.supplier_invoice_no == key
        )
        if params.get("supplier"):
            statement = statement.where(InvoiceDocument.supplier_id == params["supplier"])
    elif kind == "reversal":
        statement = select(func.count()).where(
            InvoiceDocument.doc_type == "REVERSAL", InvoiceDocument.reverses_doc == key
        )
    elif kind == "payment_proposal":
        statement = select(func.count()).where(PaymentProposal.doc_number == key)
        if params.get("status"):
            statement = statement.where(PaymentProposal.status == params["status"])
    else:
        statement = select(func.count(func.distinct(GoodsReceipt.material_document))).where(
            GoodsReceipt.po_number == key
        )
    return int(session.execute(statement).scalar_one())


ERP = SystemSpec(
    name="erp",
    title="ACME ERP 4.6C",
    base=ErpBase,
    menu=(
        ("Vendor master", "/suppliers"),
        ("Purchase orders", "/purchase-orders"),
        ("Enter incoming invoice", "/invoices/new"),
        ("Invoice search", "/invoices"),
        ("Display document", "/documents"),
        ("Payment proposals", "/payments"),
    ),
    routes=(
        *admin_orders.ROUTES,
        *invoice_scans.ROUTES,
        *webhooks.ROUTES,
        *purchasing_screens.ROUTES,
        *invoice_screens.ROUTES,
        *payment_screens.ROUTES,
    ),
    seed_master=seed_master,
    count_kinds=COUNT_KINDS,
    count=count,
    theme=Theme(banner="#003366", menu="#dde4ee", accent="#336699"),
    date_format="%d.%m.%Y",
)
