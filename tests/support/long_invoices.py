"""Invoices of many lines, and the purchase orders they bill, computed in Decimal.

The amounts go to a process as JSON numbers (JSON has no decimal type); the totals a test
compares stay Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from backoffice.money import round_money

TAX_RATE = Decimal("0.19")


@dataclass(frozen=True)
class LongInvoice:
    lines: list[dict[str, Any]]  # as the process takes them
    net: Decimal
    tax: Decimal
    gross: Decimal

    def amounts(self) -> dict[str, str]:
        """The header's amounts as decimal text, as JSON carries them exactly."""
        return {
            "net_amount": str(self.net),
            "tax_amount": str(self.tax),
            "gross_amount": str(self.gross),
        }


def unit_price(n: int) -> Decimal:
    return Decimal("3.15") + Decimal(n) * Decimal("1.05")


def quantity(n: int) -> int:
    return n % 7 + 1


def long_invoice(count: int) -> LongInvoice:
    """``count`` lines, line n billing PO line n (item ``PART-00n``)."""
    lines = []
    net = Decimal(0)
    for n in range(1, count + 1):
        amount = round_money(unit_price(n) * quantity(n), "EUR")
        net += amount
        lines.append(
            {
                "line": n,
                "po_line": n,
                "item": f"PART-{n:03d}",
                "qty": quantity(n),
                "uom": "EA",
                "unit_price": str(unit_price(n)),
                "amount": str(amount),
                "tax_code": "DE19",
            }
        )
    tax = round_money(net * TAX_RATE, "EUR")
    return LongInvoice(lines=lines, net=net, tax=tax, gross=net + tax)


def order_for(po_number: str, supplier_id: str, count: int) -> dict[str, Any]:
    """The released order the invoice bills, every line received in full (admin endpoint)."""
    return {
        "po_number": po_number,
        "supplier_id": supplier_id,
        "lines": [
            {
                "line_no": n,
                "item": f"PART-{n:03d}",
                "qty": quantity(n),
                "unit_price": str(unit_price(n)),
                "received_qty": quantity(n),
            }
            for n in range(1, count + 1)
        ],
    }


async def add_order(erp_url: str, order: dict[str, Any]) -> None:
    """Release the order in the sandbox ERP (its admin endpoint), as purchasing would."""
    async with httpx.AsyncClient(base_url=erp_url, timeout=30) as client:
        response = await client.post("/__admin/purchase-orders", json=order)
        response.raise_for_status()
