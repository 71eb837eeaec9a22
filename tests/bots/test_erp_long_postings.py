"""A 60-line invoice through the posting bot: rows added on the entry screen, every line
typed, the document read back whole page by page, and posted once whatever the ERP does."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError

from tests.bots.conftest import Sites
from tests.support.erp_records import held_invoices
from tests.support.long_invoices import LongInvoice, long_invoice, quantity, unit_price

LONG_POSTING = """
name: erp-long-posting
version: 1
title: Post a long invoice
owner: tests
business_key: input.reference
input:
  reference: string
  lines: list
  net_amount: number
  tax_amount: number
  gross_amount: number
steps:
  - id: post
    bot: erp.post_invoice
    timeout: 120s
    retry: {initial_interval: 1s, max_interval: 2s}
    with:
      supplier_id: SUP-00087
      supplier_invoice_no: ${ input.reference }
      invoice_date: "2025-06-12"
      net_amount: ${ input.net_amount }
      tax_amount: ${ input.tax_amount }
      gross_amount: ${ input.gross_amount }
      lines: ${ input.lines }
output:
  document: ${ steps.post.document_number }
  gross: ${ steps.post.gross_amount }
  lines: ${ steps.post.line_count }
"""


def reference() -> str:
    return f"LONG-{uuid.uuid4().hex[:8].upper()}"


async def start(
    sites: Sites, key: str, invoice: LongInvoice, name: str = "erp-long-posting"
) -> WorkflowHandle[Any, Any]:
    process = sites.runner.define(LONG_POSTING.replace("erp-long-posting", name))
    data = {"reference": key, "lines": invoice.lines, **invoice.amounts()}
    return await sites.runner.start(process, data)


async def post(sites: Sites, key: str, invoice: LongInvoice, name: str = "erp-long-posting") -> Any:
    return await (await start(sites, key, invoice, name)).result()


async def attempts(handle: WorkflowHandle[Any, Any]) -> int:
    """How many attempts the posting took (the last attempt's number)."""
    history = await handle.fetch_history()
    return max(
        event.activity_task_started_event_attributes.attempt
        for event in history.events
        if event.HasField("activity_task_started_event_attributes")
    )


def assert_held_whole(tmp_path: Path, key: str, invoice: LongInvoice) -> str:
    """The ERP holds exactly one document for the invoice, with every line; its number."""
    [held] = held_invoices(tmp_path / "legacy", key)
    assert held.status == "POSTED"
    assert (held.net_amount, held.gross_amount) == (invoice.net, invoice.gross)
    assert [line.line_no for line in held.lines] == list(range(1, len(invoice.lines) + 1))
    assert [line.item for line in held.lines] == [line["item"] for line in invoice.lines]
    assert held.lines_total == invoice.net
    return held.doc_number


async def test_sixty_lines_are_entered_posted_once_and_read_back_whole(
    sites: Sites, tmp_path: Path
) -> None:
    key, invoice = reference(), long_invoice(60)
    result = await post(sites, key, invoice)
    output = result["output"]
    assert output["lines"] == 60
    assert Decimal(str(output["gross"])) == invoice.gross
    assert assert_held_whole(tmp_path, key, invoice) == output["document"]
    # The same invoice again (a retried process): found, read back whole, not posted twice.
    again = await post(sites, key, invoice, name="erp-long-posting-again")
    assert again["output"] == output
    assert await sites.erp.count("invoice", key) == 1


async def test_a_document_found_for_the_invoice_that_is_not_it_is_a_posting_mismatch(
    sites: Sites, tmp_path: Path
) -> None:
    key, invoice = reference(), long_invoice(60)
    await post(sites, key, invoice)
    # The same reference with line 7 billing one more: what the ERP holds is not this invoice.
    extra = unit_price(7)
    lines = [dict(line) for line in invoice.lines]
    lines[6] |= {"qty": quantity(7) + 1, "amount": str(extra * (quantity(7) + 1))}
    changed = LongInvoice(lines, invoice.net + extra, invoice.tax, invoice.gross + extra)
    with pytest.raises(WorkflowFailureError) as failed:
        await post(sites, key, changed, name="erp-long-posting-changed")
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "BotBusinessRule"
    assert cause.details[0]["reason_code"] == "POSTING_MISMATCH"
    assert "net_amount, gross_amount, line 7 quantity, amount" in cause.message
    assert await sites.erp.count("invoice", key) == 1
    assert_held_whole(tmp_path, key, invoice)


@pytest.mark.parametrize(
    "fault",
    [
        {"error_next": 3},
        {"session_expiry_next": 1},
        {"popup_next": 9, "popup_kind": "modal"},  # the display's pages too
        {"popup_next": 9, "popup_kind": "alert"},
        {"lost_response_next": 1, "lost_response_mode": "drop"},
        # Drawn at random (seeded): faults on the Add lines round trips, on the submit and
        # on the document's pages, in one run.
        {
            "seed": 12,
            "error_rate": 0.04,
            "session_expiry_rate": 0.04,
            "popup_rate": 0.3,
            "lost_response_rate": 0.5,
            "lost_response_mode": "drop",
        },
    ],
    ids=["error-pages", "session-expiry", "modal-popups", "alert-popups", "lost-dropped", "mixed"],
)
async def test_each_fault_ends_in_exactly_one_whole_posting(
    sites: Sites, tmp_path: Path, fault: dict[str, Any]
) -> None:
    key, invoice = reference(), long_invoice(60)
    await sites.erp.faults(**fault)
    handle = await start(sites, key, invoice)
    result = await handle.result()
    assert result["output"]["lines"] == 60
    assert assert_held_whole(tmp_path, key, invoice) == result["output"]["document"]
    if "seed" in fault:
        assert await attempts(handle) > 1  # the faults drawn did strike
