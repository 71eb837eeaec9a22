"""Bots that read the ERP's master and purchasing data: a vendor, a purchase order.

The ERP has no API, so the invoice process reads what it checks and matches against from
the display screens, as a clerk would. These bots change nothing: ``find`` always answers
(with ``found: false`` for a number the ERP does not know), so the runner never submits.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from playwright.async_api import Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.money import Amount
from bots.erp.postings import SYSTEM, ErpScreens
from bots.kit.errors import SelectorDrift
from bots.kit.page_object import BotDefinitionError, BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import amount

# How the ERP's order statuses read for matching: only a released order may be invoiced.
PO_STATUSES: dict[str, Literal["open", "closed", "cancelled"]] = {
    "Released": "open",
    "Partially invoiced": "open",
    "Closed": "closed",
    "Completed": "closed",
    "Cancelled": "cancelled",
}


class SupplierRequest(BotInput):
    supplier_id: str


class SupplierRecord(BaseModel):
    supplier_id: str
    found: bool
    name: str = ""
    status: Literal["active", "blocked", "unknown"] = "unknown"
    payment_block: bool = False
    iban: str | None = None
    bic: str | None = None
    currency: str | None = None
    payment_terms: str | None = None


class OrderRequest(BotInput):
    po_number: str


class OrderLineRecord(BaseModel):
    po_line: int
    item: str
    qty: Amount
    uom: str
    unit_price: Amount
    received_qty: Amount
    invoiced_qty: Amount


class OrderRecord(BaseModel):
    po_number: str
    found: bool
    supplier_id: str = ""
    company: str = ""
    currency: str = ""
    buyer: str = ""
    erp_status: str = ""
    status: Literal["open", "closed", "cancelled"] = "cancelled"
    received: bool = Field(default=False, description="Some goods were received.")
    lines: list[OrderLineRecord] = Field(default_factory=list)


class ErpReader(ErpScreens):
    """A bot that only reads: its answer always comes from ``find``."""

    async def submit(self, page: Page, data: BotInput) -> BaseModel:
        raise BotDefinitionError(f"{type(self).__name__} only reads; it has nothing to submit")

    async def not_found(self, page: Page) -> bool:
        # The display screens answer an unknown number with the search screen and an alert.
        return "does not exist" in (await self.alert_text(page) or "")


class ReadSupplier(ErpReader):
    def business_key(self, data: SupplierRequest) -> str:
        return data.supplier_id

    async def find(self, page: Page, data: SupplierRequest) -> SupplierRecord:
        await page.goto(self.url(f"/suppliers/{data.supplier_id}"))
        await self.check(page)
        if await self.not_found(page):
            return SupplierRecord(supplier_id=data.supplier_id, found=False)
        status = await self.value(page, "Status")
        return SupplierRecord(
            supplier_id=await self.value(page, "Supplier"),
            found=True,
            name=await self.value(page, "Name"),
            status="active" if status == "ACTIVE" else "blocked",
            payment_block=await self.value(page, "Payment block") != "Free for payment",
            iban=await self.value(page, "IBAN"),
            bic=await self.value(page, "BIC"),
            currency=await self.value(page, "Currency"),
            payment_terms=await self.value(page, "Payment terms"),
        )


class ReadOrder(ErpReader):
    columns: ClassVar[tuple[str, ...]] = (
        "Line",
        "Item",
        "Description",
        "Quantity",
        "Unit",
        "Unit price",
        "Net value",
        "Received",
        "Invoiced",
    )

    def business_key(self, data: OrderRequest) -> str:
        return data.po_number

    async def find(self, page: Page, data: OrderRequest) -> OrderRecord:
        await page.goto(self.url(f"/purchase-orders/{data.po_number}"))
        await self.check(page)
        if await self.not_found(page):
            return OrderRecord(po_number=data.po_number, found=False)
        table = page.locator("#po-lines")
        headers = [
            (text or "").strip() for text in await table.locator("tr th").all_text_contents()
        ]
        if tuple(headers) != self.columns:
            raise SelectorDrift(f"the order's line table has columns {headers}")
        lines = []
        for row in await table.locator("tr").all():
            cells = [(text or "").strip() for text in await row.locator("td").all_text_contents()]
            if not cells:
                continue  # the header row
            lines.append(
                OrderLineRecord(
                    po_line=int(cells[0]),
                    item=cells[1],
                    qty=amount(cells[3]),
                    uom=cells[4],
                    unit_price=amount(cells[5]),
                    received_qty=amount(cells[7]),
                    invoiced_qty=amount(cells[8]),
                )
            )
        erp_status = await self.value(page, "Status")
        return OrderRecord(
            po_number=await self.value(page, "PO number"),
            found=True,
            supplier_id=await self.value(page, "Supplier"),
            company=await self.value(page, "Company code"),
            currency=await self.value(page, "Currency"),
            buyer=await self.value(page, "Buyer"),
            erp_status=erp_status,
            status=PO_STATUSES.get(erp_status, "closed"),
            received=any(line.received_qty > 0 for line in lines),
            lines=lines,
        )


@registry.bot(SYSTEM)
@activity.defn(name="erp.read_supplier")
async def read_supplier(data: SupplierRequest) -> SupplierRecord:
    """Read a vendor from the ERP's vendor master: status, payment block, bank, terms."""
    result: SupplierRecord = await run_bot(ReadSupplier, data)
    return result


@registry.bot(SYSTEM)
@activity.defn(name="erp.read_purchase_order")
async def read_purchase_order(data: OrderRequest) -> OrderRecord:
    """Read a purchase order from the ERP: its lines with received and invoiced quantities."""
    result: OrderRecord = await run_bot(ReadOrder, data)
    return result


__all__ = ["read_purchase_order", "read_supplier"]
