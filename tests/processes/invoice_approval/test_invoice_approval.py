"""DOMAIN.md's scenarios T1 to T4 and the AP clerk's edge cases, end to end."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, select

from activities.payables.tables import ArchiveRow, match_lines
from backoffice.audit.steps import trail
from backoffice.engine.runs import progress
from tests.processes.invoice_approval.conftest import LAPTOPS, Stack


async def test_t1_matched_goods_invoice_is_touchless_posted_and_paid_on_day_10(
    stack: Stack,
) -> None:
    data = stack.invoice("T1")
    handle = await stack.start(data)
    result = await handle.result()
    output = result["output"]
    assert result["status"] == "completed"
    assert output["outcome"] == "POSTED"
    assert output["touchless"] is True
    assert output["reason_codes"] == []
    # Dated two days ago: paid on day 10 with 2% off 14,815.50.
    assert output["payment_date"] == stack.day(8)
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
    # The payment date came first: the watches for a later duplicate or cancellation end,
    # and ops no longer see them waiting.
    shown = await progress(stack.env.client, handle.id)
    watches = {s.step_id: s.status for s in shown.steps if s.step_id.endswith("_reported")}
    assert watches == {"duplicate_reported": "cancelled", "cancellation_reported": "cancelled"}
    steps = trail(stack.engine, "invoice-approval/INV-IN-T1")
    post = [s for s in steps if s.action == "erp.post_invoice"]
    assert len(post) == 1
    assert post[0].actor == "bot:erp"
    assert post[0].outcome == "completed"


async def test_t2_price_within_two_percent_is_accepted_and_the_variance_posted(
    stack: Stack,
) -> None:
    line = {**LAPTOPS, "unit_price": 1260.00, "amount": 12600.00}
    data = stack.invoice(
        "T2", net_amount=12600.00, tax_amount=2394.00, gross_amount=14994.00, lines=[line]
    )
    result = await (await stack.start(data)).result()
    output = result["output"]
    assert (output["outcome"], output["touchless"]) == ("POSTED", True)
    assert output["price_variance"] == 150.00  # +1.2% of 12,450: within max(2%, 5.00)
    [matched] = match_lines(stack.engine, "INV-IN-T2")
    assert (matched.price_variance, matched.reason_codes) == (150.00, "")
    assert await stack.erp.count("invoice", "AOS-T2") == 1


async def test_t3_price_above_tolerance_goes_to_the_buyer_then_owner_and_head(
    stack: Stack,
) -> None:
    line = {**LAPTOPS, "unit_price": 1282.35, "amount": 12823.50}
    data = stack.invoice(
        "T3",
        net_amount=12823.50,
        tax_amount=2436.47,
        gross_amount=15259.97,
        lines=[line],
        requester="erin",
    )
    handle = await stack.start(data)
    buyer = await stack.task(handle, "price_review")
    # The only buyer, erin, requested the goods: segregation of duties keeps her out, and
    # the task goes to those who may reassign it (the AP managers) rather than to nobody.
    assert "erin" in buyer.excluded
    assert buyer.deciders == {"dave": "reassigner: nobody else may decide"}
    await handle.terminate("entered again without the requester")
    data = {**data, "invoice_id": "INV-IN-T3B", "supplier_invoice_no": "AOS-T3B"}
    del data["requester"]
    handle = await stack.start(data)
    review = await stack.decide(handle, "price_review", "erin", "accept_price", "agreed price +3%")
    assert review.context["purchase order"] == "PO-2025-01234"
    owner = await stack.task(handle, "approve_owner")
    assert set(owner.deciders or {}) == {"alice"}
    assert "bob" in owner.excluded  # entered the invoice: never its approver
    await stack.decide(handle, "approve_owner", "alice", "approve")
    head = await stack.task(handle, "approve_head")
    assert set(head.deciders or {}) == {"carol"}
    await stack.decide(handle, "approve_head", "carol", "approve")
    result = await handle.result()
    output = result["output"]
    assert (output["outcome"], output["touchless"]) == ("POSTED", False)
    assert output["reason_codes"] == ["PRICE_VAR"]
    assert output["payment_date"] == stack.day(8)  # approved in time: the discount is kept
    assert output["discount_amount"] == 305.20  # 2% of 15,259.97
    assert await stack.erp.count("invoice", "AOS-T3B") == 1
    with Session(stack.engine) as session:
        archive = session.exec(
            select(ArchiveRow).where(ArchiveRow.invoice_id == "INV-IN-T3B")
        ).one()
    decisions = json.loads(archive.content_json)["decisions"]
    assert [(d["step"].rsplit("/", 1)[-1], d["outcome"]) for d in decisions] == [
        ("price_review", "accept_price"),
        ("approve_owner", "approve"),
        ("approve_head", "approve"),
    ]


async def test_t4_a_resubmitted_number_is_a_duplicate_in_the_year_but_not_the_next(
    stack: Stack,
) -> None:
    first = await (await stack.start(stack.invoice("T4"))).result()
    assert first["output"]["outcome"] == "POSTED"
    again = await (await stack.start(stack.invoice("T4", invoice_id="INV-IN-T4-AGAIN"))).result()
    assert (again["status"], again["reason"]) == ("finished", "DUPLICATE")
    assert again["output"]["reason_codes"] == ["DUPLICATE"]
    assert await stack.erp.count("invoice", "AOS-T4") == 1
    # The same number from last year: another fiscal year, so not an exact duplicate; the
    # fuzzy check still runs (and finds nothing: another date). Billed on another PO.
    paper = {"line": 1, "po_line": 2, "item": "PAPER-A4", "qty": 100, "uom": "PK",
             "unit_price": 4.25, "amount": 425.00, "tax_code": "DE19"}  # fmt: skip
    last_year = stack.invoice(
        "T4",
        invoice_id="INV-IN-T4-LAST-YEAR",
        invoice_date=date(stack.today.year - 1, 12, 30).isoformat(),
        po_number="PO-2025-01235",
        lines=[paper],
        net_amount=425.00,
        tax_amount=80.75,
        gross_amount=505.75,
    )
    result = await (await stack.start(last_year)).result()
    assert result["status"] == "completed", result
    assert await stack.erp.count("invoice", "AOS-T4") == 2
