"""A supplier invoice drawn as a one-page PDF, as a scan of it would read.

Drawn with pydyf (a small, dependency-free PDF writer): the PDF's own fonts Helvetica for
text and Courier for amounts. Courier's letters are all 0.6 em wide, so amounts can be
right-aligned without font metrics. The standard fonts read single-byte text only: what
is not ASCII is written without its accents (a sandbox's documents need no more).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pydyf

WIDTH, HEIGHT = 595, 842  # A4 in points
LEFT, RIGHT = 56, 539
COURIER_EM = 0.6  # the width of every Courier glyph, in em


@dataclass(frozen=True)
class Party:
    name: str
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class Line:
    item: str
    qty: Decimal
    uom: str
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True)
class PrintedInvoice:
    """What the paper says: the supplier's letterhead, the numbers, the lines, the totals."""

    supplier: Party
    customer: Party
    reference: str
    invoice_date: date
    currency: str
    net_amount: Decimal
    tax_amount: Decimal
    gross_amount: Decimal
    lines: tuple[Line, ...]
    po_number: str | None = None
    payment_terms: str | None = None
    iban: str | None = None
    footer: str = ""


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("€", "EUR"))
    return folded.encode("ascii", "ignore").decode("ascii")


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


class _Page:
    """A content stream with the two fonts, written top-down in points from the top."""

    def __init__(self) -> None:
        self.stream = pydyf.Stream()

    def text(self, x: float, top: float, text: str, size: float = 10, bold: bool = False) -> None:
        self.stream.begin_text()
        self.stream.set_font_size("HB" if bold else "H", size)
        self.stream.set_text_matrix(1, 0, 0, 1, x, HEIGHT - top)
        self.stream.show_text_string(_ascii(text))
        self.stream.end_text()

    def amount(self, right: float, top: float, text: str, size: float = 10) -> None:
        """Courier text ending at ``right``: a right-aligned column of figures."""
        shown = _ascii(text)
        left = right - len(shown) * COURIER_EM * size
        self.stream.begin_text()
        self.stream.set_font_size("C", size)
        self.stream.set_text_matrix(1, 0, 0, 1, left, HEIGHT - top)
        self.stream.show_text_string(shown)
        self.stream.end_text()

    def rule(self, top: float, left: float = LEFT, right: float = RIGHT) -> None:
        self.stream.set_line_width(0.6)
        self.stream.move_to(left, HEIGHT - top)
        self.stream.line_to(right, HEIGHT - top)
        self.stream.stroke()


def _draw(page: _Page, invoice: PrintedInvoice) -> None:
    page.text(LEFT, 70, invoice.supplier.name, size=16, bold=True)
    for number, text in enumerate(invoice.supplier.address):
        page.text(LEFT, 88 + 13 * number, text, size=9)
    page.text(400, 70, "INVOICE", size=20, bold=True)
    page.text(LEFT, 160, "Bill to", size=8)
    page.text(LEFT, 174, invoice.customer.name, bold=True)
    for number, text in enumerate(invoice.customer.address):
        page.text(LEFT, 188 + 13 * number, text, size=9)
    facts = [
        ("Invoice number", invoice.reference),
        ("Invoice date", invoice.invoice_date.strftime("%d.%m.%Y")),
        ("Your order", invoice.po_number or "-"),
        ("Payment terms", invoice.payment_terms or "-"),
    ]
    for number, (label, fact) in enumerate(facts):
        page.text(340, 160 + 15 * number, label, size=9)
        page.text(430, 160 + 15 * number, fact, size=10, bold=True)

    top = 270
    columns = [("Pos", LEFT), ("Item", LEFT + 30), ("Qty", 312), ("Unit", 340)]
    for label, x in columns:
        page.text(x, top, label, size=9, bold=True)
    page.text(416, top, "Unit price", size=9, bold=True)
    page.text(RIGHT - 40, top, "Amount", size=9, bold=True)
    page.rule(top + 5)
    for number, line in enumerate(invoice.lines, start=1):
        row = top + 5 + 16 * number
        page.text(LEFT, row, str(number))
        page.text(LEFT + 30, row, line.item)
        page.amount(330, row, f"{line.qty.normalize():f}")
        page.text(340, row, line.uom)
        page.amount(460, row, _money(line.unit_price))
        page.amount(RIGHT, row, _money(line.amount))
    top = top + 5 + 16 * len(invoice.lines) + 12
    page.rule(top, left=340)
    totals = [
        ("Net", invoice.net_amount),
        ("VAT", invoice.tax_amount),
        (f"Total {invoice.currency}", invoice.gross_amount),
    ]
    for number, (label, value) in enumerate(totals, start=1):
        row = top + 16 * number
        page.text(340, row, label, bold=label.startswith("Total"))
        page.amount(RIGHT, row, _money(value))
    if invoice.iban:
        page.text(LEFT, top + 100, f"Please pay to IBAN {invoice.iban}", size=9)
    page.rule(790)
    page.text(LEFT, 805, invoice.footer, size=7)


def invoice_pdf(invoice: PrintedInvoice) -> bytes:
    """The invoice as the bytes of a one-page PDF."""
    pdf = pydyf.PDF()
    fonts = {}
    for name, base in (("H", "Helvetica"), ("HB", "Helvetica-Bold"), ("C", "Courier")):
        font = pydyf.Dictionary(
            {"Type": "/Font", "Subtype": "/Type1", "BaseFont": f"/{base}",
             "Encoding": "/WinAnsiEncoding"}
        )  # fmt: skip
        pdf.add_object(font)
        fonts[name] = font.reference
    page = _Page()
    _draw(page, invoice)
    pdf.add_object(page.stream)
    pdf.add_page(
        pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": pdf.pages.reference,
                "MediaBox": pydyf.Array([0, 0, WIDTH, HEIGHT]),
                "Contents": page.stream.reference,
                "Resources": pydyf.Dictionary({"Font": pydyf.Dictionary(fonts)}),
            }
        )
    )
    pdf.info["Title"] = pydyf.String(_ascii(f"Invoice {invoice.reference}"))
    pdf.info["Producer"] = pydyf.String("ACME ERP 4.6C sandbox")
    output = io.BytesIO()
    pdf.write(output)
    return output.getvalue()
