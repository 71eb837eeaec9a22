"""Converting an amount into another currency at a given rate, to that currency's cent.

A definition's expressions compute with doubles; a conversion that decides who approves
an invoice is done here, in Decimal, and rounded half up to the minor unit of the
currency converted to (no decimals for JPY, three for KWD). The rate comes with the
request (from the invoice, or the ERP's rate on its date), never from a rate service.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from temporalio import activity
from temporalio.exceptions import ApplicationError

from backoffice import registry
from backoffice.money import Amount, round_money


class Conversion(BaseModel):
    amount: Amount
    rate: Amount = Field(gt=0, description="Units of `currency` per unit of the amount's.")
    currency: str = Field(description="The currency converted to; the result rounds to it.")


class Converted(BaseModel):
    amount: Amount
    currency: str


def convert(request: Conversion) -> Converted:
    currency = request.currency.strip().upper()
    return Converted(amount=round_money(request.amount * request.rate, currency), currency=currency)


@registry.activity(errors=["UnknownCurrency"])
@activity.defn(name="currency.convert")
async def convert_amount(request: Conversion) -> Converted:
    """An amount in another currency at a rate, rounded half up to that currency's cent."""
    try:
        return convert(request)
    except ValueError as error:  # an unknown currency code: retrying would not help
        raise ApplicationError(str(error), type="UnknownCurrency", non_retryable=True) from None
