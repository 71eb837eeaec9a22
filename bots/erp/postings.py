"""Bots for the ERP: post a supplier invoice, reverse a posting, propose and cancel payments.

Each reads before it writes: the invoice is looked up by supplier and reference, a
reversal by the document's status, a payment proposal by its document. Every posting is
read back whole from the document display (header amounts, and every line item, page by
page), and a difference stops the bot with ``POSTING_MISMATCH`` rather than letting a wrong
posting through; so does a document found for the invoice that is not the invoice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from playwright.async_api import Page
from pydantic import BaseModel, Field
from temporalio import activity

from backoffice import registry
from backoffice.money import CENT, Amount
from bots.erp.lines import (
    ERP_MAX_LINES,
    InvoiceLine,
    ShownLine,
    enter_lines,
    line_differences,
    make_rows,
    money_text,
    on_screen,
    shown_lines,
)
from bots.kit.errors import BusinessRuleViolation, SelectorDrift
from bots.kit.page_object import BotInput
from bots.kit.runner import run_bot
from bots.kit.sandbox_screens import SandboxScreens, amount

SYSTEM = "erp"
MAX_LINES = ERP_MAX_LINES  # what the ERP's documents hold; a process may allow fewer


class InvoicePosting(BotInput):
    supplier_id: str
    supplier_invoice_no: str
    invoice_date: str
    posting_date: str | None = None  # default: the ERP's today
    currency: str = "EUR"
    net_amount: Amount
    tax_amount: Amount
    gross_amount: Amount
    po_number: str | None = None
    document_url: str | None = None
    text: str | None = None
    lines: list[InvoiceLine] = Field(min_length=1, max_length=MAX_LINES)


class PostedInvoice(BaseModel):
    document_number: str
    supplier_id: str
    supplier_invoice_no: str
    net_amount: Amount
    tax_amount: Amount
    gross_amount: Amount
    currency: str
    status: str
    line_count: int = Field(default=0, description="Line items of the document, all read.")


@dataclass(frozen=True)
class PostedDocument:
    """A document read back whole: its header and every one of its line items."""

    invoice: PostedInvoice
    lines: list[ShownLine]


class ErpScreens(SandboxScreens):
    system: ClassVar[str] = SYSTEM
    label: ClassVar[str] = "ERP"

    async def document(self, page: Page, number: str) -> PostedDocument:
        """Read a posted document back from its display screen, every page of its lines."""
        await page.goto(self.url(f"/documents/{number}"))
        await self.check(page)
        count = int(await self.value(page, "Line items"))
        invoice = PostedInvoice(
            document_number=await self.value(page, "Document number"),
            supplier_id=await self.value(page, "Supplier"),
            supplier_invoice_no=await self.value(page, "Supplier invoice number"),
            net_amount=amount(await self.value(page, "Net amount")),
            tax_amount=amount(await self.value(page, "Tax amount")),
            gross_amount=amount(await self.value(page, "Gross amount")),
            currency=await self.value(page, "Currency"),
            status=await self.value(page, "Status"),
            line_count=count,
        )
        lines = await shown_lines(page)
        for next_page in range(2, count + 1):  # bounded: a page shows at least one line
            if len(lines) >= count:
                break
            await page.goto(self.url(f"/documents/{number}?page={next_page}"))
            await self.check(page)
            more = await shown_lines(page)
            if not more or more[0].line_no <= lines[-1].line_no:
                raise SelectorDrift(f"page {next_page} of document {number} shows no new lines")
            lines += more
        if [line.line_no for line in lines] != list(range(1, count + 1)):
            raise SelectorDrift(f"document {number} does not show lines 1 to {count} in order")
        return PostedDocument(invoice, lines)


def posting_differences(document: PostedDocument, data: InvoicePosting) -> list[str]:
    """Where a document read back differs from the invoice it should be, in words."""
    posted = document.invoice
    differences = [
        name
        for name in ("net_amount", "tax_amount", "gross_amount")
        if getattr(posted, name) != on_screen(getattr(data, name))
    ]
    if posted.supplier_invoice_no != data.supplier_invoice_no:
        differences.append("supplier_invoice_no")
    if posted.currency != data.currency:
        differences.append("currency")
    differences += line_differences(data.lines, document.lines)
    lines_total = sum((line.amount for line in document.lines), start=Decimal(0))
    # One cent either way: the ERP, as accounts payable, allows for each line's rounding.
    if abs(lines_total - posted.net_amount) > CENT:
        differences.append(f"lines adding up to {lines_total:,.2f}")
    return differences


class PostInvoice(ErpScreens):
    confirms = ("Post this document?",)

    def business_key(self, data: InvoicePosting) -> str:
        return f"{data.supplier_id}/{data.supplier_invoice_no}"

    def checked(self, document: PostedDocument, data: InvoicePosting, how: str) -> PostedInvoice:
        """The document, if it is the invoice whole; else POSTING_MISMATCH (not posted again:
        a person must look at it)."""
        differences = posting_differences(document, data)
        if differences:
            number = document.invoice.document_number
            raise BusinessRuleViolation(
                f"document {number} ({how}) reads back different "
                f"{', '.join(differences)} than the invoice",
                reason_code="POSTING_MISMATCH",
                document_number=number,
            )
        return document.invoice

    async def find(self, page: Page, data: InvoicePosting) -> PostedInvoice | None:
        await page.goto(self.url("/invoices"))
        await self.check(page)
        await page.get_by_label("Supplier", exact=True).fill(data.supplier_id)
        await page.get_by_label("Supplier invoice number").fill(data.supplier_invoice_no)
        await page.get_by_role("button", name="Search").click()
        await self.check(page)
        results = page.get_by_test_id("invoice-results")
        if not await page.get_by_text("records found").count():
            await page.get_by_text("records found").first.wait_for()  # the page, or drift
        if not await results.count():
            return None
        rows = results.locator("tr").filter(has_text=data.supplier_invoice_no)
        for index in range(await rows.count()):
            cells = rows.nth(index).locator("td")
            if (await cells.nth(2).text_content() or "").strip() != data.supplier_invoice_no:
                continue  # a wildcard neighbour, not this invoice
            if (await cells.nth(6).text_content() or "").strip() != "POSTED":
                continue  # a reversed posting does not count: it may be posted again
            shown_date = (await cells.nth(3).text_content() or "").strip()  # dd.mm.yyyy
            if shown_date[-4:] != data.invoice_date[:4]:
                continue  # the same number in another fiscal year is another invoice
            number = (await cells.nth(0).text_content() or "").strip()
            return self.checked(await self.document(page, number), data, "posted before")
        return None

    async def submit(self, page: Page, data: InvoicePosting) -> PostedInvoice:
        await page.goto(self.url("/invoices/new"))
        await self.check(page)
        await make_rows(self, page, len(data.lines))
        fields = {
            "Supplier": data.supplier_id,
            "Supplier invoice number": data.supplier_invoice_no,
            "PO number": data.po_number or "",
            "Invoice date": data.invoice_date,
            "Net amount": money_text(data.net_amount),
            "Tax amount": money_text(data.tax_amount),
            "Gross amount": money_text(data.gross_amount),
            "Attachment": data.document_url or "",
            "Header text": (data.text or "")[:50],
        }
        if data.posting_date:
            fields["Posting date"] = data.posting_date
        for label, value in fields.items():
            field = page.get_by_label(label, exact=True)
            await field.fill(value)
            kept = await field.input_value()
            if kept != value:
                # The screen's field is shorter than the value (the reference takes 16
                # characters): a cut value would be posted as another invoice's.
                raise BusinessRuleViolation(
                    f"the ERP's field '{label}' keeps {len(kept)} characters: "
                    f"'{value}' would be posted as '{kept}'",
                    reason_code="FIELD_TOO_LONG",
                )
        await page.get_by_label("Currency").select_option(data.currency)
        await enter_lines(page, data.lines)
        await self.submitting()
        await page.get_by_role("button", name="Post").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        number_field = page.get_by_test_id("document-number")
        if not await number_field.count():
            await self.refused(page, "invoice")
            await number_field.wait_for()
        document = await self.document(page, await number_field.input_value())
        return self.checked(document, data, "just posted")


@registry.bot(SYSTEM)
@activity.defn(name="erp.post_invoice")
async def post_invoice(data: InvoicePosting) -> PostedInvoice:
    """Post a supplier invoice in the ERP; read back its document number and amounts."""
    result: PostedInvoice = await run_bot(PostInvoice, data)
    return result


class ReversalRequest(BotInput):
    document_number: str
    reason: str = Field(default="05", pattern=r"^(01|02|05)$")  # 05: duplicate posting


class Reversal(BaseModel):
    document_number: str
    reversal_document_number: str


class ReversePosting(ErpScreens):
    confirms = ("Reverse document",)

    def business_key(self, data: ReversalRequest) -> str:
        return data.document_number

    async def find(self, page: Page, data: ReversalRequest) -> Reversal | None:
        await page.goto(self.url(f"/documents/{data.document_number}"))
        await self.check(page)
        if await self.value(page, "Status") != "REVERSED":
            return None
        reversal = await self.value(page, "Reversal document")
        return Reversal(document_number=data.document_number, reversal_document_number=reversal)

    async def submit(self, page: Page, data: ReversalRequest) -> Reversal:
        await page.goto(self.url(f"/documents/{data.document_number}/reverse"))
        await self.check(page)
        await page.get_by_label("Reversal reason").select_option(data.reason)
        await self.submitting()
        await page.get_by_role("button", name="Reverse").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        number = page.get_by_test_id("reversal-document-number")
        if not await number.count():
            await self.refused(page, "reversal")
            await number.wait_for()
        return Reversal(
            document_number=data.document_number,
            reversal_document_number=await number.input_value(),
        )


@registry.bot(SYSTEM)
@activity.defn(name="erp.reverse_posting")
async def reverse_posting(data: ReversalRequest) -> Reversal:
    """Reverse a posted ERP document (a duplicate found after posting, a cancelled invoice)."""
    result: Reversal = await run_bot(ReversePosting, data)
    return result


class ProposalRequest(BotInput):
    document_number: str
    payment_date: str
    discount_percent: Amount = Decimal(0)


class Proposal(BaseModel):
    proposal_number: str
    document_number: str
    payment_date: str
    payment_amount: Amount
    discount_amount: Amount
    status: str


class ProposalScreens(ErpScreens):
    async def proposal(self, page: Page, number: str) -> Proposal:
        await page.goto(self.url(f"/payments/{number}"))
        await self.check(page)
        return Proposal(
            proposal_number=await self.value(page, "Proposal number"),
            document_number=await self.value(page, "Document number"),
            payment_date=await self.value(page, "Payment date"),
            payment_amount=amount(await self.value(page, "Payment amount")),
            discount_amount=amount(await self.value(page, "Discount amount")),
            status=await self.value(page, "Status"),
        )

    async def listed(self, page: Page, document: str, status: str) -> list[str]:
        """Proposal numbers of a document with a status, from the proposals list."""
        await page.goto(self.url(f"/payments?document={document}&status={status}"))
        await self.check(page)
        numbers: list[str] = []
        rows = page.locator("#results tr").filter(has_text=document)
        for index in range(await rows.count()):
            numbers.append((await rows.nth(index).locator("td").first.text_content() or "").strip())
        return numbers


class CreateProposal(ProposalScreens):
    confirms = ("Create a payment proposal",)

    def business_key(self, data: ProposalRequest) -> str:
        return data.document_number

    async def find(self, page: Page, data: ProposalRequest) -> Proposal | None:
        numbers = await self.listed(page, data.document_number, "PROPOSED")
        return await self.proposal(page, numbers[0]) if numbers else None

    async def submit(self, page: Page, data: ProposalRequest) -> Proposal:
        await page.goto(self.url("/payments/new"))
        await self.check(page)
        await page.get_by_label("Document number").fill(data.document_number)
        await page.get_by_label("Payment date").fill(data.payment_date)
        await page.get_by_label("Cash discount %").fill(f"{data.discount_percent.normalize():f}")
        await self.submitting()
        await page.get_by_role("button", name="Create proposal").click()
        await page.wait_for_load_state("domcontentloaded")
        await self.check(page)
        number = page.get_by_test_id("proposal-number")
        if not await number.count():
            await self.refused(page, "payment proposal")
            await number.wait_for()
        return await self.proposal(page, await number.input_value())


@registry.bot(SYSTEM)
@activity.defn(name="erp.create_payment_proposal")
async def create_payment_proposal(data: ProposalRequest) -> Proposal:
    """Propose the payment of a posted document on a date, with its cash discount."""
    result: Proposal = await run_bot(CreateProposal, data)
    return result


class CancelRequest(BotInput):
    document_number: str


class CancelProposals(ProposalScreens):
    confirms = ("Cancel payment proposal",)

    def business_key(self, data: CancelRequest) -> str:
        return data.document_number

    async def find(self, page: Page, data: CancelRequest) -> Proposal | None:
        # Done when the document has no proposal left to pay.
        if await self.listed(page, data.document_number, "PROPOSED"):
            return None
        cancelled = await self.listed(page, data.document_number, "CANCELLED")
        if not cancelled:
            raise BusinessRuleViolation(f"document {data.document_number} has no payment proposal")
        return await self.proposal(page, cancelled[0])

    async def submit(self, page: Page, data: CancelRequest) -> Proposal:
        last: Proposal | None = None
        for number in await self.listed(page, data.document_number, "PROPOSED"):
            await page.goto(self.url(f"/payments/{number}"))
            await self.check(page)
            await self.submitting()
            await page.get_by_role("button", name="Cancel proposal").click()
            await page.wait_for_load_state("domcontentloaded")
            await self.check(page)
            last = await self.proposal(page, number)
        if last is None:
            raise BusinessRuleViolation(f"document {data.document_number} has no open proposal")
        return last


@registry.bot(SYSTEM)
@activity.defn(name="erp.cancel_payment_proposals")
async def cancel_payment_proposals(data: CancelRequest) -> Proposal:
    """Cancel the open payment proposals of a document (compensation of a payment run)."""
    result: Proposal = await run_bot(CancelProposals, data)
    return result


__all__ = [
    "cancel_payment_proposals",
    "create_payment_proposal",
    "post_invoice",
    "reverse_posting",
]
