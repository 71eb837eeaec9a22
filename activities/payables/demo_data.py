"""The shape of the demo batch's data file, ``demo/invoices.yaml``, checked when it is read.

Amounts, prices and quantities must be written as strings ("1245.00"): YAML reads a bare
1245.10 as a binary float, which is not the number on the document. A file that breaks a
rule fails with the field's place in the file and what to write instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from backoffice.packs import DemoError

DATA_FILE = "demo/invoices.yaml"  # beside this module, shipped as package data


def _written_as_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError(
            f'write {value!r} in quotes ("{value}"), so it is read as an exact decimal'
        )
    return value


Exact = Annotated[Decimal, BeforeValidator(_written_as_text)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Capture(_Strict):
    """What every invoice of the batch shares, as the company's capture fills it in."""

    company: str
    currency: str
    tax_code: str
    tax_rate: Exact
    cost_center: str
    entered_by: str
    invoice_date_days_ago: int
    received_days_ago: int
    received_at_time: str


class OrderLine(_Strict):
    item: str
    qty: Exact
    uom: str
    unit_price: Exact
    received_qty: Exact


class OrderSpec(_Strict):
    supplier_id: str
    lines: list[OrderLine] = Field(min_length=1)


class Orders(_Strict):
    order_date_days_ago: int
    by_number: dict[int, OrderSpec]


class InvoiceLine(_Strict):
    po_line: int | None = None
    item: str
    qty: Exact
    uom: str
    unit_price: Exact


class InvoiceSpec(_Strict):
    """One invoice of the batch, or (with ``repeats``) an earlier one sent again."""

    number: int
    path: str
    expect: str
    supplier_id: str | None = None
    order: int | None = None
    category: str | None = None
    iban: str | None = None
    payment_terms: str | None = None
    requester: str | None = None
    lines: list[InvoiceLine] = []
    repeats: int | None = None
    rekeyed: bool = False

    @model_validator(mode="after")
    def _an_invoice_or_a_repeat(self) -> InvoiceSpec:
        own = (self.supplier_id, self.category, self.iban, self.payment_terms)
        if self.repeats is None and (None in own or not self.lines):
            raise ValueError(
                "give supplier_id, category, iban, payment_terms and lines, "
                "or repeats: <the number of the invoice it repeats>"
            )
        if self.repeats is not None and (any(v is not None for v in own) or self.lines):
            raise ValueError(
                "a repeat takes everything from the invoice it repeats: give only "
                "number, path, expect, repeats and rekeyed"
            )
        return self


class BatchFile(_Strict):
    capture: Capture
    orders: Orders
    invoices: list[InvoiceSpec]

    @model_validator(mode="after")
    def _references_exist(self) -> BatchFile:
        seen: set[int] = set()
        for invoice in self.invoices:
            if invoice.order is not None and invoice.order not in self.orders.by_number:
                raise ValueError(f"invoice {invoice.number}: there is no order {invoice.order}")
            if invoice.repeats is not None and invoice.repeats not in seen:
                raise ValueError(
                    f"invoice {invoice.number} repeats {invoice.repeats}, "
                    "which must come earlier in the file"
                )
            if invoice.number in seen:
                raise ValueError(f"two invoices are number {invoice.number}")
            seen.add(invoice.number)
        return self


def read_batch_file(data: Any) -> BatchFile:
    """The batch file's content, checked; DemoError says where it breaks a rule."""
    try:
        return BatchFile.model_validate(data)
    except ValidationError as error:
        problems = "\n  ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'the file'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise DemoError(f"activities/payables/{DATA_FILE} is not valid:\n  {problems}") from None
