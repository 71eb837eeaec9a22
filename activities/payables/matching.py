"""Matching a supplier invoice against its purchase order and goods receipts.

Three-way for goods (invoice, PO, goods receipt), two-way for services (invoice, PO).
The tolerances arrive with the request (from the definition), never from code; their
defaults are the usual accounts-payable ones: a price may differ by the larger of 2% of
the line and 5.00, the invoice's header from its lines by 100.00 (freight, rounding),
and nothing may be billed beyond what was received. An invoice priced higher beyond
tolerance is blocked (``PRICE_VAR``); one priced lower only warns. Tax is outside the
tolerance. Matching is pure (the PO and receipts arrive in the request); the activity records
the result per line when told which invoice it is.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, Field
from temporalio import activity

from activities.payables.tables import MatchLineRow, keep_match
from backoffice import packs
from backoffice.packs import records_engine

CENT = Decimal("0.01")
Route = Literal["three_way", "two_way"]


class Tolerances(BaseModel):
    price_percent: float = Field(default=2.0, ge=0, description="Of the line's amount.")
    price_absolute: float = Field(default=5.0, ge=0, description="Per line, in currency.")
    header_absolute: float = Field(
        default=100.0, ge=0, description="Header net amount against the sum of its lines."
    )
    over_billing_percent: float = Field(default=0.0, ge=0, description="Beyond what arrived.")


class InvoiceLine(BaseModel):
    line: int
    po_line: int | None = None
    item: str | None = None  # finds the PO line when capture left po_line empty
    qty: float
    unit_price: float


class OrderLine(BaseModel):
    po_line: int
    item: str | None = None
    qty: float
    unit_price: float
    received_qty: float = 0
    invoiced_qty: float = Field(default=0, description="Billed by earlier invoices.")


class MatchRequest(BaseModel):
    invoice_id: str | None = Field(default=None, description="Given: the result is recorded.")
    po_number: str | None = None
    route: Route = "three_way"
    net_amount: float | None = Field(default=None, description="The invoice header's net.")
    po_status: Literal["open", "closed", "cancelled"] = "open"
    lines: list[InvoiceLine] = Field(min_length=1)
    order: list[OrderLine]
    tolerances: Tolerances = Field(default_factory=Tolerances)


class LineMatch(BaseModel):
    line: int
    po_line: int | None
    price_variance: float  # (invoice price - PO price) x quantity; positive: billed higher
    quantity_variance: float  # invoiced beyond what may be billed; 0 when within
    reason_codes: list[str]
    blocked: bool
    warnings: list[str] = Field(default_factory=list)


class MatchResult(BaseModel):
    status: Literal["matched", "exception", "awaiting_gr"]
    should_be_paid: Literal["yes", "no", "exception"]
    reason_codes: list[str]
    price_variance: float  # within tolerance, to post to the price-variance account
    total_price_variance: float = 0  # every line's, accepted or not
    lines: list[LineMatch]
    warnings: list[str] = Field(default_factory=list)


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def _line(
    line: InvoiceLine, order: OrderLine | None, request: MatchRequest, earlier: Decimal
) -> LineMatch:
    """One line; ``earlier`` is what this invoice's lines before it bill on the same PO line."""
    if order is None:
        return LineMatch(
            line=line.line, po_line=line.po_line, price_variance=0, quantity_variance=0,
            reason_codes=["NO_PO"], blocked=True,
        )  # fmt: skip
    tolerances = request.tolerances
    qty = Decimal(str(line.qty))
    codes: list[str] = []
    warnings: list[str] = []
    billable = Decimal(str(order.qty))
    if request.route == "three_way":
        billable = Decimal(str(order.received_qty))
        if billable <= 0:
            codes.append("NO_GR")
    allowance = billable * Decimal(str(tolerances.over_billing_percent)) / 100
    over = min(qty, earlier + qty - (billable + allowance - Decimal(str(order.invoiced_qty))))
    if over > 0 and "NO_GR" not in codes:
        codes.append("QTY_VAR")
    variance = _money(float((Decimal(str(line.unit_price)) - Decimal(str(order.unit_price))) * qty))
    line_amount = _money(float(Decimal(str(order.unit_price)) * qty))
    limit = max(
        line_amount * Decimal(str(tolerances.price_percent)) / 100,
        _money(tolerances.price_absolute),
    )
    if abs(variance) > limit:
        if variance > 0:
            codes.append("PRICE_VAR")
        else:
            warnings.append(f"billed {abs(variance)} below the order price")
    return LineMatch(
        line=line.line,
        po_line=line.po_line,
        price_variance=float(variance),
        quantity_variance=float(max(over, Decimal(0))),
        reason_codes=codes,
        blocked=bool(codes),
        warnings=warnings,
    )


def _order_line(line: InvoiceLine, request: MatchRequest) -> OrderLine | None:
    """The PO line an invoice line bills: by its number, or by item when capture left the
    number out and exactly one PO line has that item."""
    if line.po_line is not None:
        return next((o for o in request.order if o.po_line == line.po_line), None)
    same_item = [o for o in request.order if line.item and o.item == line.item]
    return same_item[0] if len(same_item) == 1 else None


def match(request: MatchRequest) -> MatchResult:
    """The match of every line and of the invoice as a whole (pure: no I/O)."""
    lines: list[LineMatch] = []
    billed: dict[int, Decimal] = {}  # per PO line, by this invoice's earlier lines
    for line in request.lines:
        order = _order_line(line, request)
        earlier = billed.get(order.po_line, Decimal(0)) if order else Decimal(0)
        matched = _line(line, order, request, earlier)
        if order is not None:
            matched.po_line = order.po_line
            billed[order.po_line] = earlier + Decimal(str(line.qty))
        lines.append(matched)
    codes = sorted({code for line in lines for code in line.reason_codes})
    warnings = [w for line in lines for w in line.warnings]
    if request.po_status != "open":
        codes = sorted({*codes, "PO_CLOSED"})
    within = sum((_money(line.price_variance) for line in lines if not line.blocked), Decimal(0))
    total = sum((_money(line.price_variance) for line in lines), Decimal(0))
    if request.net_amount is not None:
        lines_total = sum(
            (
                _money(float(Decimal(str(x.qty)) * Decimal(str(x.unit_price))))
                for x in request.lines
            ),
            Decimal(0),
        )
        header = _money(request.net_amount) - lines_total
        if header > _money(request.tolerances.header_absolute):
            codes = sorted({*codes, "PRICE_VAR"})  # the header bills more than its lines
        elif -header > _money(request.tolerances.header_absolute):
            warnings.append(f"the header is {-header} below its lines (a discount)")
    status: Literal["matched", "exception", "awaiting_gr"] = "matched"
    paid: Literal["yes", "no", "exception"] = "yes"
    if "NO_GR" in codes:
        # Nothing can be judged before the goods arrive: wait, and match everything again.
        status, paid = "awaiting_gr", "no"
    elif codes:
        status, paid = "exception", "exception"
    return MatchResult(
        status=status,
        should_be_paid=paid,
        reason_codes=codes,
        price_variance=float(within),
        total_price_variance=float(total),
        lines=lines,
        warnings=warnings,
    )


@packs.activity()
@activity.defn(name="invoice.match")
async def match_invoice(request: MatchRequest) -> MatchResult:
    """Match an invoice's lines against the PO (and goods receipts), with tolerances; the
    result per line is recorded for the invoice (the latest match replaces earlier ones)."""
    result = match(request)
    if request.invoice_id is not None:
        now = datetime.now(UTC)
        rows = [
            MatchLineRow(
                invoice_id=request.invoice_id,
                line=line.line,
                po_number=request.po_number,
                po_line=line.po_line,
                route=request.route,
                status=result.status,
                price_variance=Decimal(str(line.price_variance)),
                quantity_variance=Decimal(str(line.quantity_variance)),
                reason_codes=",".join(line.reason_codes),
                warnings="; ".join(line.warnings),
                matched_at=now,
            )
            for line in result.lines
        ]
        await asyncio.to_thread(keep_match, records_engine(), request.invoice_id, rows)
    return result
