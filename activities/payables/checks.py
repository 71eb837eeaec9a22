"""Checks of a supplier invoice as it arrives: its data, its arithmetic, its supplier, and
whether it was seen before. Each finding carries a reason code of accounts payable.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field
from temporalio import activity

from activities.payables.register import InvoiceRecord, reference_key, register
from backoffice import packs
from backoffice.packs import records_engine

CENT = Decimal("0.01")


def _exact(amount: float) -> Decimal:
    """An amount as it was written: the sum of two hundred floats is not cent-exact."""
    return Decimal(str(amount))


class Line(BaseModel):
    line: int
    amount: float


class Supplier(BaseModel):
    """The supplier as the vendor master knows it (read from the ERP by an earlier step)."""

    found: bool = True  # the vendor master knows the supplier
    status: str = "active"  # active, blocked
    payment_block: bool = False
    iban: str | None = None


class InvoiceToCheck(BaseModel):
    invoice_id: str
    company: str
    supplier_id: str
    supplier_invoice_no: str
    invoice_date: date
    posting_date: date
    currency: str
    net_amount: float
    tax_amount: float
    gross_amount: float
    kind: str = "invoice"
    iban: str | None = None
    lines: list[Line] = Field(default_factory=list)
    supplier: Supplier


class Findings(BaseModel):
    ok: bool
    reason_codes: list[str]
    problems: list[str]
    duplicate_of: str | None = None
    fraud_hold: bool = False


def check(invoice: InvoiceToCheck) -> Findings:
    """Everything that can be told from the invoice and the vendor master (pure)."""
    codes: list[str] = []
    problems: list[str] = []

    def find(code: str, problem: str) -> None:
        if code not in codes:
            codes.append(code)
        problems.append(problem)

    if not invoice.lines:
        find("MISSING_DATA", "the invoice has no lines")
    if invoice.invoice_date > invoice.posting_date:
        find("MISSING_DATA", "the invoice date is after the posting date")
    # Each line is matched and recorded by its number: two lines 3 cannot both be line 3.
    repeated = sorted(n for n, times in Counter(line.line for line in invoice.lines).items()
                      if times > 1)  # fmt: skip
    if repeated:
        numbers = ", ".join(str(n) for n in repeated)
        find("MISSING_DATA", f"line numbers appear more than once: {numbers}")
    total = sum((_exact(line.amount) for line in invoice.lines), Decimal(0))
    net, tax, gross = (_exact(invoice.net_amount), _exact(invoice.tax_amount),
                       _exact(invoice.gross_amount))  # fmt: skip
    if invoice.lines and abs(total - net) > CENT:
        find("TAX_ERR", f"the lines add up to {total:.2f}, the net amount is {net:.2f}")
    if abs(net + tax - gross) > CENT:
        find("TAX_ERR", "net and tax do not add up to the gross amount")
    if not invoice.supplier.found:
        find("MISSING_DATA", f"supplier {invoice.supplier_id} is not in the vendor master")
    elif invoice.supplier.status != "active" or invoice.supplier.payment_block:
        find("SUPPLIER_BLOCKED", f"supplier {invoice.supplier_id} is blocked for payment")
    fraud = False
    if (
        invoice.iban
        and invoice.supplier.found
        and _iban(invoice.iban) != _iban(invoice.supplier.iban or "")
    ):
        # The bank account differs from the vendor master (or the master has none): held,
        # and verified by a call-back outside accounts payable (AP cannot change the master).
        find("BANK_MISMATCH", "the invoice's bank account is not the supplier's on file")
        fraud = True
    return Findings(ok=not codes, reason_codes=codes, problems=problems, fraud_hold=fraud)


def _iban(text: str) -> str:
    return text.replace(" ", "").upper()


@packs.activity()
@activity.defn(name="invoice.check")
async def check_invoice(invoice: InvoiceToCheck) -> Findings:
    """Check an arriving invoice and look for duplicates; it is kept for later checks."""
    findings = check(invoice)
    record = InvoiceRecord(
        invoice_id=invoice.invoice_id,
        company=invoice.company,
        supplier_id=invoice.supplier_id,
        supplier_invoice_no=invoice.supplier_invoice_no,
        reference_key=reference_key(invoice.supplier_invoice_no),
        fiscal_year=invoice.invoice_date.year,
        currency=invoice.currency,
        gross_amount=_exact(invoice.gross_amount),
        invoice_date=invoice.invoice_date,
        kind=invoice.kind,
    )
    verdict, other = await asyncio.to_thread(register, records_engine(), record)
    if verdict != "none":
        code = "DUPLICATE" if verdict == "duplicate" else "DUP_SUSPECT"
        findings.reason_codes.append(code)
        findings.problems.append(f"the same invoice as {other}" if verdict == "duplicate"
                                 else f"looks like {other}")  # fmt: skip
        findings.duplicate_of = other
        findings.ok = False
    return findings
