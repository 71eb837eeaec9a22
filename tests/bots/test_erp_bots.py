"""ERP bots through the real worker and interpreter, against the sandbox ERP in Chromium."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError

from tests.bots.conftest import Sites

POSTING = """
name: erp-posting
version: 1
title: Post an invoice
owner: tests
business_key: input.reference
input:
  reference: string
  gross_amount: number
steps:
  - id: post
    bot: erp.post_invoice
    timeout: 60s
    retry: {initial_interval: 1s, max_interval: 2s}
    with:
      supplier_id: SUP-00087
      supplier_invoice_no: ${ input.reference }
      invoice_date: "2025-06-12"
      net_amount: 12450
      tax_amount: 2365.5
      gross_amount: ${ input.gross_amount }
      po_number: PO-2025-01234
      document_url: s3://ap-inbox/2025/06/AOS-88231.pdf
      lines:
        - {line: 1, po_line: 1, item: LAPTOP-14, qty: 10, unit_price: 1245, amount: 12450}
output:
  document: ${ steps.post.document_number }
  gross: ${ steps.post.gross_amount }
  status: ${ steps.post.status }
"""


def reference() -> str:
    return f"AOS-{uuid.uuid4().hex[:8].upper()}"


async def post(sites: Sites, key: str, gross: float = 14815.5) -> Any:
    name = sites.runner.define(POSTING)
    return await sites.runner.run(name, {"reference": key, "gross_amount": gross})


async def test_invoice_is_posted_and_read_back(sites: Sites) -> None:
    key = reference()
    result = await post(sites, key)
    assert result["output"]["gross"] == 14815.5
    assert result["output"]["status"] == "POSTED"
    assert len(result["output"]["document"]) == 10
    assert await sites.erp.count("invoice", key) == 1
    # Run again for the same invoice (a retried process): found, not posted twice.
    again = await sites.runner.run(
        sites.runner.define(POSTING.replace("erp-posting", "erp-posting-again")),
        {"reference": key, "gross_amount": 14815.5},
    )
    assert again["output"]["document"] == result["output"]["document"]
    assert await sites.erp.count("invoice", key) == 1


@pytest.mark.parametrize(
    "fault",
    [
        {"error_next": 2},
        {"session_expiry_next": 1},
        {"popup_next": 3, "popup_kind": "modal"},
        {"popup_next": 2, "popup_kind": "alert"},
        {"lost_response_next": 1, "lost_response_mode": "hold"},
        {"lost_response_next": 1, "lost_response_mode": "drop"},
    ],
    ids=[
        "error-pages",
        "session-expiry",
        "modal-popup",
        "alert-popup",
        "lost-held",
        "lost-dropped",
    ],
)
async def test_each_fault_ends_in_exactly_one_posting(sites: Sites, fault: dict[str, Any]) -> None:
    key = reference()
    await sites.erp.faults(**fault)
    result = await post(sites, key)
    assert result["output"]["status"] == "POSTED"
    assert await sites.erp.count("invoice", key) == 1


async def test_a_refused_invoice_is_a_business_rule_error_with_evidence_and_no_password(
    sites: Sites,
) -> None:
    key = reference()
    with pytest.raises(WorkflowFailureError) as failed:
        await post(sites, key, gross=99.0)  # does not balance: the ERP refuses it
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "BotBusinessRule"
    assert "Balance is not zero" in cause.message
    details = cause.details[0]
    assert details["kind"] == "BotBusinessRule"
    assert details["phase"] == "submitting"
    evidence = details["evidence"]
    assert set(evidence) == {"screenshot", "html", "console", "trace"}
    for path in evidence.values():
        data = Path(path).read_bytes()
        assert sites.erp.password.encode() not in data
    assert "Balance is not zero" in Path(evidence["html"]).read_text()
    assert await sites.erp.count("invoice", key) == 0


async def test_a_reference_longer_than_the_erp_keeps_is_refused_not_posted_cut(
    sites: Sites,
) -> None:
    key = f"AOS-{uuid.uuid4().hex[:14].upper()}"  # 18 characters; the field takes 16
    with pytest.raises(WorkflowFailureError) as failed:
        await post(sites, key)
    cause = failed.value.cause
    assert isinstance(cause, ApplicationError)
    assert cause.type == "BotBusinessRule"
    assert cause.details[0]["reason_code"] == "FIELD_TOO_LONG"
    assert f"'{key}' would be posted as '{key[:16]}'" in cause.message
    assert await sites.erp.count("invoice", key[:16]) == 0


LIFECYCLE = """
name: erp-lifecycle
version: 1
title: Post, propose payment, then undo
owner: tests
business_key: input.reference
input:
  reference: string
steps:
  - id: post
    bot: erp.post_invoice
    timeout: 60s
    retry: {initial_interval: 1s}
    with:
      supplier_id: SUP-00087
      supplier_invoice_no: ${ input.reference }
      invoice_date: "2025-06-12"
      net_amount: 1000
      tax_amount: 190
      gross_amount: 1190
      lines: [{line: 1, item: TONER-X, qty: 4, unit_price: 250, amount: 1000}]
  - id: propose
    bot: erp.create_payment_proposal
    timeout: 60s
    retry: {initial_interval: 1s}
    with:
      document_number: ${ steps.post.document_number }
      payment_date: "2025-06-22"
      discount_percent: 2
  - id: cancel
    bot: erp.cancel_payment_proposals
    timeout: 60s
    retry: {initial_interval: 1s}
    with: {document_number: "${ steps.post.document_number }"}
  - id: reverse
    bot: erp.reverse_posting
    timeout: 60s
    retry: {initial_interval: 1s}
    with: {document_number: "${ steps.post.document_number }", reason: "05"}
output:
  document: ${ steps.post.document_number }
  payment: ${ steps.propose.payment_amount }
  discount: ${ steps.propose.discount_amount }
  cancelled: ${ steps.cancel.status }
  reversal: ${ steps.reverse.reversal_document_number }
"""


async def test_payment_proposal_cancellation_and_reversal_each_happen_once(sites: Sites) -> None:
    key = reference()
    await sites.erp.faults(lost_response_next=2, lost_response_mode="drop")
    result = await sites.runner.run(sites.runner.define(LIFECYCLE), {"reference": key})
    output = result["output"]
    assert output["payment"] == 1166.2  # 2% cash discount on 1,190.00
    assert output["discount"] == 23.8
    assert output["cancelled"] == "CANCELLED"
    assert output["reversal"] != output["document"]
    document = output["document"]
    assert await sites.erp.count("payment_proposal", document) == 1
    assert await sites.erp.count("payment_proposal", document, status="CANCELLED") == 1
    assert await sites.erp.count("reversal", document) == 1
