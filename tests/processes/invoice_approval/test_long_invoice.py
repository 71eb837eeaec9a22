"""An invoice of 60 lines: matched line by line, touchless, posted whole by the bot."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session, select

from activities.payables.tables import ArchiveRow, match_lines
from backoffice.engine.runs import RunError
from tests.processes.invoice_approval.conftest import Stack
from tests.support.erp_records import held_invoices
from tests.support.long_invoices import add_order, long_invoice, order_for


async def test_a_sixty_line_invoice_goes_touchless_and_the_erp_holds_every_line(
    stack: Stack, tmp_path: Path
) -> None:
    await add_order(stack.erp.url, order_for("PO-2025-LONG60", "SUP-00087", 60))
    invoice = long_invoice(60)
    data = stack.invoice(
        "LONG60", po_number="PO-2025-LONG60", lines=invoice.lines, **invoice.amounts()
    )
    result = await (await stack.start(data)).result()
    output = result["output"]
    assert (output["outcome"], output["touchless"], output["reason_codes"]) == (
        "POSTED",
        True,
        [],
    )
    assert Decimal(str(output["posted_gross"])) == invoice.gross
    # What the ERP holds, read from its own records: one document, every line, the totals.
    [held] = held_invoices(tmp_path / "legacy", "AOS-LONG60")
    assert held.doc_number == output["document_number"]
    assert [line.po_line for line in held.lines] == list(range(1, 61))
    assert held.lines_total == held.net_amount == invoice.net
    assert (held.tax_amount, held.gross_amount) == (invoice.tax, invoice.gross)
    # Matched per line, and archived whole.
    matched = match_lines(stack.engine, "INV-IN-LONG60")
    assert [(m.line, m.po_line, m.status, m.reason_codes) for m in matched] == [
        (n, n, "matched", "") for n in range(1, 61)
    ]
    with Session(stack.engine) as session:
        archive = session.exec(
            select(ArchiveRow).where(ArchiveRow.invoice_id == "INV-IN-LONG60")
        ).one()
    content = json.loads(archive.content_json)
    assert (len(content["invoice"]["lines"]), len(content["match"])) == (60, 60)


async def test_more_lines_than_the_definition_takes_are_refused_at_the_start(
    stack: Stack,
) -> None:
    invoice = long_invoice(201)
    data = stack.invoice("LONG201", lines=invoice.lines, **invoice.amounts())
    with pytest.raises(RunError, match="lines") as refused:
        await stack.start(data)
    assert "200" in str(refused.value)
    assert await stack.erp.count("invoice", "AOS-LONG201") == 0
