"""The benchmark's workload: three activities, as a hand-written workflow and as a definition."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import activity, workflow
from temporalio.common import RetryPolicy


class Invoice(BaseModel):
    invoice_id: str
    amount: float


class Checked(BaseModel):
    ok: bool
    amount: float


class Posted(BaseModel):
    document: str


class PostInput(BaseModel):
    invoice_id: str
    amount: float


class ArchiveInput(BaseModel):
    document: str


@activity.defn(name="bench.check")
async def check(request: Invoice) -> Checked:
    """Check an amount."""
    return Checked(ok=request.amount > 0, amount=request.amount)


@activity.defn(name="bench.post")
async def post(request: PostInput) -> Posted:
    """Post a document."""
    return Posted(document=f"DOC-{request.invoice_id}")


@activity.defn(name="bench.archive")
async def archive(request: ArchiveInput) -> Posted:
    """Archive a document."""
    return Posted(document=request.document)


ACTIVITIES = [check, post, archive]
OPTIONS: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(
        initial_interval=timedelta(seconds=1),
        backoff_coefficient=2.0,
        maximum_interval=timedelta(minutes=1),
        maximum_attempts=3,
    ),
}

DEFINITION = """
name: bench-invoice
version: 1
title: Benchmark invoice
owner: bench
business_key: input.invoice_id
input:
  invoice_id: string
  amount: number
steps:
  - id: check
    call: bench.check
    with: {invoice_id: "${ input.invoice_id }", amount: "${ input.amount }"}
  - id: post
    if: steps.check.ok
    call: bench.post
    with: {invoice_id: "${ input.invoice_id }", amount: "${ steps.check.amount }"}
  - id: archive
    call: bench.archive
    with: {document: "${ steps.post.document }"}
output:
  document: ${ steps.archive.document }
"""

LOOP_DEFINITION = """
name: bench-loop
version: 1
title: Benchmark loop
owner: bench
business_key: input.case
input:
  case: string
  items: list
steps:
  - id: lines
    for_each: input.items
    max_items: 10000
    concurrency: 1
    steps:
      - {id: check, call: bench.check, with: {invoice_id: "${ input.case }", amount: "${ item }"}}
output:
  checked: ${ size(steps.lines) }
"""


@workflow.defn(name="bench-handwritten")
class HandWritten:
    """What a developer would write by hand for the same process."""

    @workflow.run
    async def run(self, invoice: Invoice) -> dict[str, Any]:
        checked = await workflow.execute_activity(
            check, Invoice(invoice_id=invoice.invoice_id, amount=invoice.amount), **OPTIONS
        )
        if not checked.ok:
            return {"document": None}
        posted = await workflow.execute_activity(
            post, PostInput(invoice_id=invoice.invoice_id, amount=checked.amount), **OPTIONS
        )
        archived = await workflow.execute_activity(
            archive, ArchiveInput(document=posted.document), **OPTIONS
        )
        return {"document": archived.document}
