"""DOMAIN.md's scenarios T1 to T4 and the AP clerk's edge cases, end to end."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import Session, select

from backoffice.audit.steps import trail
from backoffice.payables.records import ArchiveRow, match_lines
from tests.invoice.conftest import Stack, invoice


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


async def test_t1_matched_goods_invoice_is_touchless_posted_and_paid_on_day_10(
    stack: Stack,
) -> None:
    data = invoice("T1")
    handle = await stack.start(data)
    result = await handle.result()
    output = result["output"]
    assert result["status"] == "completed"
    assert output["outcome"] == "POSTED"
    assert output["touchless"] is True
    assert output["reason_codes"] == []
    # Dated two days ago: paid on day 10 with 2% off 14,815.50.
    assert output["payment_date"] == day(8)
    assert (output["discount_amount"], output["payment_amount"]) == (296.31, 14519.19)
    assert output["posted_gross"] == 14815.50
    assert await stack.erp.count("invoice", "AOS-T1") == 1
    # The records: the match per line, the archive with its step audit, no human task.
    [line] = match_lines(stack.engine, "INV-IN-T1")
    assert (line.status, line.price_variance, line.reason_codes) == ("matched", 0.0, "")
    with Session(stack.engine) as session:
        archive = session.exec(select(ArchiveRow).where(ArchiveRow.invoice_id == "INV-IN-T1")).one()
    content = json.loads(archive.content_json)
    assert content["document_number"] == output["document_number"]
    assert content["decisions"] == []
    assert [s["action"] for s in content["steps"]][:3] == [
        "erp.read_supplier", "invoice.check", "erp.read_purchase_order",
    ]  # fmt: skip
    steps = trail(stack.engine, "invoice-approval/INV-IN-T1")
    post = [s for s in steps if s.action == "erp.post_invoice"]
    assert len(post) == 1
    assert post[0].actor == "bot:erp"
    assert post[0].outcome == "completed"
