"""Line items on the ERP's screens: enough rows on the entry screen, every line entered,
every line read back from the document display, page by page.

The entry screen opens with 5 rows and adds more with **Lines to add** and **Add lines**
(a round trip that posts nothing); the rows are made before anything is typed, so no
round trip can lose what was. The lines are then entered by their labels in one round trip
to the browser, and the document display shows its lines a page at a time. Amounts are
compared as ``Decimal``: a float sum of two hundred lines is not a cent-exact answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from playwright.async_api import Page
from pydantic import BaseModel

from backoffice.money import CENT, Amount, MoneyError
from bots.kit.errors import BusinessRuleViolation, SelectorDrift, SessionExpired
from bots.kit.sandbox_screens import SandboxScreens, amount

ERP_MAX_LINES = 999  # the most line items an ERP document holds
ADD_AT_MOST = 50  # the most rows one press of Add lines adds
LINE_COLUMNS = ("Line", "PO line", "Item", "Quantity", "Unit", "Unit price", "Amount", "Tax code")


class InvoiceLine(BaseModel):
    line: int
    po_line: int | None = None
    item: str
    qty: Amount
    uom: str = "EA"
    unit_price: Amount
    amount: Amount
    tax_code: str = "DE19"


@dataclass(frozen=True)
class ShownLine:
    """A line item as the document display shows it."""

    line_no: int
    po_line: int | None
    item: str
    qty: Decimal
    uom: str
    unit_price: Decimal
    amount: Decimal
    tax_code: str


def decimal(text: str) -> Decimal:
    """A number as the ERP shows it (``12,450.00``), exactly; SelectorDrift if it is none
    (a cell that holds something else is a screen that changed)."""
    try:
        return amount(text)
    except MoneyError as error:
        raise SelectorDrift(f"the ERP shows {error}") from None


def on_screen(value: Decimal) -> Decimal:
    """An amount as the ERP keeps it: two decimals whatever the currency, halves up."""
    return value.quantize(CENT, ROUND_HALF_UP)


def money_text(value: Decimal) -> str:
    """An amount as the screen takes it (see on_screen)."""
    return f"{on_screen(value):f}"


def exact_text(value: Decimal) -> str:
    """A quantity or price as typed: ``10``, ``2.5`` (never the exponent of ``%g``)."""
    return f"{value.normalize():f}"


async def _row_count(page: Page) -> int:
    return await page.locator("#line-items tr").count() - 1  # less the header


async def make_rows(bot: SandboxScreens, page: Page, needed: int) -> None:
    """Press Add lines until the entry screen has ``needed`` rows (before anything is typed,
    so that no round trip can lose what was typed)."""
    rows = await _row_count(page)
    for _ in range(math.ceil(needed / ADD_AT_MOST) + 1):  # bounded: each press adds rows
        if rows >= needed:
            return
        await page.get_by_label("Lines to add").fill(str(min(ADD_AT_MOST, needed - rows)))
        async with page.expect_navigation(wait_until="domcontentloaded"):
            await page.get_by_role("button", name="Add lines").click()
        await bot.check(page)
        if await bot.is_login_page(page):
            raise SessionExpired("the ERP ended the session while adding line rows")
        await bot.refused(page, "line rows")
        grown = await _row_count(page)
        if grown <= rows:
            raise SelectorDrift(f"Add lines left the entry screen at {grown} rows")
        rows = grown
    raise SelectorDrift(f"the entry screen has {rows} rows, not the {needed} needed")


# Fills fields found by their exact label (aria-label, or a <label for>), as typing would:
# input and change events fire, a maxlength cuts. Answers what it could not do.
_FILL_BY_LABEL = """
entries => {
  const byLabel = new Map();
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const label = el.getAttribute("aria-label")
      || (el.id && document.querySelector(`label[for="${el.id}"]`)?.textContent.trim());
    if (label && !byLabel.has(label)) byLabel.set(label, el);
  }
  const problems = [];
  for (const [label, value] of entries) {
    const el = byLabel.get(label);
    if (!el) { problems.push({label, problem: "missing"}); continue; }
    if (el.tagName === "SELECT" && ![...el.options].some(o => o.value === value)) {
      problems.push({label, problem: "no option", value}); continue;
    }
    el.value = el.maxLength > 0 ? value.slice(0, el.maxLength) : value;
    el.dispatchEvent(new Event("input", {bubbles: true}));
    el.dispatchEvent(new Event("change", {bubbles: true}));
    if (el.value !== value) problems.push({label, problem: "kept", value, kept: el.value});
  }
  return problems;
}
"""


def line_fields(lines: list[InvoiceLine]) -> list[tuple[str, str]]:
    """(label, value) of every field of every line: row n is the ERP's line item n."""
    entries = []
    for n, line in enumerate(lines, start=1):
        entries += [
            (f"PO line, line {n}", str(line.po_line or "")),
            (f"Item, line {n}", line.item),
            (f"Quantity, line {n}", exact_text(line.qty)),
            (f"Unit, line {n}", line.uom),
            # A price keeps every decimal (0.0125 a screw): the screen checks qty x price.
            (f"Unit price, line {n}", exact_text(line.unit_price)),
            (f"Amount, line {n}", money_text(line.amount)),
            (f"Tax code, line {n}", line.tax_code),
        ]
    return entries


async def enter_lines(page: Page, lines: list[InvoiceLine]) -> None:
    """Type every line into its row, in one round trip to the browser: a fill per field
    costs one each, and two hundred lines have 1,400 fields."""
    problems: list[dict[str, str]] = await page.evaluate(_FILL_BY_LABEL, line_fields(lines))
    for problem in problems:
        label = problem["label"]
        if problem["problem"] == "missing":
            raise SelectorDrift(f"the entry screen has no field '{label}'")
        if problem["problem"] == "no option":
            raise BusinessRuleViolation(f"the ERP offers no '{problem['value']}' for '{label}'")
        raise BusinessRuleViolation(
            f"the ERP's field '{label}' keeps {len(problem['kept'])} characters: "
            f"'{problem['value']}' would be posted as '{problem['kept']}'",
            reason_code="FIELD_TOO_LONG",
        )


async def shown_lines(page: Page) -> list[ShownLine]:
    """The line items on the document page in front of the bot."""
    table = page.locator("#document-lines")
    headers = [text.strip() for text in await table.locator("tr th").all_text_contents()]
    if tuple(headers) != LINE_COLUMNS:
        raise SelectorDrift(f"the document's line table has columns {headers}")
    cells: list[list[str]] = await table.locator("tr").evaluate_all(
        "rows => rows.map(row => Array.from(row.cells, cell => cell.textContent.trim()))"
    )
    found = []
    for row in cells:
        if not row or row == headers:
            continue  # the header row
        number, po_line, item, qty, uom, price, amount, tax = row
        found.append(
            ShownLine(
                line_no=int(number),
                po_line=int(po_line) if po_line else None,
                item=item,
                qty=decimal(qty),
                uom=uom,
                unit_price=decimal(price),
                amount=decimal(amount),
                tax_code=tax,
            )
        )
    return found


def line_differences(entered: list[InvoiceLine], shown: list[ShownLine]) -> list[str]:
    """What the document's lines say otherwise than the invoice's, in words."""
    if len(shown) != len(entered):
        return [f"{len(shown)} line items instead of {len(entered)}"]
    differences = []
    for line, posted in zip(entered, shown, strict=True):
        wrong = [
            name
            for name, same in (
                ("PO line", posted.po_line == line.po_line),
                ("item", posted.item == line.item.strip()),
                ("quantity", posted.qty == line.qty),
                ("unit", posted.uom == (line.uom.strip() or "EA")),
                # The display shows prices to the cent.
                ("unit price", posted.unit_price == on_screen(line.unit_price)),
                ("amount", posted.amount == on_screen(line.amount)),
                ("tax code", posted.tax_code == line.tax_code),
            )
            if not same
        ]
        if wrong:
            differences.append(f"line {line.line} {', '.join(wrong)}")
    return differences
