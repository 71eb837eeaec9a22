"""The paths an AP clerk meets beyond T1-T4: non-PO invoices through the whole matrix, a
rejection clarified, a fraud hold, a suspected duplicate, goods that never arrive,
escalation of an idle approver, and a duplicate found after posting."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from activities.payables.register import InvoiceRecord
from backoffice.audit.steps import trail
from backoffice.engine.runs import RunError, send_event
from backoffice.money import round_money
from backoffice.tasks.queries import TaskDetail, task_detail
from backoffice.tasks.store import TaskRow
from tests.processes.invoice_approval.conftest import LAPTOPS, Stack
from tests.support.eventually import eventually

STEP_WAIT = 60.0  # seconds


def cleaning(stack: Stack, number: str, net: str, **changes: Any) -> dict[str, Any]:
    """A non-PO services invoice from Bureau Services (NET 30), coded to CC-4100; amounts
    as decimal text, computed in Decimal."""
    tax = round_money(Decimal(net) * Decimal("0.19"), "EUR")
    data = stack.invoice(
        number,
        supplier_id="SUP-00231",
        category="NON_PO",
        payment_terms="NET 30",
        net_amount=net,
        tax_amount=str(tax),
        gross_amount=str(Decimal(net) + tax),
        lines=[
            {
                "line": 1,
                "item": "SVC-CLEAN",
                "qty": 1,
                "uom": "LS",
                "unit_price": net,
                "amount": net,
                "tax_code": "DE19",
            }
        ],
        bank={"iban": "FR1420041010050500013M02606", "bic": "PSSTFRPPXXX"},
    )
    del data["po_number"]
    data.update(changes)
    return data


async def test_non_po_above_50000_is_approved_by_owner_head_and_cfo_after_a_clarification(
    stack: Stack,
) -> None:
    handle = await stack.start(cleaning(stack, "NPO-1", "60000.00"))
    await stack.decide(handle, "approve_owner", "alice", "reject", "which quarter is this?")
    clarify = await stack.task(handle, "clarify")
    assert set(clarify.deciders or {}) == {"alice", "bob"}
    await stack.decide(handle, "clarify", "bob", "clarified", "Q3 cleaning, agreed with facilities")
    # Back to approval, from the start: owner, then department head, then CFO.
    await stack.decide(handle, "approve_owner", "alice", "approve")
    await stack.decide(handle, "approve_head", "carol", "approve")
    cfo = await stack.task(handle, "approve_cfo")
    assert set(cfo.deciders or {}) == {"frank"}
    await stack.decide(handle, "approve_cfo", "frank", "approve")
    result = await handle.result()
    output = result["output"]
    assert (output["outcome"], output["touchless"]) == ("POSTED", False)
    # NET 30 from the invoice date; no discount offered, none missed.
    assert output["payment_date"] == stack.day(28)
    assert (output["payment_amount"], output["discount_amount"]) == (71400.00, 0)
    assert await stack.erp.count("invoice", "AOS-NPO-1") == 1


async def test_a_rejection_not_clarified_ends_not_processed_with_a_credit_note_request(
    stack: Stack,
) -> None:
    handle = await stack.start(cleaning(stack, "NPO-2", "800.00"))
    await stack.decide(handle, "approve_owner", "alice", "reject", "not ordered by us")
    await stack.decide(handle, "clarify", "bob", "not_clarified", "supplier cannot say who ordered")
    result = await handle.result()
    assert (result["status"], result["reason"]) == ("finished", "NOT_PROCESSED")
    assert result["output"]["credit_note_requested"] is True
    assert await stack.erp.count("invoice", "AOS-NPO-2") == 0


async def test_a_bank_account_unlike_the_vendor_master_is_held_and_fraud_ends_it(
    stack: Stack,
) -> None:
    data = stack.invoice("FRAUD", bank={"iban": "GB29NWBK60161331926819", "bic": "NWBKGB2LXXX"})
    handle = await stack.start(data)
    hold = await stack.task(handle, "fraud_hold")
    assert set(hold.deciders or {}) == {"dave"}  # AP managers; the clerk who entered it not
    assert hold.context["account in the vendor master"] == "DE89370400440532013000"
    await stack.decide(handle, "fraud_hold", "dave", "fraud", "supplier confirms no bank change")
    result = await handle.result()
    assert (result["status"], result["reason"]) == ("finished", "BANK_MISMATCH")
    assert result["output"]["reason_codes"] == ["BANK_MISMATCH"]
    assert await stack.erp.count("invoice", "AOS-FRAUD") == 0


async def test_a_verified_bank_change_goes_on_to_posting(stack: Stack) -> None:
    data = stack.invoice("BANKOK", bank={"iban": "DE02120300000000202051", "bic": "BYLADEM1001"})
    handle = await stack.start(data)
    await stack.decide(handle, "fraud_hold", "dave", "verified", "called back: new account")
    result = await handle.result()
    assert result["output"]["outcome"] == "POSTED"
    assert await stack.erp.count("invoice", "AOS-BANKOK") == 1


async def test_a_suspected_duplicate_waits_for_a_clerk_who_confirms_it(stack: Stack) -> None:
    first = await (await stack.start(stack.invoice("88231"))).result()
    assert first["output"]["outcome"] == "POSTED"
    # The same invoice keyed in again with a slash and a leading zero: not the same number.
    again = stack.invoice("88231", invoice_id="INV-IN-88231-B", supplier_invoice_no="AOS/088231")
    handle = await stack.start(again)
    review = await stack.decide(handle, "duplicate_review", "alice", "duplicate")
    assert review.context["looks like"] == "INV-IN-88231"
    result = await handle.result()
    assert (result["status"], result["reason"]) == ("finished", "DUPLICATE")
    assert await stack.erp.count("invoice", "AOS/088231") == 0


async def test_goods_never_received_are_rechecked_daily_then_go_to_the_receiver(
    stack: Stack,
) -> None:
    monitors = {
        "line": 1,
        "po_line": 2,
        "item": "MONITOR-27",
        "qty": 10,
        "uom": "EA",
        "unit_price": 329.00,
        "amount": 3290.00,
        "tax_code": "DE19",
    }
    data = stack.invoice(
        "NOGR",
        supplier_id="SUP-00012",
        po_number="PO-2025-01251",
        payment_terms="NET 30",
        net_amount=3290.00,
        tax_amount=625.10,
        gross_amount=3915.10,
        lines=[monitors],
        bank={"iban": "NL91ABNA0417164300", "bic": "ABNANL2AXXX"},
        requester="erin",
    )
    handle = await stack.start(data)
    # Nobody answers the receiver's task either: it times out, and the invoice ends NO_GR.
    result = await handle.result()
    assert (result["status"], result["reason"]) == ("finished", "NO_GR")
    reads = [s for s in trail(stack.engine, handle.id) if s.action == "erp.read_purchase_order"]
    assert len(reads) == 11  # the first match and ten business days of re-checks
    tasks = [t for t in trail(stack.engine, handle.id) if t.action.startswith("tasks.")]
    assert tasks == []  # task activities keep their own audit
    assert await stack.erp.count("invoice", "AOS-NOGR") == 0


async def test_an_idle_approver_is_reminded_then_the_manager_added_then_ap_managers_told(
    stack: Stack,
) -> None:
    handle = await stack.start(cleaning(stack, "IDLE", "4000.00"))
    task = await stack.task(handle, "approve_owner")
    assert set(task.deciders or {}) == {"alice"}
    # Past the last escalation (5 business days) and short of the timeout (10): on Berlin's
    # calendar no fixed number of days is both from every start (5 may take 12 days over
    # Easter, 10 only 12 from a Sunday), so sleep until just after the task's own date.
    told = max(event.at for event in task.planned if event.what == "escalation")
    assert told + timedelta(days=1) < task.deadline
    await stack.env.sleep(told - await stack.env.get_current_time() + timedelta(hours=1))

    def escalated_twice() -> TaskDetail | None:
        detail = task_detail(stack.engine, task.task_id)
        if detail and [e.event for e in detail.events].count("escalated") == 2:
            return detail
        return None

    detail = await eventually(escalated_twice, "the task to be escalated twice", within=STEP_WAIT)
    events = [e.event for e in detail.events]
    assert events[:2] == ["created", "reminded"]
    assert events.count("escalated") == 2
    escalated = await stack.task(handle, "approve_owner")
    # The owner's manager may decide too; the AP managers were told and may reassign, but
    # approving spend is not theirs.
    assert set(escalated.deciders or {}) == {"alice", "carol"}
    assert "dave" in escalated.reassigners
    await stack.decide(handle, "approve_owner", "carol", "approve")
    result = await handle.result()
    assert result["output"]["outcome"] == "POSTED"


@pytest.mark.parametrize(
    ("event", "reason"),
    [("duplicate_found", "DUPLICATE"), ("supplier_cancelled", "SUPPLIER_CANCELLED")],
)
async def test_after_posting_a_duplicate_or_cancellation_cancels_the_payment_then_reverses(
    stack: Stack, event: str, reason: str
) -> None:
    number = f"LATE-{reason[:3]}"
    handle = await stack.start(stack.invoice(number))
    await stack.archived(handle)
    await send_event(stack.env.client, handle.id, event, {"by": "alice"})
    with pytest.raises(WorkflowFailureError) as failed:
        await handle.result()
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == reason
    steps = [s.action for s in trail(stack.engine, handle.id) if s.outcome == "completed"]
    # Undone in reverse: the payment proposal is cancelled before the document is reversed.
    assert steps[-4:] == [
        "erp.cancel_payment_proposals",
        "erp.reverse_posting",
        "invoice.record_status",
        "invoice.archive",
    ]
    with Session(stack.engine) as session:
        kept = session.get(InvoiceRecord, f"INV-IN-{number}")
    assert kept is not None
    assert (kept.status, kept.reason_code) == ("reversed", reason)
    document = kept.document_number or ""
    assert await stack.erp.count("invoice", f"AOS-{number}") == 1
    assert await stack.erp.count("reversal", document) == 1
    assert await stack.erp.count("payment_proposal", document, status="CANCELLED") == 1
    assert await stack.erp.count("payment_proposal", document, status="PROPOSED") == 0


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"gross_amount": 14815.60}, "TAX_ERR"),  # net and tax do not add up to it
        (
            {"supplier_id": "SUP-00140", "bank": {"iban": "AT611904300234573201"}},
            "SUPPLIER_BLOCKED",
        ),  # payment block in the vendor master
        ({"supplier_id": "SUP-77777"}, "MISSING_DATA"),  # not in the vendor master
        # Needs approval, and there is no exchange rate to the company currency.
        ({"currency": "USD", "category": "NON_PO"}, "MISSING_DATA"),
    ],
    ids=["tax", "payment-block", "unknown-vendor", "no-rate"],
)
async def test_an_invoice_turned_down_at_entry_says_why_and_nothing_is_posted(
    stack: Stack, changes: dict[str, Any], reason: str
) -> None:
    data = stack.invoice(f"ENTRY-{uuid.uuid4().hex[:6].upper()}", **changes)
    result = await (await stack.start(data)).result()
    assert (result["status"], result["reason"]) == ("finished", reason)
    assert result["output"]["credit_note_requested"] is False
    assert await stack.erp.count("invoice", data["supplier_invoice_no"]) == 0
    with Session(stack.engine) as session:
        kept = session.get(InvoiceRecord, data["invoice_id"])
    assert kept is not None
    assert (kept.status, kept.reason_code) == ("cancelled", reason)


async def test_a_foreign_invoice_is_approved_on_its_amount_in_the_company_currency(
    stack: Stack,
) -> None:
    # 11,900.00 USD is 9,520.00 EUR at 0.80: above 10,000 in dollars but not in the company
    # currency, so the owner's approval is enough.
    data = cleaning(stack, "USD-1", "10000.00", currency="USD", exchange_rate="0.80")
    assert data["gross_amount"] == "11900.00"
    handle = await stack.start(data)
    owner = await stack.decide(handle, "approve_owner", "alice", "approve")
    assert owner.context["in company currency"] == "9,520.00 EUR"
    result = await handle.result()
    assert result["output"]["outcome"] == "POSTED"
    with Session(stack.engine) as session:
        steps = session.exec(select(TaskRow.step_id).where(TaskRow.workflow_id == handle.id))
        assert [step.rsplit("/", 1)[-1] for step in steps] == ["approve_owner"]
    assert await stack.erp.count("invoice", data["supplier_invoice_no"]) == 1


async def test_a_converted_amount_is_rounded_half_up_to_the_cent_by_an_activity(
    stack: Stack,
) -> None:
    # 119.00 USD at 0.8150 is 96.985 EUR: half up, as back offices round, makes it 96.99
    # (half even would give 96.98). The conversion is currency.convert's, in Decimal.
    data = cleaning(stack, "USD-2", "100.00", currency="USD", exchange_rate="0.8150")
    handle = await stack.start(data)
    owner = await stack.decide(handle, "approve_owner", "alice", "approve")
    assert owner.context["in company currency"] == "96.99 EUR"
    assert owner.context["gross"] == "119.00 USD"
    result = await handle.result()
    output = result["output"]
    assert (output["outcome"], output["payment_amount"]) == ("POSTED", 119)


async def test_an_approval_too_late_for_the_discount_is_paid_net_on_the_due_date(
    stack: Stack,
) -> None:
    # Dated nine days ago under 2/10 NET 30: approved today is past day 8, the last day
    # the payment run can still take the discount.
    data = cleaning(
        stack,
        "LATE-OK",
        "4000.00",
        payment_terms="2/10 NET 30",
        invoice_date=stack.day(-9),
    )
    handle = await stack.start(data)
    await stack.decide(handle, "approve_owner", "alice", "approve")
    result = await handle.result()
    output = result["output"]
    assert output["payment_date"] == stack.day(21)  # day 30
    assert (output["discount_amount"], output["payment_amount"]) == (0, 4760.00)


async def test_a_reference_longer_than_the_erp_keeps_is_refused_before_the_run_starts(
    stack: Stack,
) -> None:
    data = stack.invoice("LONG", supplier_invoice_no="AOS-2025-0088231-7")
    with pytest.raises(RunError, match="supplier_invoice_no") as refused:
        await stack.start(data)
    assert "nothing was started" in str(refused.value)


async def test_an_order_cancelled_while_the_invoice_waits_for_approval_blocks_the_posting(
    stack: Stack,
) -> None:
    line = {**LAPTOPS, "unit_price": 1282.35, "amount": 12823.50}
    data = stack.invoice(
        "PO-GONE", net_amount=12823.50, tax_amount=2436.47, gross_amount=15259.97, lines=[line]
    )
    handle = await stack.start(data)
    await stack.decide(handle, "price_review", "erin", "accept_price", "agreed +3%")
    await stack.erp.set_order_status("PO-2025-01234", "Cancelled")  # purchasing cancels it
    await stack.decide(handle, "approve_owner", "alice", "approve")
    await stack.decide(handle, "approve_head", "carol", "approve")
    result = await handle.result()
    assert (result["status"], result["reason"]) == ("finished", "PO_CLOSED")
    assert result["output"]["credit_note_requested"] is True
    assert await stack.erp.count("invoice", data["supplier_invoice_no"]) == 0
