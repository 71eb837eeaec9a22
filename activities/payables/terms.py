"""Payment terms and the payment date of an approved supplier invoice.

Terms are read as the invoices print them: ``NET 30``, ``2/10 NET 30`` (2% cash discount
when paid within 10 days, otherwise the full amount in 30), ``3/7 2/14 NET 30``. Days count
from the invoice date. An invoice approved in time for a discount is paid on the last
discount day, to keep the cash as long as the discount allows; one approved later is
paid on its net due date (or at once, if that has passed).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import packs
from backoffice.packs import Amount, round_money

_DISCOUNT = re.compile(r"^(\d+(?:\.\d+)?)/(\d+)$")
_NET = re.compile(r"^NET\s*(\d+)$")


class Discount(BaseModel):
    percent: Amount
    days: int


class Terms(BaseModel):
    discounts: list[Discount] = Field(default_factory=list)  # best first
    net_days: int


def parse_terms(text: str) -> Terms:
    """``2/10 NET 30`` as Terms; ValueError says what is expected. Also read as printed:
    ``2/10, NET 30``, ``2/10 N/30``, ``NET 30 DAYS``, ``N30``."""
    upper = text.upper().replace(",", " ").replace(";", " ")
    upper = re.sub(r"\bDAYS?\b", " ", upper)
    upper = re.sub(r"\bN(?:ET)?\s*/?\s*(\d+)", r"NET\1", upper)
    parts = upper.split()
    discounts: list[Discount] = []
    net: int | None = None
    for part in parts:
        if found := _DISCOUNT.match(part):
            discounts.append(Discount(percent=Decimal(found[1]), days=int(found[2])))
        elif found := _NET.match(part):
            net = int(found[1])
        else:
            raise ValueError(
                f"payment terms '{text}': '{part}' is neither a discount like 2/10 nor NET 30"
            )
    if net is None:
        raise ValueError(f"payment terms '{text}' have no NET days (write e.g. '2/10 NET 30')")
    if any(d.days > net for d in discounts):
        raise ValueError(f"payment terms '{text}': a discount period outlasts the net period")
    return Terms(discounts=sorted(discounts, key=lambda d: -d.percent), net_days=net)


class PaymentRequest(BaseModel):
    invoice_date: date
    approved_on: date
    gross_amount: Amount
    currency: str = "EUR"  # the invoice's: the discount rounds to its minor unit
    payment_terms: str = "NET 30"
    # Days the payment run needs before a discount day: with 2, a 2/10 discount needs the
    # approval by day 8 (the definition says how many; the payment run's own lead time).
    lead_days: int = Field(default=0, ge=0, le=30)


class PaymentPlan(BaseModel):
    payment_date: date
    due_date: date
    discount_percent: Amount
    discount_amount: Amount
    payment_amount: Amount
    discount_missed: bool  # a discount the terms offered was lost to a late approval


def plan_payment(request: PaymentRequest) -> PaymentPlan:
    terms = parse_terms(request.payment_terms)
    due = request.invoice_date + timedelta(days=terms.net_days)
    gross = request.gross_amount
    for discount in terms.discounts:
        last_day = request.invoice_date + timedelta(days=discount.days)
        if request.approved_on <= last_day - timedelta(days=request.lead_days):
            amount = round_money(gross * discount.percent / 100, request.currency)
            return PaymentPlan(
                payment_date=max(last_day, request.approved_on),
                due_date=due,
                discount_percent=discount.percent,
                discount_amount=amount,
                payment_amount=gross - amount,
                discount_missed=False,
            )
    return PaymentPlan(
        payment_date=max(due, request.approved_on),
        due_date=due,
        discount_percent=Decimal(0),
        discount_amount=Decimal(0),
        payment_amount=gross,
        discount_missed=bool(terms.discounts),
    )


@packs.activity(errors=["BadPaymentTerms"])
@activity.defn(name="invoice.plan_payment")
async def plan_invoice_payment(request: PaymentRequest) -> PaymentPlan:
    """The payment date and amount of an approved invoice under its payment terms."""
    try:
        return plan_payment(request)
    except ValueError as error:
        raise ApplicationError(str(error), type="BadPaymentTerms", non_retryable=True) from None
